// `host-harness send`: drives a live webhook the way kube-apiserver does (AdmissionReview v1,
// fresh uid, ?timeout=, /mutate -> patch -> schema -> /validate) and checks every answer against
// the admission contract (send_client.cpp); with --repeat/--concurrency, a load generator over
// keep-alive TLS connections (send_load.cpp).
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "harness/output.hpp"
#include "harness/results.hpp"
#include "webhook/inventory/http_source.hpp"

namespace hostadm::harness {

struct Options {
  HttpUrl url;
  std::string server_name;  // --tls-server-name; empty: url.host
  std::string address;      // url.host as a numeric address, when server_name is set
  std::string ca;
  bool dry_run = false;
  int repeat = 0;  // 0: not load mode
  int concurrency = 1;
  Format format = Format::Table;
  std::string ns;
  std::string operation = "CREATE";
  std::chrono::milliseconds timeout{10'000};
  std::vector<std::string> paths;
};

// The webhook could not be reached at all: exit 2, unlike a bad answer (exit 1).
struct ConnectionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One document ready to send: the review to POST to /mutate (its uid is replaced per call).
struct Prepared {
  std::string source;
  nlohmann::json review;
};

// A fresh request uid, as the apiserver sends.
std::string uuid4();
// "?timeout=10s": the apiserver's deadline for the webhook, in whole seconds (at least 1).
std::string timeout_query(std::chrono::milliseconds t);
// Why a request got no HTTP answer, in the user's terms (naming the flag to fix).
std::string transport_cause(httplib::Error err, const Options& o);
// A keep-alive client that verifies the webhook's certificate against --ca.
std::unique_ptr<httplib::SSLClient> make_client(const Options& o);
// One document through /mutate, the patch, the schema's required fields and /validate; a broken
// answer is a "contract" row. Throws ConnectionError when the webhook cannot be reached.
DocResult run_one(httplib::SSLClient& client, const Options& o, const Prepared& p);

// Load mode: every document `o.repeat` times over `o.concurrency` connections; prints the
// throughput and latency percentiles. Returns the exit code (1 when a request failed).
int run_load(const Options& o, const std::vector<Prepared>& docs);

}  // namespace hostadm::harness
