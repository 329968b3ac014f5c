#include "webhook/core/rules.hpp"

#include "webhook/core/text.hpp"

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
      {kSecretMissingKeys, RuleKind::Deny,
       "the Host's Secret exists but lacks user or password (Forklift would report it as not "
       "valid); the message names the missing keys"},
      {kHostDuplicate, RuleKind::Deny,
       "another Host in the namespace, not being deleted, has the same provider and resolves to "
       "the same ESXi host id"},
      {kProviderNotAllowed, RuleKind::Deny,
       "the namespace's policy entry lists allowedProviders and spec.provider.name is not one of "
       "them"},
      {kAddressNotAllowed, RuleKind::Deny,
       "the namespace's policy entry lists allowedNetworks and the final spec.ipAddress (given "
       "or filled in) is in none of them (a host name is in none)"},
      {kAdapterNotAllowed, RuleKind::Deny,
       "the namespace's policy entry lists allowedAdapters and the adapter used (the "
       "annotation's, or with only an IP the adapter that carries it) matches none of the globs"},
      {kSecretRequired, RuleKind::Deny,
       "the namespace's policy entry sets requireSecret and spec.secret is not given (it is not "
       "defaulted there)"},
      {kSecretInsecure, RuleKind::Deny,
       "the namespace's policy entry sets requireVerifiedTls and the Host's Secret sets "
       "insecureSkipVerify to true"},
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
      {kSecretNotFound, RuleKind::Warn,
       "spec.secret (given or defaulted) names a Secret that does not exist (yet: GitOps tools "
       "may create the Host first)"},
      {kSecretUnreadable, RuleKind::Warn,
       "the Kubernetes API refused or failed the Secret read (403, timeout); the message says "
       "which"},
      {kEndpointUnreachable, RuleKind::Warn,
       "TCP and TLS to spec.ipAddress, port 443, did not complete within endpointTimeout "
       "(refused, timeout, TLS alert)"},
      {kEndpointThumbprintMismatch, RuleKind::Warn,
       "the endpoint's certificate SHA-1 thumbprint is not the inventory host's: the IP belongs "
       "to another machine or a load balancer"},
      {kEndpointLoginFailed, RuleKind::Warn,
       "endpointCheck: login only: a vSphere Login at spec.ipAddress (/sdk) with the Secret's "
       "user and password was refused or failed"},
      {kUnexpectedResource, RuleKind::Warn,
       "the webhook was called for something that is not a Host"},
  };
  return rules;
}

bool is_known_rule(std::string_view id) {
  return find_rule(id) != nullptr;
}

const RuleInfo* find_rule(std::string_view id) {
  for (const auto& r : all_rules())
    if (r.id == id) return &r;
  return nullptr;
}

std::string_view closest_rule(std::string_view id) {
  if (id.empty() || id.size() > 64) return "";
  std::string_view best;
  size_t best_distance = 4;  // at most 3 edits: a typo or two, not another rule
  size_t starting = 0;
  std::string_view started;
  for (const auto& r : all_rules()) {
    const size_t d = text::edit_distance(id, r.id);
    if (d < best_distance) {
      best_distance = d;
      best = r.id;
    }
    if (r.id.substr(0, id.size()) == id) {
      ++starting;
      started = r.id;
    }
  }
  if (!best.empty()) return best;
  return starting == 1 ? started : "";
}

}  // namespace hostadm
