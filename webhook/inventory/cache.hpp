// The inventory cache: providers per namespace and hosts per provider uid, each
// fetched whole and indexed, with TTL, a bounded refetch on misses, single-flight fetches and
// stale-if-error. Turns any InventorySource into per-request InventoryViews.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "webhook/core/inventory.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/inventory/source.hpp"

namespace hostadm {

// Ages of cache entries come from here so tests can move time without sleeping. Deadlines stay
// on the real steady clock: they bound how long a request thread may block.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyClock::time_point now() const = 0;
};
std::shared_ptr<Clock> system_clock();

class CachedInventory {
 public:
  // The observer gets cache(kind, "hit"|"miss"|"stale") only; fetched() is the source's to
  // report (HttpInventorySource does), so a fetch is never counted twice.
  CachedInventory(std::shared_ptr<InventorySource> source, CachePolicy policy,
                  std::shared_ptr<InventoryObserver> observer = nullptr,
                  std::shared_ptr<Clock> clock = nullptr);
  ~CachedInventory();
  CachedInventory(const CachedInventory&) = delete;
  CachedInventory& operator=(const CachedInventory&) = delete;

  // A per-request view whose lookups return by `deadline` (cached, shared, or fetched).
  std::unique_ptr<InventoryView> view(Deadline deadline);

  ProviderLookup provider(const std::string& ns, const std::string& name, Deadline deadline);
  HostsLookup hosts(const ProviderInfo& provider, Deadline deadline);

 private:
  struct ProvidersValue;
  struct ProvidersSlot;
  struct HostsSlot;
  struct Flight;

  std::shared_ptr<InventorySource> source_;
  CachePolicy policy_;
  std::shared_ptr<InventoryObserver> observer_;
  std::shared_ptr<Clock> clock_;

  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<ProvidersSlot>> providers_;
  std::unordered_map<std::string, std::unique_ptr<HostsSlot>> hosts_;

  void note(const char* kind, const char* result);
};

}  // namespace hostadm
