// Stable rule ids. A released id never changes: metrics, audit annotations,
// harness output and suites key on it.
#pragma once

#include <string_view>
#include <vector>

namespace hostadm {

enum class RuleKind { Deny, Warn, Policy };

struct RuleInfo {
  std::string_view id;
  RuleKind kind;
  std::string_view when;  // one line, for `host-harness rules` and docs/reference/rules.md
};

namespace rule {
inline constexpr std::string_view kMalformed = "malformed";
inline constexpr std::string_view kProviderMissing = "provider-missing";
inline constexpr std::string_view kProviderCrossNamespace = "provider-cross-namespace";
inline constexpr std::string_view kProviderNotFound = "provider-not-found";
inline constexpr std::string_view kProviderNotVsphere = "provider-not-vsphere";
inline constexpr std::string_view kProviderNotReady = "provider-not-ready";
inline constexpr std::string_view kHostRefMissing = "host-ref-missing";
inline constexpr std::string_view kHostNotFound = "host-not-found";
inline constexpr std::string_view kHostAmbiguous = "host-ambiguous";
inline constexpr std::string_view kAddressMissing = "address-missing";
inline constexpr std::string_view kAddressConflict = "address-conflict";
inline constexpr std::string_view kAdapterNotFound = "adapter-not-found";
inline constexpr std::string_view kAdapterNoIp = "adapter-no-ip";
inline constexpr std::string_view kAddressInvalid = "address-invalid";
inline constexpr std::string_view kSecretMissing = "secret-missing";
inline constexpr std::string_view kSecretCrossNamespace = "secret-cross-namespace";
// Cluster checks: what the Kubernetes API says about the Host's Secret and the other Hosts.
inline constexpr std::string_view kSecretMissingKeys = "secret-missing-keys";
inline constexpr std::string_view kHostDuplicate = "host-duplicate";
// Standards: what the policy's `namespaces` entry for the Host's namespace requires.
inline constexpr std::string_view kProviderNotAllowed = "provider-not-allowed";
inline constexpr std::string_view kAddressNotAllowed = "address-not-allowed";
inline constexpr std::string_view kAdapterNotAllowed = "adapter-not-allowed";
inline constexpr std::string_view kSecretRequired = "secret-required";
inline constexpr std::string_view kSecretInsecure = "secret-insecure";
inline constexpr std::string_view kInventoryUnavailable = "inventory-unavailable";
inline constexpr std::string_view kHostInMaintenance = "host-in-maintenance";
inline constexpr std::string_view kHostStatusNotGreen = "host-status-not-green";
inline constexpr std::string_view kAddressNotOnHost = "address-not-on-host";
inline constexpr std::string_view kAdapterNameRepeated = "adapter-name-repeated";
inline constexpr std::string_view kVcenterCredentials = "vcenter-credentials";
inline constexpr std::string_view kInventoryStale = "inventory-stale";
inline constexpr std::string_view kAddressRefreshed = "address-refreshed";
inline constexpr std::string_view kSecretNotFound = "secret-not-found";
inline constexpr std::string_view kSecretUnreadable = "secret-unreadable";
inline constexpr std::string_view kEndpointUnreachable = "endpoint-unreachable";
inline constexpr std::string_view kEndpointThumbprintMismatch = "endpoint-thumbprint-mismatch";
inline constexpr std::string_view kEndpointLoginFailed = "endpoint-login-failed";
// Beside the Host rules: the webhook configuration routed something that is not a Host.
inline constexpr std::string_view kUnexpectedResource = "unexpected-resource";
}  // namespace rule

// Every rule, in the order messages list them.
const std::vector<RuleInfo>& all_rules();
bool is_known_rule(std::string_view id);
// The rule with that id; nullptr when there is none.
const RuleInfo* find_rule(std::string_view id);
// The known id nearest to a mistyped one (a few edits away, or the only one it starts), for
// "did you mean"; "" when none is near.
std::string_view closest_rule(std::string_view id);

}  // namespace hostadm
