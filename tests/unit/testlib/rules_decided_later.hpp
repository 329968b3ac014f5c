// Rule ids whose checks decide() does not make yet: none today. When a rule id is added before
// its check, list it here; remove it in the change that makes decide() report it: the decision
// table's coverage test and `host-harness rules` then require a row and a real example for it.
#pragma once

#include <string_view>

#include "webhook/core/rules.hpp"

namespace hostadm {

inline bool decided_later(std::string_view /*id*/) {
  return false;
}

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
