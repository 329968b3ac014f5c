#include "harness/live_inventory.hpp"

#include <memory>

#include "webhook/inventory/cache.hpp"

namespace hostadm::harness {

ViewSource live_inventory_views(const LiveInventoryOptions& options, const Policy& policy) {
  auto cache = std::make_shared<CachedInventory>(std::make_shared<HttpInventorySource>(options),
                                                 policy.cache);
  const auto timeout = policy.inventory_timeout;
  return [cache, timeout] { return cache->view(SteadyClock::now() + timeout); };
}

}  // namespace hostadm::harness
