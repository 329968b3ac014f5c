// `host-harness send`: drives a live webhook the way kube-apiserver does
// (AdmissionReview v1, fresh uid, ?timeout=, /mutate -> patch -> schema -> /validate) and checks
// every answer against the admission contract; with --repeat/--concurrency, a load generator
// over keep-alive TLS connections.
#include <netdb.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "harness/commands.hpp"
#include "harness/flags.hpp"
#include "harness/output.hpp"
#include "harness/pipeline.hpp"
#include "harness/replay.hpp"
#include "harness/results.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/inventory/files.hpp"
#include "webhook/inventory/http_source.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: host-harness send --webhook https://HOST:PORT --ca FILE [--dry-run] "
    "[--repeat N --concurrency C] [-o table|json|yaml|junit] [--namespace NS] "
    "[--operation CREATE|UPDATE] [--timeout 10s] [--tls-server-name NAME] PATH...\n"
    "  --tls-server-name: the name to ask for (SNI) and to find in the webhook's certificate, "
    "when\n"
    "    --webhook is another address, e.g. https://127.0.0.1:8443 from `kubectl port-forward`";

// Keyed like a rule so CI output can filter on it; not a webhook rule.
constexpr const char* kContractRule = "contract";
constexpr const char* kSchemaRule = "schema";

struct Options {
  InventoryUrl url;
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

std::string uuid4() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    for (auto& c : b) c = static_cast<unsigned char>(rng());
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

std::string timeout_query(std::chrono::milliseconds t) {
  long s = static_cast<long>((t.count() + 999) / 1000);
  return "?timeout=" + std::to_string(std::max(1L, s)) + "s";
}

json gvk_json(const std::string& g, const std::string& v, const std::string& k) {
  return {{"group", g}, {"version", v}, {"kind", k}};
}

// The AdmissionReview kube-apiserver sends for a request.
json review_json(const AdmissionRequest& req) {
  json gvr = {{"group", req.resource.group},
              {"version", req.resource.version},
              {"resource", req.resource.resource}};
  json kind = gvk_json(req.kind_group, req.kind_version, req.kind_kind);
  json r = {{"uid", req.uid},
            {"kind", kind},
            {"resource", gvr},
            {"requestKind", kind},
            {"requestResource", gvr},
            {"name", req.name},
            {"namespace", req.ns},
            {"operation", req.operation},
            {"userInfo", {{"username", "host-harness"}, {"groups", {"system:authenticated"}}}},
            {"object", req.object},
            {"oldObject", req.old_object},
            {"dryRun", req.dry_run},
            {"options",
             {{"apiVersion", "meta.k8s.io/v1"},
              {"kind", req.operation == "UPDATE" ? "UpdateOptions" : "CreateOptions"}}}};
  if (!req.sub_resource.empty()) r["subResource"] = req.sub_resource;
  return {{"apiVersion", req.api_version}, {"kind", req.kind}, {"request", r}};
}

// One document ready to send: the review to POST to /mutate (its uid is replaced per call).
struct Prepared {
  std::string source;
  json review;
};

void add_unique(std::vector<std::string>& to, const std::string& s) {
  if (std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
}

// Rule ids lead every denial ("a: ...; b: ...") and warning ("c: ...").
void collect_rules(const std::string& text, std::vector<std::string>& rules, bool split) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = split ? text.find("; ", start) : std::string::npos;
    std::string part =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    auto colon = part.find(':');
    if (colon != std::string::npos && is_known_rule(part.substr(0, colon)))
      add_unique(rules, part.substr(0, colon));
    if (end == std::string::npos) break;
    start = end + 2;
  }
}

std::string clip(const std::string& s, size_t n = 200) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

std::string transport_cause(httplib::Error err, const Options& o) {
  switch (err) {
    case httplib::Error::Connection:
      return "cannot connect (is host-webhook running there?)";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "no answer (connection closed or --timeout reached)";
    case httplib::Error::Write:
      return "cannot send the request";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the --ca file";
    case httplib::Error::SSLServerVerification:
      return o.server_name.empty()
                 ? "the webhook's certificate is not signed by --ca or does not name this host "
                   "(behind a port-forward, name the Service with --tls-server-name)"
                 : "the webhook's certificate is not signed by --ca or does not name '" +
                       o.server_name + "' (--tls-server-name)";
    default:
      return httplib::to_string(err);
  }
}

// httplib sends its host as SNI and checks the certificate against it; with --tls-server-name
// that host is the name, and the address map sends the connection to --webhook's address.
std::unique_ptr<httplib::SSLClient> make_client(const Options& o) {
  auto c = std::make_unique<httplib::SSLClient>(o.server_name.empty() ? o.url.host : o.server_name,
                                                o.url.port);
  if (!o.server_name.empty()) c->set_hostname_addr_map({{o.server_name, o.address}});
  c->set_ca_cert_path(o.ca);
  c->enable_server_certificate_verification(true);
  c->set_tcp_nodelay(true);
  c->set_keep_alive(true);
  c->set_connection_timeout(o.timeout);
  c->set_read_timeout(o.timeout);
  c->set_write_timeout(o.timeout);
  return c;
}

// One webhook answer, checked against the admission contract.
struct Answer {
  bool deferred = false;  // HTTP 503: the webhook left it to failurePolicy
  std::string violation;  // non-empty: the answer breaks the contract
  bool allowed = false;
  int code = 200;
  std::string message;
  std::vector<std::string> warnings;
  json patch = json::array();
};

Answer call(httplib::SSLClient& client, const Options& o, const std::string& endpoint, json review,
            bool validating) {
  Answer a;
  const std::string uid = uuid4();
  review["request"]["uid"] = uid;
  const std::string api_version = review.value("apiVersion", "admission.k8s.io/v1");
  auto res = client.Post((o.url.prefix + endpoint + timeout_query(o.timeout)).c_str(),
                         review.dump(), "application/json");
  if (!res) throw ConnectionError(o.url.base() + endpoint + ": " + transport_cause(res.error(), o));
  if (res->status == 503) {
    a.deferred = true;
    a.code = 503;
    a.message = "deferred (503): the webhook left the decision to failurePolicy" +
                (res->body.empty() ? std::string() : ": " + clip(res->body));
    return a;
  }
  auto violate = [&](const std::string& why) {
    a.violation = endpoint + ": " + why;
    return a;
  };
  if (res->status != 200)
    return violate("HTTP " + std::to_string(res->status) + " (expected 200): " + clip(res->body));
  if (res->get_header_value("Content-Type").find("application/json") == std::string::npos)
    return violate("Content-Type is '" + res->get_header_value("Content-Type") +
                   "', expected application/json");
  json body;
  try {
    body = parse_json_bounded(res->body);
  } catch (const json::exception& e) {
    return violate(std::string("answer is not JSON: ") + e.what());
  }
  if (!body.is_object()) return violate("answer is not a JSON object");
  if (body.value("apiVersion", json()) != api_version)
    return violate("apiVersion does not echo the request's '" + api_version + "'");
  if (body.value("kind", json()) != "AdmissionReview")
    return violate("kind is not AdmissionReview");
  auto rit = body.find("response");
  if (rit == body.end() || !rit->is_object()) return violate("no response object");
  const json& r = *rit;
  if (r.value("uid", json()) != uid)
    return violate("response.uid " + r.value("uid", json()).dump() + " does not echo request uid " +
                   uid);
  auto allowed = r.find("allowed");
  if (allowed == r.end() || !allowed->is_boolean()) return violate("response.allowed is missing");
  a.allowed = allowed->get<bool>();
  bool has_type = r.contains("patchType") && !r["patchType"].is_null();
  bool has_patch = r.contains("patch") && !r["patch"].is_null();
  if (has_type != has_patch) return violate("patchType and patch must come together");
  if (has_patch) {
    if (validating) return violate("a validating answer carries a patch");
    if (r["patchType"] != "JSONPatch") return violate("patchType is not JSONPatch");
    if (!r["patch"].is_string()) return violate("patch is not a base64 string");
    try {
      a.patch = json::parse(base64_decode(r["patch"].get<std::string>()));
    } catch (const std::exception& e) {
      return violate(std::string("patch is not base64 of a JSON array: ") + e.what());
    }
    if (!a.patch.is_array()) return violate("patch is not a JSON Patch array");
  }
  if (r.contains("warnings") && !r["warnings"].is_null()) {
    if (!r["warnings"].is_array()) return violate("warnings is not a list");
    for (const auto& w : r["warnings"]) {
      if (!w.is_string()) return violate("a warning is not a string");
      a.warnings.push_back(w.get<std::string>());
    }
  }
  if (!a.allowed) {
    const json status = r.value("status", json::object());
    if (!status.is_object() || !status.value("code", json()).is_number_integer())
      return violate("a denial carries no status.code");
    a.code = status["code"].get<int>();
    if (a.code < 400 || a.code > 599)
      return violate("status.code " + std::to_string(a.code) + " of a denial is not 4xx/5xx");
    if (!status.value("message", json()).is_string() ||
        status["message"].get<std::string>().empty())
      return violate("a denial carries no status.message");
    a.message = status["message"].get<std::string>();
  }
  return a;
}

void fill_identity(DocResult& r, const json& review) {
  const json& req = review["request"];
  r.operation = req.value("operation", "");
  r.ns = req.value("namespace", "");
  r.name = req.value("name", "");
  const json& obj = req.contains("object") ? req["object"] : json();
  if (r.name.empty() && obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object())
    r.name = obj["metadata"].value("name", "");
}

// Denial rules come before warning rules, as in replay's output.
void apply_answer(DocResult& r, const Answer& a) {
  if (!a.violation.empty()) {
    r.allowed = false;
    r.code = 0;
    add_unique(r.rules, kContractRule);
    r.message = "contract violation: " + a.violation;
  } else if (a.deferred) {
    r.allowed = false;
    r.code = 503;
    r.message = a.message;
  } else if (!a.allowed) {
    r.allowed = false;
    r.code = a.code;
    r.message = a.message;
    collect_rules(a.message, r.rules, true);
  }
  for (const auto& w : a.warnings) {
    add_unique(r.warnings, w);
    collect_rules(w, r.rules, false);
  }
}

// mutate -> apply the patch -> required fields -> validate, as kube-apiserver does.
DocResult run_one(httplib::SSLClient& client, const Options& o, const Prepared& p) {
  auto started = Clock::now();
  DocResult r;
  r.source = p.source;
  r.allowed = true;
  fill_identity(r, p.review);
  Answer m = call(client, o, "/mutate", p.review, false);
  apply_answer(r, m);
  json object = p.review["request"].value("object", json());
  if (r.allowed) {
    r.patch = m.patch;
    if (!m.patch.empty()) {
      try {
        object = object.patch(m.patch);
      } catch (const std::exception& e) {
        Answer bad;
        bad.violation = std::string("/mutate: patch does not apply: ") + e.what();
        apply_answer(r, bad);
      }
    }
    r.object = object;
  }
  bool is_host = object.is_object() && object.value("kind", json()) == "Host";
  if (r.allowed && is_host) {
    auto missing = missing_required_fields(object);
    if (!missing.empty()) {
      r.allowed = false;
      r.code = 422;
      add_unique(r.rules, kSchemaRule);
      r.message = schema_message(r.name, missing);
    }
  }
  if (r.allowed) {
    json review = p.review;
    review["request"]["object"] = object;
    Answer v = call(client, o, "/validate", review, true);
    apply_answer(r, v);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return r;
}

// httplib's address map takes a numeric address only.
std::string numeric_address(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr)
    throw FlagError("--webhook host '" + host + "' does not resolve to an address");
  char text[NI_MAXHOST];
  const int rc =
      getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(found);
  if (rc != 0) throw FlagError("--webhook host '" + host + "' does not resolve to an address");
  return text;
}

Options parse_options(const Args& args) {
  ParsedFlags f = parse_flags(args,
                              {"--webhook", "--ca", "--repeat", "--concurrency", "-o", "--output",
                               "--namespace", "--operation", "--timeout", "--tls-server-name"},
                              {"--dry-run"});
  Options o;
  std::string webhook = f.get("--webhook");
  if (webhook.empty()) throw FlagError("--webhook https://HOST:PORT is required");
  try {
    o.url = parse_inventory_url(webhook);
  } catch (const std::invalid_argument&) {
    throw FlagError("--webhook must be https://HOST:PORT, got '" + webhook + "'");
  }
  if (o.url.scheme != "https")
    throw FlagError("--webhook must use https:// (kube-apiserver only calls webhooks over TLS)");
  o.ca = f.get("--ca");
  if (o.ca.empty())
    throw FlagError(
        "--ca FILE is required (the CA that signed the webhook's certificate, e.g. "
        "certs/dev/ca.crt)");
  o.server_name = f.get("--tls-server-name");
  if (f.has("--tls-server-name")) {
    if (o.server_name.empty() || o.server_name.find_first_of(" /:") != std::string::npos)
      throw FlagError(
          "--tls-server-name must be a DNS name like host-webhook.host-webhook.svc, got '" +
          o.server_name + "'");
    o.address = numeric_address(o.url.host);
  }
  o.dry_run = f.has("--dry-run");
  auto positive = [&](const std::string& flag) {
    std::string v = f.get(flag);
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 1 || n > 10'000'000)
      throw FlagError(flag + " must be a positive integer, got '" + v + "'");
    return static_cast<int>(n);
  };
  if (f.has("--repeat")) o.repeat = positive("--repeat");
  if (f.has("--concurrency")) {
    o.concurrency = positive("--concurrency");
    if (o.concurrency > 1024) throw FlagError("--concurrency must be at most 1024");
    if (!o.repeat) o.repeat = 1;
  }
  std::string format = f.get("-o", f.get("--output", "table"));
  try {
    o.format = parse_format(format);
  } catch (const std::invalid_argument& e) {
    throw FlagError(std::string("-o: ") + e.what());
  }
  o.ns = f.get("--namespace");
  o.operation = f.get("--operation", "CREATE");
  if (o.operation != "CREATE" && o.operation != "UPDATE")
    throw FlagError("--operation must be CREATE or UPDATE");
  if (f.has("--timeout")) {
    try {
      o.timeout = parse_duration(f.get("--timeout"));
    } catch (const std::exception&) {
      throw FlagError("--timeout must be a duration like 10s");
    }
    if (o.timeout.count() <= 0 || o.timeout > std::chrono::seconds(30))
      throw FlagError("--timeout must be between 1ms and 30s (the apiserver's limit)");
  }
  o.paths = f.positional;
  if (o.paths.empty()) throw FlagError("give at least one PATH (file, directory or -)");
  return o;
}

// Documents -> reviews to send; other kinds become skipped rows, non-mappings malformed rows.
std::vector<Prepared> prepare(const Options& o, const std::vector<InputDoc>& docs,
                              std::vector<DocResult>& rows) {
  std::vector<Prepared> out;
  for (const auto& d : docs) {
    std::string why;
    DocKind kind = classify(d.value, &why);
    if (kind == DocKind::Host) {
      json old = o.operation == "UPDATE" ? d.value : json();
      AdmissionRequest req = host_request(d.value, o.ns, "pending", old);
      if (!old.is_null()) req.old_object = req.object;  // an update that keeps the stored Host
      req.dry_run = o.dry_run;
      out.push_back({d.source(), review_json(req)});
    } else if (kind == DocKind::Review) {
      json review = d.value;
      if (!review.contains("request") || !review["request"].is_object()) {
        rows.push_back(malformed_result(d.source(), "AdmissionReview without a request object"));
        continue;
      }
      if (o.dry_run) review["request"]["dryRun"] = true;
      out.push_back({d.source(), review});
    } else if (kind == DocKind::NotMapping) {
      rows.push_back(malformed_result(d.source(), "document is not a mapping"));
    } else {
      DocResult r;
      r.source = d.source();
      r.skipped = true;
      r.skip_reason = why;
      rows.push_back(r);
    }
  }
  return out;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

int load(const Options& o, const std::vector<Prepared>& docs) {
  // Bodies are serialized once; each request only gets its own uid written in place.
  const std::string placeholder = "00000000-0000-4000-8000-000000000000";
  struct Body {
    std::string text;
    size_t uid_at;
  };
  std::vector<Body> bodies;
  for (const auto& d : docs) {
    json review = d.review;
    review["request"]["uid"] = placeholder;
    std::string text = review.dump();
    bodies.push_back({text, text.find("\"" + placeholder + "\"") + 1});
  }
  const std::string path = o.url.prefix + "/mutate" + timeout_query(o.timeout);
  const long total = static_cast<long>(bodies.size()) * o.repeat;
  std::atomic<long> next{0};
  std::atomic<long> errors{0};
  std::mutex first_error_mu;
  std::string first_error;
  std::vector<std::vector<double>> latencies(o.concurrency);

  auto worker = [&](int w) {
    auto client = make_client(o);
    auto& mine = latencies[w];
    mine.reserve(static_cast<size_t>(total / o.concurrency + 1));
    for (long i = next++; i < total; i = next++) {
      Body b = bodies[static_cast<size_t>(i) % bodies.size()];
      std::string uid = uuid4();
      b.text.replace(b.uid_at, uid.size(), uid);
      auto t0 = Clock::now();
      auto res = client->Post(path.c_str(), b.text, "application/json");
      mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      std::string err;
      if (!res)
        err = transport_cause(res.error(), o);
      else if (res->status != 200)
        err = "HTTP " + std::to_string(res->status);
      else if (res->body.find("\"" + uid + "\"") == std::string::npos)
        err = "response.uid does not echo the request uid";
      if (!err.empty()) {
        ++errors;
        std::lock_guard<std::mutex> lk(first_error_mu);
        if (first_error.empty()) first_error = err;
      }
    }
  };
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < o.concurrency; ++w) threads.emplace_back(worker, w);
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  double rps = seconds > 0 ? static_cast<double>(total) / seconds : 0;
  json report = {{"requests", total},
                 {"documents", bodies.size()},
                 {"repeat", o.repeat},
                 {"concurrency", o.concurrency},
                 {"errors", errors.load()},
                 {"seconds", seconds},
                 {"throughput", rps},
                 {"latencyMs",
                  {{"p50", percentile(all, 50)},
                   {"p90", percentile(all, 90)},
                   {"p99", percentile(all, 99)},
                   {"max", all.empty() ? 0 : all.back()}}}};
  if (!first_error.empty()) report["firstError"] = first_error;
  if (o.format == Format::Json) {
    std::cout << report.dump(2) << "\n";
  } else {
    std::ostringstream s;
    s << std::fixed << std::setprecision(2);
    s << "requests:   " << total << " (" << bodies.size() << " documents x " << o.repeat
      << ") over " << o.concurrency << " keep-alive connections, errors " << errors.load() << "\n";
    s << "throughput: " << std::setprecision(1) << rps << " req/s in " << std::setprecision(2)
      << seconds << " s\n";
    s << "latency ms: p50 " << percentile(all, 50) << "  p90 " << percentile(all, 90) << "  p99 "
      << percentile(all, 99) << "  max " << (all.empty() ? 0 : all.back()) << "\n";
    if (!first_error.empty()) s << "first error: " << first_error << "\n";
    std::cout << s.str();
  }
  return errors.load() == 0 ? kExitOk : kExitFailed;
}

}  // namespace

int cmd_send(const Args& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      std::cout << kUsage << "\n";
      return kExitOk;
    }
  }
  Options o;
  try {
    o = parse_options(args);
  } catch (const FlagError& e) {
    std::cerr << "host-harness send: " << e.what() << "\n" << kUsage << "\n";
    return kExitUsage;
  }
  std::vector<DocResult> rows;
  std::vector<Prepared> docs;
  try {
    docs = prepare(o, read_documents(o.paths), rows);
  } catch (const std::exception& e) {
    std::cerr << "host-harness send: " << e.what() << "\n";
    return kExitUsage;
  }
  try {
    if (o.repeat > 0) {
      if (docs.empty()) {
        std::cerr << "host-harness send: no Host or AdmissionReview documents to send\n";
        return kExitUsage;
      }
      // One checked request first: a wrong URL or CA is a usage error, not N failed requests.
      auto probe = make_client(o);
      run_one(*probe, o, docs.front());
      return load(o, docs);
    }
    auto client = make_client(o);
    for (const auto& d : docs) rows.push_back(run_one(*client, o, d));
  } catch (const ConnectionError& e) {
    std::cerr << "host-harness send: " << e.what() << "\n";
    return kExitUsage;
  }
  // Keep input order: prepared rows were appended after the non-sendable ones.
  std::stable_sort(rows.begin(), rows.end(), [](const DocResult& a, const DocResult& b) {
    auto split = [](const std::string& s) {  // FILE#INDEX or FILE#INDEX.ITEM
      auto hash = s.rfind('#');
      auto dot = s.find('.', hash);
      return std::make_tuple(s.substr(0, hash), std::atoi(s.c_str() + hash + 1),
                             dot == std::string::npos ? -1 : std::atoi(s.c_str() + dot + 1));
    };
    return split(a.source) < split(b.source);
  });
  write_results(std::cout, rows, o.format, o.format == Format::Table && want_color());
  const int code = replay_exit_code(rows);
  if (code == kExitUsage)
    std::cerr << "host-harness send: nothing was checked: " << nothing_checked_reason(rows) << "\n";
  return code;
}

}  // namespace hostadm::harness
