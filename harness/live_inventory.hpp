// `replay --inventory-url`: the webhook's own inventory client (HTTP source behind the cache),
// built the way host-webhook builds it, so an audit run sees what enforcement would see.
#pragma once

#include <string>

#include "harness/pipeline.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/inventory/http_source.hpp"

namespace hostadm::harness {

// The inventory's URL, token file, CA and TLS choice: the webhook's own client settings.
using LiveInventoryOptions = HttpSourceConfig;

// One view per replayed request, with the policy's inventoryTimeout and cache settings, shared
// by every document of the run (one provider list per namespace, one host list per provider).
// Throws std::invalid_argument for a bad URL.
ViewSource live_inventory_views(const LiveInventoryOptions& options, const Policy& policy);

}  // namespace hostadm::harness
