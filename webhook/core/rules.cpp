#include "webhook/core/rules.hpp"

#include <algorithm>

namespace hostadm {

const std::vector<RuleInfo>& all_rules() {
  using namespace rule;
  static const std::vector<RuleInfo> rules = {
      {kMalformed, RuleKind::Deny,
       "the object is not a JSON object, or a field has the wrong JSON type"},
      {kProviderMissing, RuleKind::Deny, "spec.provider.name is unset"},
      {kProviderCrossNamespace, RuleKind::Deny,
       "spec.provider.namespace differs from the Host's namespace"},
      {kProviderNotFound, RuleKind::Deny,
       "the inventory lists no such provider: it does not exist, or Forklift has not validated it"},
      {kProviderNotVsphere, RuleKind::Deny, "the provider's type is not vsphere"},
      {kProviderNotReady, RuleKind::Deny,
       "the Provider is not Ready (phase, Ready condition, a true Critical/Error condition), or "
       "the "
       "inventory has not synced it (206, 404 ProviderNotFound)"},
      {kHostRefMissing, RuleKind::Deny, "neither spec.id nor spec.name"},
      {kHostNotFound, RuleKind::Deny, "no inventory host with that id (or name)"},
      {kHostAmbiguous, RuleKind::Deny,
       "a name (no id) matches more than one host, after the datacenter filter of path names"},
      {kAddressMissing, RuleKind::Deny,
       "neither spec.ipAddress nor the network-adapter annotation"},
      {kAddressConflict, RuleKind::Deny,
       "spec.ipAddress and the adapter annotation are both set and no adapter of that name has the "
       "IP"},
      {kAdapterNotFound, RuleKind::Deny, "the host has no adapter with that exact name"},
      {kAdapterNoIp, RuleKind::Deny, "the adapter exists but has no IP address"},
      {kAddressInvalid, RuleKind::Deny,
       "spec.ipAddress is not IPv4 or bracketed IPv6 [v6] (or a DNS name with allowHostnames)"},
      {kSecretMissing, RuleKind::Deny,
       "no spec.secret and the policy does not default it for this provider"},
      {kSecretCrossNamespace, RuleKind::Deny,
       "spec.secret is in another namespace and is not the provider's own secret"},
      {kInventoryUnavailable, RuleKind::Policy,
       "the inventory could not be asked in time (inventoryFailure decides)"},
      {kHostInMaintenance, RuleKind::Warn, "the inventory reports inMaintenance: true"},
      {kHostStatusNotGreen, RuleKind::Warn, "the inventory status is not green, empty included"},
      {kAddressNotOnHost, RuleKind::Warn,
       "spec.ipAddress is not the IP of any adapter of the host"},
      {kAdapterNameRepeated, RuleKind::Warn, "several adapters share the name; the first was used"},
      {kVcenterCredentials, RuleKind::Warn,
       "the secret was defaulted to a vCenter-endpoint provider's credentials"},
      {kInventoryStale, RuleKind::Warn,
       "the answer came from an expired cache entry because the inventory failed"},
      {kAddressRefreshed, RuleKind::Warn,
       "on UPDATE the adapter's IP changed and spec.ipAddress followed it"},
      {kUnexpectedResource, RuleKind::Warn,
       "the webhook was called for something that is not a Host"},
  };
  return rules;
}

bool is_known_rule(std::string_view id) {
  const auto& rules = all_rules();
  return std::any_of(rules.begin(), rules.end(), [&](const RuleInfo& r) { return r.id == id; });
}

}  // namespace hostadm
