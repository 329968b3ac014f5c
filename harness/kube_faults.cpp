#include "harness/kube_faults.hpp"

namespace hostadm::kubemock {

using nlohmann::json;

namespace {

constexpr const char* kRuleKeys =
    "verb, resource, namespace, name, latencyMs, status, retryAfterSeconds, body, drop, times";
constexpr const char* kVerbs[] = {"get", "list", "watch", "create", "update", "patch", "delete"};

std::string integer(const json& v, const char* key, long lo, long hi, int& out) {
  if (!v.is_number_integer() || v.get<long>() < lo || v.get<long>() > hi)
    return std::string(key) + " must be an integer from " + std::to_string(lo) + " to " +
           std::to_string(hi);
  out = v.get<int>();
  return "";
}

std::string read_key(FaultRule& r, const std::string& key, const json& v) {
  if (key == "verb" || key == "resource" || key == "namespace" || key == "name") {
    if (!v.is_string()) return key + " must be a string";
    const std::string s = v.get<std::string>();
    if (key == "verb") {
      bool known = false;
      for (const char* verb : kVerbs) known = known || s == verb;
      if (!known) return "verb must be one of get, list, watch, create, update, patch, delete";
      r.verb = s;
    } else {
      (key == "resource" ? r.resource : key == "namespace" ? r.ns : r.name) = s;
    }
    return "";
  }
  if (key == "latencyMs") return integer(v, "latencyMs", 0, 600000, r.latency_ms);
  if (key == "status") {
    std::string err = integer(v, "status", 0, 599, r.status);
    if (err.empty() && r.status != 0 && r.status < 400)
      err = "status must be 0 (off) or an HTTP error code such as 403, 404, 409, 410, 429, 500";
    return err;
  }
  if (key == "retryAfterSeconds") return integer(v, "retryAfterSeconds", 0, 3600, r.retry_after);
  if (key == "times") return integer(v, "times", 0, 1000000, r.times);
  if (key == "drop") {
    if (!v.is_boolean()) return "drop must be true or false";
    r.drop = v.get<bool>();
    return "";
  }
  if (key == "body") {
    if (v != "status" && v != "text") return "body must be \"status\" or \"text\"";
    r.text_body = v == "text";
    return "";
  }
  return "unknown key '" + key + "'; accepted: " + kRuleKeys;
}

std::string read_rule(const json& j, FaultRule& r) {
  if (!j.is_object()) return "a rule must be a JSON object";
  bool body_given = false;
  for (const auto& [key, v] : j.items()) {
    std::string err = read_key(r, key, v);
    if (!err.empty()) return err;
    body_given = body_given || key == "body";
  }
  // API Priority and Fairness writes its 429 as text; other 429s (an eviction) are Statuses.
  if (r.status == 429 && !body_given) r.text_body = true;
  return "";
}

json rule_json(const FaultRule& r) {
  json j = json::object();
  if (!r.verb.empty()) j["verb"] = r.verb;
  if (!r.resource.empty()) j["resource"] = r.resource;
  if (!r.ns.empty()) j["namespace"] = r.ns;
  if (!r.name.empty()) j["name"] = r.name;
  if (r.latency_ms) j["latencyMs"] = r.latency_ms;
  if (r.status) j["status"] = r.status;
  if (r.retry_after >= 0) j["retryAfterSeconds"] = r.retry_after;
  if (r.status) j["body"] = r.text_body ? "text" : "status";
  if (r.drop) j["drop"] = true;
  if (r.times) j["times"] = r.times;
  j["used"] = r.used;
  return j;
}

}  // namespace

bool FaultRule::matches(const std::string& v, const std::string& r, const std::string& n,
                        const std::string& nm) const {
  return (verb.empty() || verb == v) && (resource.empty() || resource == r) &&
         (ns.empty() || ns == n) && (name.empty() || name == nm) && (times == 0 || used < times);
}

std::string Faults::set(const std::string& body) {
  const json j = json::parse(body.empty() ? "{}" : body, nullptr, false);
  if (!j.is_object())
    return "body must be a JSON object like {\"rules\": [{\"verb\": \"get\", \"resource\": "
           "\"secrets\", \"status\": 403}]}";
  std::vector<FaultRule> rules;
  json top = json::object();
  for (const auto& [key, v] : j.items()) {
    if (key != "rules") {
      top[key] = v;  // top-level keys: one rule for every request, tried first
      continue;
    }
    if (!v.is_array()) return "rules must be a list of rules";
    for (const auto& rj : v) {
      FaultRule r;
      std::string err = read_rule(rj, r);
      if (!err.empty()) return "rules: " + err;
      rules.push_back(std::move(r));
    }
  }
  if (!top.empty()) {
    FaultRule r;
    std::string err = read_rule(top, r);
    if (!err.empty()) return err;
    rules.insert(rules.begin(), std::move(r));
  }
  std::lock_guard<std::mutex> lk(mu_);
  rules_ = std::move(rules);
  return "";
}

json Faults::to_json() const {
  std::lock_guard<std::mutex> lk(mu_);
  json rules = json::array();
  for (const auto& r : rules_) rules.push_back(rule_json(r));
  return {{"rules", rules}};
}

FaultHit Faults::hit(const std::string& verb, const std::string& resource, const std::string& ns,
                     const std::string& name) {
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& r : rules_) {
    if (!r.matches(verb, resource, ns, name)) continue;
    ++r.used;
    return {r.latency_ms, r.status, r.retry_after, r.text_body, r.drop};
  }
  return {};
}

}  // namespace hostadm::kubemock
