// Where inventory answers come from before the cache: the Forklift inventory over HTTP(S)
// (http_source.hpp), or a fake in tests. The cache (cache.hpp) turns a source into per-request
// InventoryViews.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "webhook/core/inventory.hpp"

namespace hostadm {

using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

struct ProvidersFetch {
  LookupStatus status = LookupStatus::Unavailable;  // Ok or Unavailable
  std::vector<ProviderInfo> providers;              // every provider of the namespace, any type
  std::string error;                                // cause, no secrets
};

struct HostsFetch {
  LookupStatus status = LookupStatus::Unavailable;  // Ok, NotReady (206 / 404 ProviderNotFound), Unavailable
  std::vector<HostInfo> hosts;
  std::string error;
};

class InventorySource {
 public:
  virtual ~InventorySource() = default;
  // Must return by `deadline` (Unavailable with error "deadline exceeded" otherwise).
  virtual ProvidersFetch providers(const std::string& ns, Deadline deadline) = 0;
  virtual HostsFetch hosts(const ProviderInfo& provider, Deadline deadline) = 0;
};

// Hooks for metrics; the server implements them with prometheus-cpp. Default: no-op.
class InventoryObserver {
 public:
  virtual ~InventoryObserver() = default;
  // kind: "providers" | "hosts"; outcome: "ok" | "not_ready" | "error" | "timeout"
  virtual void fetched(const char* /*kind*/, const char* /*outcome*/, double /*seconds*/) {}
  // result: "hit" | "miss" | "stale"
  virtual void cache(const char* /*kind*/, const char* /*result*/) {}
};

}  // namespace hostadm
