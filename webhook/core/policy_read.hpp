// Reading the policy's JSON values (internal to the policy parser, policy*.cpp): each reader
// checks one type and throws a DocumentError at the value's JSON pointer that says what was
// found and what is accepted, so every policy error reads the same way.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/document_error.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm::policy_read {

using nlohmann::json;

std::string child(const std::string& ptr, const std::string& key);
std::string item(const std::string& ptr, size_t index);

// "policy: " + text, at `ptr`.
[[noreturn]] void fail(const std::string& ptr, const std::string& text);

// Every key of `obj` is one of `accepted`; else "unknown key ...; accepted keys: a, b".
void check_keys(const json& obj, const std::string& ptr,
                std::initializer_list<const char*> accepted);
const json& require_object(const json& v, const std::string& ptr);
bool to_bool(const json& v, const std::string& ptr);
std::string to_str(const json& v, const std::string& ptr);
// A duration ("30s", or a number of seconds) that must be more than 0.
std::chrono::milliseconds to_positive_duration(const json& v, const std::string& ptr);
std::chrono::milliseconds to_duration(const json& v, const std::string& ptr);
// A non-empty list of strings; `what` names one item ("a network like 10.20.0.0/16") and
// `empty_fix` says what to write instead of an empty list.
std::vector<std::string> to_string_list(const json& v, const std::string& ptr, const char* what,
                                        const char* empty_fix);

// A word among `values`. YAML 1.1 tools turn an unquoted off into false (and on into true)
// before the file reaches us; `off_word` (and `on_word`) say which word such a boolean stands
// for, so a policy that passed through one reads the same. nullptr: booleans are refused.
template <typename E>
E to_enum(const json& v, const std::string& ptr,
          std::initializer_list<std::pair<const char*, E>> values, const char* off_word = nullptr,
          const char* on_word = nullptr) {
  std::string word;
  if (v.is_string()) word = v.get<std::string>();
  if (v.is_boolean()) word = v.get<bool>() ? (on_word ? on_word : "") : (off_word ? off_word : "");
  std::string accepted;
  for (const auto& [name, e] : values) {
    if (!word.empty() && word == name) return e;
    accepted += (accepted.empty() ? "" : ", ") + std::string(name);
  }
  fail(ptr, ptr + " is " + v.dump() + "; accepted values: " + accepted);
}

Mode to_mode(const json& v, const std::string& ptr);
RuleAction to_rule_action(const json& v, const std::string& ptr);
// `rules:`: a mapping of known rule ids to deny, warn or off; `malformed` only to deny.
std::vector<RuleOverride> to_rule_overrides(const json& v, const std::string& ptr);
// `namespaces:` (policy_namespaces.cpp).
std::vector<NamespaceRule> to_namespace_rules(const json& v, const std::string& ptr);

}  // namespace hostadm::policy_read
