#include "webhook/core/policy.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "webhook/core/text.hpp"

namespace hostadm {

using nlohmann::json;

namespace {

std::string child(const std::string& ptr, const std::string& key) {
  return text::json_pointer_child(ptr, key);
}

void check_keys(const json& obj, const std::string& ptr,
                std::initializer_list<const char*> accepted) {
  for (const auto& item : obj.items()) {
    bool known = false;
    for (const char* a : accepted) known = known || item.key() == a;
    if (!known)
      throw DocumentError(child(ptr, item.key()), "policy: unknown key '" + item.key() + "' at " +
                                                      child(ptr, item.key()) +
                                                      "; accepted keys: " + text::join(accepted));
  }
}

const json& require_object(const json& v, const std::string& ptr) {
  if (!v.is_object())
    throw DocumentError(ptr, "policy: " + ptr + " must be a mapping, got " + v.type_name());
  return v;
}

bool to_bool(const json& v, const std::string& ptr) {
  if (!v.is_boolean())
    throw DocumentError(ptr, "policy: " + ptr + " must be true or false, got " + v.dump());
  return v.get<bool>();
}

std::string to_str(const json& v, const std::string& ptr) {
  if (!v.is_string())
    throw DocumentError(ptr, "policy: " + ptr + " must be a string, got " + v.type_name());
  return v.get<std::string>();
}

template <typename E>
E to_enum(const json& v, const std::string& ptr,
          std::initializer_list<std::pair<const char*, E>> values) {
  std::string accepted;
  for (const auto& [name, e] : values)
    accepted += (accepted.empty() ? "" : ", ") + std::string(name);
  if (v.is_string()) {
    for (const auto& [name, e] : values) {
      if (v.get<std::string>() == name) return e;
    }
  }
  throw DocumentError(ptr, "policy: " + ptr + " is " + v.dump() + "; accepted values: " + accepted);
}

std::chrono::milliseconds to_duration(const json& v, const std::string& ptr) {
  try {
    if (v.is_number()) {
      double seconds = v.get<double>();
      if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e9)
        throw std::invalid_argument("invalid duration " + v.dump() +
                                    ": give a non-negative number of seconds, or a text like 30s");
      return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
    }
    if (v.is_string()) return parse_duration(v.get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw DocumentError(ptr, "policy: " + ptr + ": " + e.what());
  }
  throw DocumentError(
      ptr, "policy: " + ptr + " must be a duration like 30s, 500ms or 1m30s, got " + v.type_name());
}

Mode parse_mode(const json& v, const std::string& ptr) {
  return to_enum<Mode>(v, ptr,
                       {{"enforce", Mode::Enforce}, {"warn", Mode::Warn}, {"off", Mode::Off}});
}

}  // namespace

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

Mode Policy::mode_for(const std::string& ns) const {
  for (const auto& rule : namespaces) {
    if (glob_match(rule.match, ns)) return rule.mode;
  }
  return Mode::Enforce;
}

Policy parse_policy(const json& doc) {
  Policy policy;
  if (doc.is_null()) return policy;
  require_object(doc, "");
  check_keys(doc, "",
             {"adapterAnnotation", "secretDefault", "allowHostnames", "allowCrossNamespaceSecret",
              "ownerReference", "inventoryFailure", "cache", "inventoryTimeout", "namespaces"});
  for (const auto& [key, v] : doc.items()) {
    const std::string ptr = child("", key);
    if (key == "adapterAnnotation") {
      policy.adapter_annotation = to_str(v, ptr);
      if (policy.adapter_annotation.empty())
        throw DocumentError(ptr, "policy: " + ptr +
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
      policy.inventory_timeout = to_duration(v, ptr);
      if (policy.inventory_timeout.count() <= 0)
        throw DocumentError(ptr, "policy: " + ptr + " must be more than 0, like 2s");
    } else if (key == "cache") {
      if (v.is_null()) continue;
      require_object(v, ptr);
      check_keys(v, ptr, {"ttl", "negativeTtl", "staleIfError"});
      for (const auto& [ckey, cv] : v.items()) {
        const std::string cptr = child(ptr, ckey);
        if (ckey == "ttl")
          policy.cache.ttl = to_duration(cv, cptr);
        else if (ckey == "negativeTtl")
          policy.cache.negative_ttl = to_duration(cv, cptr);
        else
          policy.cache.stale_if_error = to_duration(cv, cptr);
      }
    } else if (key == "namespaces") {
      if (v.is_null()) continue;
      if (!v.is_array())
        throw DocumentError(
            ptr, "policy: " + ptr + " must be a list of {match, mode}, got " + v.type_name());
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string eptr = ptr + "/" + std::to_string(i);
        require_object(v[i], eptr);
        check_keys(v[i], eptr, {"match", "mode"});
        NamespaceRule rule;
        auto m = v[i].find("match");
        if (m == v[i].end())
          throw DocumentError(eptr + "/match", "policy: " + eptr +
                                                   " has no 'match'; give a namespace glob like "
                                                   "\"sandbox-*\"");
        rule.match = to_str(*m, eptr + "/match");
        if (rule.match.empty())
          throw DocumentError(eptr + "/match", "policy: " + eptr +
                                                   "/match is empty; use \"*\" to "
                                                   "match every namespace");
        auto mode = v[i].find("mode");
        if (mode != v[i].end()) rule.mode = parse_mode(*mode, eptr + "/mode");
        policy.namespaces.push_back(std::move(rule));
      }
    }
  }
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
