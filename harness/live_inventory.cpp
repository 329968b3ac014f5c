#include "harness/live_inventory.hpp"

#include <memory>

#include "webhook/inventory/cache.hpp"
#include "webhook/inventory/http_source.hpp"

namespace hostadm::harness {

ViewSource live_inventory_views(const LiveInventoryOptions& options, const Policy& policy) {
  HttpSourceConfig cfg;
  cfg.url = options.url;
  cfg.token_file = options.token_file;
  cfg.ca_file = options.ca_file;
  cfg.insecure_skip_tls = options.insecure_skip_tls;
  auto cache =
      std::make_shared<CachedInventory>(std::make_shared<HttpInventorySource>(cfg), policy.cache);
  const auto timeout = policy.inventory_timeout;
  return [cache, timeout] { return cache->view(SteadyClock::now() + timeout); };
}

}  // namespace hostadm::harness
