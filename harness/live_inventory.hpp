// `replay --inventory-url`: the webhook's own inventory client (HTTP source behind the cache),
// built the way host-webhook builds it, so an audit run sees what enforcement would see.
#pragma once

#include <string>

#include "harness/pipeline.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm::harness {

struct LiveInventoryOptions {
  std::string url;         // the Forklift inventory's base URL
  std::string token_file;  // bearer token (e.g. from `kubectl create token`); may be empty
  std::string ca_file;     // CA of the inventory's certificate; empty: the system store
  bool insecure_skip_tls = false;
};

// One view per replayed request, with the policy's inventoryTimeout and cache settings, shared
// by every document of the run (one provider list per namespace, one host list per provider).
// Throws std::invalid_argument for a bad URL.
ViewSource live_inventory_views(const LiveInventoryOptions& options, const Policy& policy);

}  // namespace hostadm::harness
