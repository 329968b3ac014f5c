// The policy file. Parsing takes an already-decoded JSON value (from
// yaml.hpp), so it has no I/O; every error names the key and the accepted values.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/document_error.hpp"
#include "webhook/core/label_selector.hpp"
#include "webhook/core/network.hpp"

namespace hostadm {

enum class SecretDefault { Always, EsxiOnly, Never };
enum class FailurePolicy { Deny, Allow, Defer };
enum class Mode { Enforce, Warn, Off };
// What a finding of a rule does: a `rules:` override's value, and every rule's effective kind.
enum class RuleAction { Deny, Warn, Off };
enum class EndpointCheck { Off, Reach, Login };

struct RuleOverride {
  std::string rule;  // a known rule id (rules.hpp)
  RuleAction action = RuleAction::Deny;
};

// What a namespace requires of its Hosts; an empty list or false requires nothing.
struct Standards {
  std::vector<IpNetwork> allowed_networks;     // address-not-allowed
  std::vector<std::string> allowed_adapters;   // globs; adapter-not-allowed
  std::vector<std::string> allowed_providers;  // exact names; provider-not-allowed
  bool require_secret = false;                 // secret-required
  bool require_verified_tls = false;           // secret-insecure

  bool any() const;
};

// One `namespaces` entry. It applies to a namespace when its `match` glob (if any) fits the
// name and its `selector` (if any) fits the namespace's labels.
struct NamespaceRule {
  std::string match{};  // glob: * and ?; "" when only the selector chooses
  Mode mode = Mode::Enforce;
  std::optional<LabelSelector> selector{};
  Standards standards{};
  std::vector<RuleOverride> rules{};

  // `labels` null: the namespace's labels are not known, and an entry with a selector does not
  // apply.
  bool applies_to(const std::string& ns, const Labels* labels) const;
};

struct CachePolicy {
  std::chrono::milliseconds ttl{30'000};
  std::chrono::milliseconds negative_ttl{5'000};
  std::chrono::milliseconds stale_if_error{600'000};
};

// The checks that ask the cluster, as one process runs them.
struct ClusterChecks {
  bool secret = false;
  bool duplicate = false;
  EndpointCheck endpoint = EndpointCheck::Off;
};

struct Policy;

// What the policy says for one namespace: its entry (mode and standards) and the action of every
// rule. Points into the Policy it came from, which must outlive it (the webhook keeps its policy
// for the life of the process; resolve() is cheap and allocates nothing).
struct EffectivePolicy {
  const Policy* policy = nullptr;
  const NamespaceRule* entry = nullptr;  // the first entry that applies; null: none does
  int entry_index = -1;                  // its index in `namespaces`, for logs; -1: none
  Mode mode = Mode::Enforce;
  // An entry with a selector was passed over because the namespace's labels were not given.
  bool labels_unknown = false;

  const Standards& standards() const;  // the entry's, or none
  // The entry's `rules:` override of `rule`, else the top level's; nullopt: not overridden.
  std::optional<RuleAction> override_of(std::string_view rule) const;
  // The override, else the rule's own kind. `inventory-unavailable`'s own kind comes from
  // inventoryFailure (deny and defer: Deny; allow: Warn). An unknown id is Deny.
  RuleAction action_of(std::string_view rule) const;
  // inventoryFailure as overridden for this namespace: an override of inventory-unavailable to
  // deny is Deny (never defer), to warn or off is Allow (off also drops the warning).
  FailurePolicy inventory_failure() const;
};

struct Policy {
  std::string adapter_annotation = "forklift.konveyor.io/network-adapter";
  SecretDefault secret_default = SecretDefault::Always;
  bool allow_hostnames = false;
  bool allow_cross_namespace_secret = false;
  bool owner_reference = true;
  FailurePolicy inventory_failure = FailurePolicy::Deny;
  CachePolicy cache;
  std::chrono::milliseconds inventory_timeout{2'000};
  std::vector<NamespaceRule> namespaces;
  std::vector<RuleOverride> rules;  // top-level `rules:`
  // Unset: on when a Kubernetes API client is configured (cluster_checks()).
  std::optional<bool> secret_check;
  std::optional<bool> duplicate_check;
  std::optional<EndpointCheck> endpoint_check;
  std::chrono::milliseconds endpoint_timeout{1'000};
  std::chrono::milliseconds kube_api_timeout{1'000};

  // First entry that applies wins; none: enforce, no standards, top-level `rules:` only.
  EffectivePolicy resolve(const std::string& ns, const Labels* labels) const;
  Mode mode_for(const std::string& ns) const;  // resolve(ns, nullptr).mode
  // Whether any entry chooses namespaces by label: only then does the webhook need to watch
  // Namespaces (least privilege).
  bool uses_namespace_labels() const;
  ClusterChecks cluster_checks(bool api_client_configured) const;
  // The keys that can only be enforced with a Kubernetes API client (as JSON pointers with what
  // they need, like "/namespaces/0/selector (namespace labels)"); empty when none. A webhook
  // without a client refuses to start on such a policy rather than enforce less than it says.
  std::vector<std::string> needs_api_client() const;
};

// Unknown keys are errors (a typo must not silently weaken enforcement).
Policy parse_policy(const nlohmann::json& doc);
// "30s", "500ms", "2m", "1h", "1m30s"; throws std::invalid_argument.
std::chrono::milliseconds parse_duration(const std::string& text);
bool glob_match(const std::string& pattern, const std::string& text);
bool any_glob_matches(const std::vector<std::string>& patterns, const std::string& text);

std::string to_string(Mode m);
std::string to_string(FailurePolicy f);
std::string to_string(SecretDefault s);
std::string to_string(RuleAction a);
std::string to_string(EndpointCheck e);

}  // namespace hostadm
