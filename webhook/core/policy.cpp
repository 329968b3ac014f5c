#include "webhook/core/policy.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "webhook/core/policy_read.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {

using nlohmann::json;
using namespace policy_read;

std::chrono::milliseconds parse_duration(const std::string& text) {
  // Built only on the error path: the webhook parses every request's ?timeout= with this.
  auto hint = [&] {
    return std::invalid_argument("invalid duration '" + text +
                                 "': use a number with a unit (h, m, s, ms), like 30s, 500ms, "
                                 "2m, 1h or 1m30s");
  };
  if (text.empty()) throw hint();
  // A bare number means seconds, as in the YAML `ttl: 30`.
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 9) throw hint();
    return std::chrono::milliseconds(std::stoll(text) * 1000);
  }
  // No substrings, no strtod: this runs on every admission (kube-apiserver sends ?timeout=10s).
  auto digit = [&](size_t k) { return std::isdigit(static_cast<unsigned char>(text[k])) != 0; };
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    double number = 0;
    while (i < text.size() && digit(i)) number = number * 10 + (text[i++] - '0');
    const size_t whole_digits = i - start;
    size_t fraction_digits = 0;
    if (i < text.size() && text[i] == '.') {
      ++i;
      double scale = 0.1;
      for (; i < text.size() && digit(i); ++i, ++fraction_digits, scale /= 10)
        number += (text[i] - '0') * scale;
    }
    const size_t length = i - start;
    if (whole_digits + fraction_digits == 0 || length > 12) throw hint();  // "", ".", too long
    if (i < text.size() && text[i] == '.') throw hint();                   // "1..5", "1.5.2"
    const size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view unit(text.data() + ustart, i - ustart);
    double scale = 0;
    if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60'000;
    else if (unit == "h")
      scale = 3'600'000;
    else
      throw hint();
    total_ms += number * scale;
  }
  if (total_ms > 1e12) throw hint();
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total_ms)));
}

bool glob_match(const std::string& pattern, const std::string& text) {
  size_t p = 0, t = 0;
  size_t star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool any_glob_matches(const std::vector<std::string>& patterns, const std::string& text) {
  for (const auto& p : patterns)
    if (glob_match(p, text)) return true;
  return false;
}

namespace {

constexpr std::initializer_list<const char*> kTopLevelKeys = {"adapterAnnotation",
                                                              "secretDefault",
                                                              "allowHostnames",
                                                              "allowCrossNamespaceSecret",
                                                              "ownerReference",
                                                              "inventoryFailure",
                                                              "cache",
                                                              "inventoryTimeout",
                                                              "namespaces",
                                                              "rules",
                                                              "secretCheck",
                                                              "duplicateCheck",
                                                              "endpointCheck",
                                                              "endpointTimeout",
                                                              "kubeApiTimeout"};

// `on`/`off` are words in the policy; a YAML 1.1 tool may have made them true/false.
bool to_switch(const json& v, const std::string& ptr) {
  return to_enum<bool>(v, ptr, {{"on", true}, {"off", false}}, "off", "on");
}

void read_cache(Policy& policy, const json& v, const std::string& ptr) {
  if (v.is_null()) return;
  require_object(v, ptr);
  check_keys(v, ptr, {"ttl", "negativeTtl", "staleIfError"});
  for (const auto& [key, cv] : v.items()) {
    const std::string cptr = child(ptr, key);
    if (key == "ttl")
      policy.cache.ttl = to_duration(cv, cptr);
    else if (key == "negativeTtl")
      policy.cache.negative_ttl = to_duration(cv, cptr);
    else
      policy.cache.stale_if_error = to_duration(cv, cptr);
  }
}

// Inventory keys of the first policy version.
bool read_inventory_key(Policy& policy, const std::string& key, const json& v,
                        const std::string& ptr) {
  if (key == "adapterAnnotation") {
    policy.adapter_annotation = to_str(v, ptr);
    if (policy.adapter_annotation.empty())
      fail(ptr, ptr +
                    " is empty; give an annotation key such as "
                    "forklift.konveyor.io/network-adapter");
  } else if (key == "secretDefault") {
    policy.secret_default = to_enum<SecretDefault>(v, ptr,
                                                   {{"always", SecretDefault::Always},
                                                    {"esxi-only", SecretDefault::EsxiOnly},
                                                    {"never", SecretDefault::Never}});
  } else if (key == "allowHostnames") {
    policy.allow_hostnames = to_bool(v, ptr);
  } else if (key == "allowCrossNamespaceSecret") {
    policy.allow_cross_namespace_secret = to_bool(v, ptr);
  } else if (key == "ownerReference") {
    policy.owner_reference = to_bool(v, ptr);
  } else if (key == "inventoryFailure") {
    policy.inventory_failure = to_enum<FailurePolicy>(v, ptr,
                                                      {{"deny", FailurePolicy::Deny},
                                                       {"allow", FailurePolicy::Allow},
                                                       {"defer", FailurePolicy::Defer}});
  } else if (key == "inventoryTimeout") {
    policy.inventory_timeout = to_positive_duration(v, ptr);
  } else if (key == "cache") {
    read_cache(policy, v, ptr);
  } else {
    return false;
  }
  return true;
}

// The checks that ask the Kubernetes API or the ESXi endpoint.
void read_cluster_key(Policy& policy, const std::string& key, const json& v,
                      const std::string& ptr) {
  if (key == "secretCheck") {
    policy.secret_check = to_switch(v, ptr);
  } else if (key == "duplicateCheck") {
    policy.duplicate_check = to_switch(v, ptr);
  } else if (key == "endpointCheck") {
    policy.endpoint_check = to_enum<EndpointCheck>(v, ptr,
                                                   {{"off", EndpointCheck::Off},
                                                    {"reach", EndpointCheck::Reach},
                                                    {"login", EndpointCheck::Login}},
                                                   "off");
  } else if (key == "endpointTimeout") {
    policy.endpoint_timeout = to_positive_duration(v, ptr);
  } else if (key == "kubeApiTimeout") {
    policy.kube_api_timeout = to_positive_duration(v, ptr);
  }
}

// Keys that contradict each other: the policy would promise a check it has turned off.
void check_secret_readers(const Policy& policy) {
  if (policy.secret_check != false) return;
  if (policy.endpoint_check == EndpointCheck::Login)
    fail("/endpointCheck",
         "/endpointCheck is login, which reads the Host's Secret for its user and password, but "
         "secretCheck is off (the webhook reads no Secret); set endpointCheck to reach, or "
         "remove secretCheck: off");
  for (size_t i = 0; i < policy.namespaces.size(); ++i) {
    if (!policy.namespaces[i].standards.require_verified_tls) continue;
    const std::string ptr = item("/namespaces", i) + "/requireVerifiedTls";
    fail(ptr, ptr +
                  " needs the Host's Secret read (to see insecureSkipVerify), but secretCheck "
                  "is off (the webhook reads no Secret); remove secretCheck: off, or this key");
  }
}

}  // namespace

Policy parse_policy(const json& doc) {
  Policy policy;
  if (doc.is_null()) return policy;
  require_object(doc, "");
  check_keys(doc, "", kTopLevelKeys);
  for (const auto& [key, v] : doc.items()) {
    const std::string ptr = child("", key);
    if (read_inventory_key(policy, key, v, ptr)) continue;
    if (key == "namespaces")
      policy.namespaces = to_namespace_rules(v, ptr);
    else if (key == "rules")
      policy.rules = to_rule_overrides(v, ptr);
    else
      read_cluster_key(policy, key, v, ptr);
  }
  check_secret_readers(policy);
  return policy;
}

std::string to_string(Mode m) {
  switch (m) {
    case Mode::Enforce:
      return "enforce";
    case Mode::Warn:
      return "warn";
    case Mode::Off:
      return "off";
  }
  return "enforce";
}

std::string to_string(FailurePolicy f) {
  switch (f) {
    case FailurePolicy::Deny:
      return "deny";
    case FailurePolicy::Allow:
      return "allow";
    case FailurePolicy::Defer:
      return "defer";
  }
  return "deny";
}

std::string to_string(RuleAction a) {
  switch (a) {
    case RuleAction::Deny:
      return "deny";
    case RuleAction::Warn:
      return "warn";
    case RuleAction::Off:
      return "off";
  }
  return "deny";
}

std::string to_string(EndpointCheck e) {
  switch (e) {
    case EndpointCheck::Off:
      return "off";
    case EndpointCheck::Reach:
      return "reach";
    case EndpointCheck::Login:
      return "login";
  }
  return "off";
}

std::string to_string(SecretDefault s) {
  switch (s) {
    case SecretDefault::Always:
      return "always";
    case SecretDefault::EsxiOnly:
      return "esxi-only";
    case SecretDefault::Never:
      return "never";
  }
  return "always";
}

}  // namespace hostadm
