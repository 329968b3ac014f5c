// The policy's `namespaces:` list: how each entry chooses namespaces (a name glob, a label
// selector, or both), its mode, its standards and its rule overrides.
#include <cctype>

#include "webhook/core/policy_read.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::policy_read {

namespace {

constexpr std::initializer_list<const char*> kEntryKeys = {"match",
                                                           "mode",
                                                           "selector",
                                                           "allowedNetworks",
                                                           "allowedAdapters",
                                                           "allowedProviders",
                                                           "requireSecret",
                                                           "requireVerifiedTls",
                                                           "rules"};

// A Provider's name as Kubernetes allows it (a lowercase DNS subdomain); a glob or a display name
// is refused, since allowedProviders matches names exactly.
bool is_object_name(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '.') return false;
  return true;
}

Labels::value_type to_match_label(const std::string& key, const json& v, const std::string& ptr) {
  if (std::string why = label_key_problem(key); !why.empty())
    fail(ptr, ptr + ": the label key '" + text::shown_in_message(key) + "' " + why);
  if (!v.is_string())
    fail(ptr, ptr + " must be a label value, which is a string; got " + v.dump() +
                  (v.is_boolean() || v.is_number() ? " (quote it: \"" + v.dump() + "\")" : ""));
  const std::string value = v.get<std::string>();
  if (std::string why = label_value_problem(value); !why.empty())
    fail(ptr, ptr + ": '" + text::shown_in_message(value) + "' " + why);
  return {key, value};
}

std::vector<std::string> to_label_values(const json& e, LabelOp op, const std::string& ptr) {
  auto values = e.find("values");
  const bool takes_values = op == LabelOp::In || op == LabelOp::NotIn;
  if (!takes_values) {
    if (values != e.end() && !(values->is_array() && values->empty()) && !values->is_null())
      fail(ptr + "/values", ptr + "/values must not be given with the operator " +
                                std::string(to_string(op)) +
                                " (it tests only whether the label "
                                "is there); remove values");
    return {};
  }
  if (values == e.end() || values->is_null() || (values->is_array() && values->empty()))
    fail(ptr + "/values", ptr + " has the operator " + std::string(to_string(op)) +
                              " and needs values: a list of label values, like [prod, staging]");
  std::vector<std::string> out =
      to_string_list(*values, ptr + "/values", "a label value", "give at least one value");
  for (size_t i = 0; i < out.size(); ++i)
    if (std::string why = label_value_problem(out[i]); !why.empty())
      fail(item(ptr + "/values", i),
           item(ptr + "/values", i) + ": '" + text::shown_in_message(out[i]) + "' " + why);
  return out;
}

LabelRequirement to_expression(const json& e, const std::string& ptr) {
  require_object(e, ptr);
  check_keys(e, ptr, {"key", "operator", "values"});
  LabelRequirement r;
  auto key = e.find("key");
  if (key == e.end()) fail(ptr + "/key", ptr + " has no 'key'; give the label key, like env");
  r.key = to_str(*key, ptr + "/key");
  if (std::string why = label_key_problem(r.key); !why.empty())
    fail(ptr + "/key", ptr + "/key: '" + text::shown_in_message(r.key) + "' " + why);
  auto op = e.find("operator");
  if (op == e.end())
    fail(ptr + "/operator",
         ptr + " has no 'operator'; give one of In, NotIn, Exists, DoesNotExist");
  if (!op->is_string() || !parse_label_op(op->get<std::string>(), &r.op))
    fail(ptr + "/operator", ptr + "/operator is " + op->dump() +
                                "; accepted values: In, NotIn, Exists, DoesNotExist (spelled as "
                                "Kubernetes spells them)");
  r.values = to_label_values(e, r.op, ptr);
  return r;
}

LabelSelector to_selector(const json& v, const std::string& ptr) {
  if (v.is_null())
    fail(ptr, ptr +
                  " is empty; give matchLabels or matchExpressions (selector: {} would choose "
                  "every namespace), or remove the key");
  require_object(v, ptr);
  check_keys(v, ptr, {"matchLabels", "matchExpressions"});
  LabelSelector selector;
  if (auto labels = v.find("matchLabels"); labels != v.end() && !labels->is_null()) {
    const std::string lptr = ptr + "/matchLabels";
    require_object(*labels, lptr);
    for (const auto& [key, value] : labels->items()) {
      auto [k, val] = to_match_label(key, value, child(lptr, key));
      selector.requirements.push_back({k, LabelOp::Equals, {val}});
    }
  }
  if (auto exprs = v.find("matchExpressions"); exprs != v.end() && !exprs->is_null()) {
    const std::string eptr = ptr + "/matchExpressions";
    if (!exprs->is_array())
      fail(eptr, eptr + " must be a list of {key, operator, values}, got " + exprs->type_name());
    for (size_t i = 0; i < exprs->size(); ++i)
      selector.requirements.push_back(to_expression((*exprs)[i], item(eptr, i)));
  }
  return selector;
}

std::vector<IpNetwork> to_networks(const json& v, const std::string& ptr) {
  const auto texts = to_string_list(v, ptr, "a network like 10.20.0.0/16 or fd00:20::/64",
                                    "remove the key to allow every address");
  std::vector<IpNetwork> out;
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      out.push_back(parse_network(texts[i]));
    } catch (const std::invalid_argument& e) {
      fail(item(ptr, i), item(ptr, i) + ": " + e.what());
    }
  }
  return out;
}

std::vector<std::string> to_providers(const json& v, const std::string& ptr) {
  auto names = to_string_list(v, ptr, "a Provider name", "remove the key to allow every provider");
  for (size_t i = 0; i < names.size(); ++i)
    if (!is_object_name(names[i]))
      fail(item(ptr, i), item(ptr, i) + ": '" + text::shown_in_message(names[i]) +
                             "' is not a Provider name (lowercase letters, digits, '-' and '.'); "
                             "allowedProviders matches names exactly, so list each Provider");
  return names;
}

void read_standard(Standards& s, const std::string& key, const json& v, const std::string& ptr) {
  if (key == "allowedNetworks")
    s.allowed_networks = to_networks(v, ptr);
  else if (key == "allowedAdapters")
    s.allowed_adapters = to_string_list(v, ptr, "an adapter name or glob like \"Migration*\"",
                                        "remove the key to allow every adapter");
  else if (key == "allowedProviders")
    s.allowed_providers = to_providers(v, ptr);
  else if (key == "requireSecret")
    s.require_secret = to_bool(v, ptr);
  else if (key == "requireVerifiedTls")
    s.require_verified_tls = to_bool(v, ptr);
}

NamespaceRule to_namespace_rule(const json& v, const std::string& ptr) {
  require_object(v, ptr);
  check_keys(v, ptr, kEntryKeys);
  NamespaceRule rule;
  for (const auto& [key, value] : v.items()) {
    const std::string kptr = child(ptr, key);
    if (key == "match") {
      rule.match = to_str(value, kptr);
      if (rule.match.empty()) fail(kptr, kptr + " is empty; use \"*\" to match every namespace");
    } else if (key == "selector") {
      rule.selector = to_selector(value, kptr);
    } else if (key == "mode") {
      rule.mode = to_mode(value, kptr);
    } else if (key == "rules") {
      rule.rules = to_rule_overrides(value, kptr);
    } else {
      read_standard(rule.standards, key, value, kptr);
    }
  }
  if (rule.match.empty() && !rule.selector)
    fail(ptr + "/match", ptr +
                             " has no 'match' and no 'selector'; give a namespace glob like "
                             "\"sandbox-*\", a label selector like {matchLabels: {env: prod}}, "
                             "or both (both must then fit)");
  return rule;
}

}  // namespace

std::vector<NamespaceRule> to_namespace_rules(const json& v, const std::string& ptr) {
  if (v.is_null()) return {};
  if (!v.is_array())
    fail(ptr, ptr + " must be a list of entries like {match: \"sandbox-*\", mode: warn}, got " +
                  v.type_name());
  std::vector<NamespaceRule> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) out.push_back(to_namespace_rule(v[i], item(ptr, i)));
  return out;
}

}  // namespace hostadm::policy_read
