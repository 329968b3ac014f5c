// Rule ids whose checks decide() does not make yet. Their parts are built and tested on their
// own; the cluster checks need the Kubernetes API client and the endpoint probe.
// Remove an id here in the change that makes decide() report it: the decision table's coverage
// test and `host-harness rules` then require a row and a real example for it.
#pragma once

#include <string_view>

#include "webhook/core/rules.hpp"

namespace hostadm {

inline bool decided_later(std::string_view id) {
  using namespace rule;
  for (std::string_view later :
       {kSecretMissingKeys, kHostDuplicate, kSecretNotFound, kSecretUnreadable,
        kEndpointUnreachable, kEndpointThumbprintMismatch, kEndpointLoginFailed})
    if (id == later) return true;
  return false;
}

}  // namespace hostadm
