#include "webhook/core/policy_read.hpp"

#include <cmath>
#include <cstdint>

#include "webhook/core/rules.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::policy_read {

std::string child(const std::string& ptr, const std::string& key) {
  return text::json_pointer_child(ptr, key);
}

std::string item(const std::string& ptr, size_t index) {
  return ptr + "/" + std::to_string(index);
}

void fail(const std::string& ptr, const std::string& text) {
  throw DocumentError(ptr, "policy: " + text);
}

void check_keys(const json& obj, const std::string& ptr,
                std::initializer_list<const char*> accepted) {
  for (const auto& entry : obj.items()) {
    bool known = false;
    for (const char* a : accepted) known = known || entry.key() == a;
    if (!known)
      fail(child(ptr, entry.key()), "unknown key '" + text::shown_in_message(entry.key()) +
                                        "' at " + child(ptr, entry.key()) +
                                        "; accepted keys: " + text::join(accepted));
  }
}

const json& require_object(const json& v, const std::string& ptr) {
  if (!v.is_object()) fail(ptr, ptr + " must be a mapping, got " + v.type_name());
  return v;
}

bool to_bool(const json& v, const std::string& ptr) {
  if (!v.is_boolean()) fail(ptr, ptr + " must be true or false, got " + v.dump());
  return v.get<bool>();
}

std::string to_str(const json& v, const std::string& ptr) {
  if (!v.is_string()) fail(ptr, ptr + " must be a string, got " + v.type_name());
  return v.get<std::string>();
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
    fail(ptr, ptr + ": " + e.what());
  }
  fail(ptr, ptr + " must be a duration like 30s, 500ms or 1m30s, got " + v.type_name());
}

std::chrono::milliseconds to_positive_duration(const json& v, const std::string& ptr) {
  auto d = to_duration(v, ptr);
  if (d.count() <= 0) fail(ptr, ptr + " must be more than 0, like 1s");
  return d;
}

std::vector<std::string> to_string_list(const json& v, const std::string& ptr, const char* what,
                                        const char* empty_fix) {
  if (!v.is_array())
    fail(ptr, ptr + " must be a list of strings, each " + what + "; got " + v.type_name());
  if (v.empty()) fail(ptr, ptr + " is an empty list, which no Host could meet; " + empty_fix);
  std::vector<std::string> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string iptr = item(ptr, i);
    if (!v[i].is_string())
      fail(iptr, iptr + " must be a string, " + what + "; got " + v[i].dump() +
                     (v[i].is_number() || v[i].is_boolean() ? " (quote it)" : ""));
    out.push_back(v[i].get<std::string>());
    if (out.back().empty()) fail(iptr, iptr + " is empty; give " + what);
  }
  return out;
}

Mode to_mode(const json& v, const std::string& ptr) {
  return to_enum<Mode>(
      v, ptr, {{"enforce", Mode::Enforce}, {"warn", Mode::Warn}, {"off", Mode::Off}}, "off");
}

RuleAction to_rule_action(const json& v, const std::string& ptr) {
  return to_enum<RuleAction>(
      v, ptr, {{"deny", RuleAction::Deny}, {"warn", RuleAction::Warn}, {"off", RuleAction::Off}},
      "off");
}

namespace {

[[noreturn]] void unknown_rule(const std::string& id, const std::string& ptr) {
  const std::string_view near = closest_rule(id);
  std::string fix;
  if (!near.empty()) {
    fix = "did you mean '" + std::string(near) + "'?";
  } else {
    std::vector<std::string_view> known;
    for (const auto& r : all_rules()) known.push_back(r.id);
    fix = "known rule ids: " + text::join(known);
  }
  fail(ptr, ptr + ": '" + text::shown_in_message(id) + "' is not a rule id; " + fix +
                " (`host-harness rules` lists them with what each checks)");
}

}  // namespace

std::vector<RuleOverride> to_rule_overrides(const json& v, const std::string& ptr) {
  if (v.is_null()) return {};
  if (!v.is_object())
    fail(ptr, ptr +
                  " must be a mapping of rule ids to deny, warn or off (like "
                  "{host-in-maintenance: deny}), got " +
                  v.type_name());
  std::vector<RuleOverride> out;
  for (const auto& [id, value] : v.items()) {
    const std::string rptr = child(ptr, id);
    if (!is_known_rule(id)) unknown_rule(id, rptr);
    RuleAction action = to_rule_action(value, rptr);
    // An object whose fields have the wrong JSON types can be neither judged nor patched.
    if (id == rule::kMalformed && action != RuleAction::Deny)
      fail(rptr, rptr + ": malformed cannot be turned to " + to_string(action) +
                     ": an object whose fields have the wrong types can be neither judged nor "
                     "patched, so it is always denied; remove this line");
    out.push_back({id, action});
  }
  return out;
}

}  // namespace hostadm::policy_read
