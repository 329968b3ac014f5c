// Rule ids whose checks decide() does not make yet. Their parts are built and tested on their
// own (the policy keys in core_policy*, the checks' messages in core_standards, overrides in
// core_rule_overrides).
// Remove an id here in the change that makes decide() report it: the decision table's coverage
// test and `host-harness rules` then require a row and a real example for it.
#pragma once

#include <string_view>

#include "webhook/core/rules.hpp"

namespace hostadm {

inline bool decided_later(std::string_view id) {
  using namespace rule;
  for (std::string_view later : {kProviderNotAllowed, kAddressNotAllowed, kAdapterNotAllowed,
                                 kSecretRequired, kSecretInsecure})
    if (id == later) return true;
  return false;
}

}  // namespace hostadm

namespace hostadm {

// Rule ids that only a ClusterView raises: the inventory-only decision table (host_cases.hpp)
// has no row for them; core_decision_cluster_test's table does.
inline bool needs_cluster(std::string_view id) {
  using namespace rule;
  for (std::string_view cluster :
       {kSecretMissingKeys, kHostDuplicate, kSecretNotFound, kSecretUnreadable,
        kEndpointUnreachable, kEndpointThumbprintMismatch, kEndpointLoginFailed})
    if (id == cluster) return true;
  return false;
}

}  // namespace hostadm
