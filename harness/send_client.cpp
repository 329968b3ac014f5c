// The checking client of `host-harness send`: one document through the webhook as the apiserver
// sends it, every answer held to the admission contract.
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "harness/pipeline.hpp"
#include "harness/send.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm::harness {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// Keyed like a rule so CI output can filter on it; not a webhook rule.
constexpr const char* kContractRule = "contract";
constexpr const char* kSchemaRule = "schema";

}  // namespace

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

namespace {

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

}  // namespace

// The causes a user of `send` fixes with its own flags; the others read as every client's.
std::string transport_cause(httplib::Error err, const Options& o) {
  switch (err) {
    case httplib::Error::Connection:
      return "cannot connect (is host-webhook running there?)";
    case httplib::Error::Read:
      return "no answer (connection closed or --timeout reached)";
    default:
      return hostadm::transport_cause(
          err, {"cannot load the --ca file",
                o.server_name.empty()
                    ? "the webhook's certificate is not signed by --ca or does not name this host "
                      "(behind a port-forward, name the Service with --tls-server-name)"
                    : "the webhook's certificate is not signed by --ca or does not name '" +
                          o.server_name + "' (--tls-server-name)"});
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

namespace {

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

// The AdmissionReview around the answer: a JSON object echoing the request's apiVersion, kind
// and uid, with a response object. The contract's breach, or "" (and `body` read).
std::string check_envelope(const std::string& text, const std::string& api_version,
                           const std::string& uid, json& body) {
  try {
    body = parse_json_bounded(text);
  } catch (const json::exception& e) {
    return std::string("answer is not JSON: ") + e.what();
  }
  if (!body.is_object()) return "answer is not a JSON object";
  if (body.value("apiVersion", json()) != api_version)
    return "apiVersion does not echo the request's '" + api_version + "'";
  if (body.value("kind", json()) != "AdmissionReview") return "kind is not AdmissionReview";
  auto rit = body.find("response");
  if (rit == body.end() || !rit->is_object()) return "no response object";
  if (rit->value("uid", json()) != uid)
    return "response.uid " + rit->value("uid", json()).dump() + " does not echo request uid " + uid;
  return "";
}

// patchType and patch: both or neither, never on a validating answer, base64 of a JSON array.
std::string read_patch(const json& r, bool validating, Answer& a) {
  bool has_type = r.contains("patchType") && !r["patchType"].is_null();
  bool has_patch = r.contains("patch") && !r["patch"].is_null();
  if (has_type != has_patch) return "patchType and patch must come together";
  if (!has_patch) return "";
  if (validating) return "a validating answer carries a patch";
  if (r["patchType"] != "JSONPatch") return "patchType is not JSONPatch";
  if (!r["patch"].is_string()) return "patch is not a base64 string";
  try {
    a.patch = json::parse(base64_decode(r["patch"].get<std::string>()));
  } catch (const std::exception& e) {
    return std::string("patch is not base64 of a JSON array: ") + e.what();
  }
  if (!a.patch.is_array()) return "patch is not a JSON Patch array";
  return "";
}

std::string read_warnings(const json& r, Answer& a) {
  if (!r.contains("warnings") || r["warnings"].is_null()) return "";
  if (!r["warnings"].is_array()) return "warnings is not a list";
  for (const auto& w : r["warnings"]) {
    if (!w.is_string()) return "a warning is not a string";
    a.warnings.push_back(w.get<std::string>());
  }
  return "";
}

// A denial's status: a 4xx/5xx code and a message the user reads.
std::string read_denial(const json& r, Answer& a) {
  const json status = r.value("status", json::object());
  if (!status.is_object() || !status.value("code", json()).is_number_integer())
    return "a denial carries no status.code";
  a.code = status["code"].get<int>();
  if (a.code < 400 || a.code > 599)
    return "status.code " + std::to_string(a.code) + " of a denial is not 4xx/5xx";
  if (!status.value("message", json()).is_string() || status["message"].get<std::string>().empty())
    return "a denial carries no status.message";
  a.message = status["message"].get<std::string>();
  return "";
}

// The response object checked against the admission contract; the first breach, or "".
std::string read_response(const json& r, bool validating, Answer& a) {
  auto allowed = r.find("allowed");
  if (allowed == r.end() || !allowed->is_boolean()) return "response.allowed is missing";
  a.allowed = allowed->get<bool>();
  std::string why = read_patch(r, validating, a);
  if (why.empty()) why = read_warnings(r, a);
  if (why.empty() && !a.allowed) why = read_denial(r, a);
  return why;
}

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
  std::string why;
  json body;
  if (res->status != 200) {
    why = "HTTP " + std::to_string(res->status) + " (expected 200): " + clip(res->body);
  } else if (res->get_header_value("Content-Type").find("application/json") == std::string::npos) {
    why = "Content-Type is '" + res->get_header_value("Content-Type") +
          "', expected application/json";
  } else {
    why = check_envelope(res->body, api_version, uid, body);
    if (why.empty()) why = read_response(body["response"], validating, a);
  }
  if (!why.empty()) a.violation = endpoint + ": " + why;
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

}  // namespace

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

}  // namespace hostadm::harness
