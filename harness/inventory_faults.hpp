// serve-inventory's test controls: the faults a test switches at run time (POST /__faults) and
// the requests it counts (GET /__requests), kept apart from the server that applies them.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/fixture_rest.hpp"

namespace hostadm::harness {

// Switched at run time by POST /__faults; read by every request.
struct Faults {
  std::mutex mu;
  int latency_ms = 0;
  int status = 0;
  bool drop = false;
  std::string error_message;  // forklift-error-message on 401/403
  RestFaults rest;

  nlohmann::json to_json();
};

// The whole fault set is replaced by each POST: `{}` clears everything. "" when `body` was
// applied, else why not (the answer's 400 text).
std::string apply_faults(Faults& f, const std::string& body);

// providers: listings; provider: GET /providers/<type>/<uid>; hosts: host lists (?name= too);
// host: GET .../hosts/<id>.
struct Counts {
  std::atomic<long> providers{0}, provider{0}, hosts{0}, host{0}, total{0};
  nlohmann::json to_json() const;
  void reset();
};

// Counts the inventory request for `path` by its kind (tests count fetches with it).
void count(Counts& c, const std::string& path);

}  // namespace hostadm::harness
