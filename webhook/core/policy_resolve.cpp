// What the policy says for one namespace: the entry that applies, and the action of each rule
// there. Runs on every admission, so it only walks the parsed policy and allocates nothing.
#include "webhook/core/policy.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm {

namespace {

const RuleOverride* find_override(const std::vector<RuleOverride>& overrides,
                                  std::string_view rule) {
  for (const auto& o : overrides)
    if (o.rule == rule) return &o;
  return nullptr;
}

}  // namespace

bool Standards::any() const {
  return !allowed_networks.empty() || !allowed_adapters.empty() || !allowed_providers.empty() ||
         require_secret || require_verified_tls;
}

bool NamespaceRule::applies_to(const std::string& ns, const Labels* labels) const {
  if (!match.empty() && !glob_match(match, ns)) return false;
  if (!selector) return true;
  return labels != nullptr && selector->matches(*labels);
}

const Standards& EffectivePolicy::standards() const {
  static const Standards kNone;
  return entry ? entry->standards : kNone;
}

std::optional<RuleAction> EffectivePolicy::override_of(std::string_view rule) const {
  if (entry)
    if (const RuleOverride* o = find_override(entry->rules, rule)) return o->action;
  if (policy)
    if (const RuleOverride* o = find_override(policy->rules, rule)) return o->action;
  return std::nullopt;
}

RuleAction EffectivePolicy::action_of(std::string_view rule) const {
  if (auto o = override_of(rule)) return *o;
  const RuleInfo* info = find_rule(rule);
  if (!info) return RuleAction::Deny;
  switch (info->kind) {
    case RuleKind::Deny:
      return RuleAction::Deny;
    case RuleKind::Warn:
      return RuleAction::Warn;
    case RuleKind::Policy:
      return inventory_failure() == FailurePolicy::Allow ? RuleAction::Warn : RuleAction::Deny;
  }
  return RuleAction::Deny;
}

FailurePolicy EffectivePolicy::inventory_failure() const {
  if (auto o = override_of(rule::kInventoryUnavailable))
    return *o == RuleAction::Deny ? FailurePolicy::Deny : FailurePolicy::Allow;
  return policy ? policy->inventory_failure : FailurePolicy::Deny;
}

EffectivePolicy Policy::resolve(const std::string& ns, const Labels* labels) const {
  EffectivePolicy out;
  out.policy = this;
  for (size_t i = 0; i < namespaces.size(); ++i) {
    const NamespaceRule& rule = namespaces[i];
    if (rule.applies_to(ns, labels)) {
      out.entry = &rule;
      out.entry_index = static_cast<int>(i);
      out.mode = rule.mode;
      return out;
    }
    // Passed over for want of labels, not because they did not fit: the caller may say so.
    if (rule.selector && !labels && (rule.match.empty() || glob_match(rule.match, ns)))
      out.labels_unknown = true;
  }
  return out;
}

Mode Policy::mode_for(const std::string& ns) const {
  return resolve(ns, nullptr).mode;
}

bool Policy::uses_namespace_labels() const {
  for (const auto& rule : namespaces)
    if (rule.selector) return true;
  return false;
}

ClusterChecks Policy::cluster_checks(bool api_client_configured) const {
  ClusterChecks c;
  c.secret = secret_check.value_or(api_client_configured);
  c.duplicate = duplicate_check.value_or(api_client_configured);
  c.endpoint =
      endpoint_check.value_or(api_client_configured ? EndpointCheck::Reach : EndpointCheck::Off);
  return c;
}

std::vector<std::string> Policy::needs_api_client() const {
  std::vector<std::string> out;
  if (secret_check == true) out.push_back("/secretCheck (reads Secrets)");
  if (duplicate_check == true) out.push_back("/duplicateCheck (lists Hosts)");
  if (endpoint_check == EndpointCheck::Login)
    out.push_back("/endpointCheck login (reads the Host's Secret)");
  for (size_t i = 0; i < namespaces.size(); ++i) {
    const std::string ptr = "/namespaces/" + std::to_string(i);
    if (namespaces[i].selector) out.push_back(ptr + "/selector (namespace labels)");
    if (namespaces[i].standards.require_verified_tls)
      out.push_back(ptr + "/requireVerifiedTls (reads the Host's Secret)");
  }
  return out;
}

}  // namespace hostadm
