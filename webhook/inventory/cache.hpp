// The inventory cache: every answer the webhook asks for (the provider listing of a namespace,
// one provider, one host by id, the hosts with a name) kept per key with a TTL. A miss refetches
// at most once per negativeTtl, a failure is remembered for negativeTtl (an inventory that holds
// requests 10 s before answering 206 costs one call per negativeTtl, not one per admission),
// concurrent requests for one key share one fetch, and on failure an answer up to staleIfError
// old is served, marked stale. Turns any InventorySource into per-request InventoryViews.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "webhook/core/clock.hpp"
#include "webhook/core/inventory.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/inventory/source.hpp"

namespace hostadm {

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
  HostsLookup host_by_id(const ProviderInfo& provider, const std::string& id, Deadline deadline);
  HostsLookup hosts_by_name(const ProviderInfo& provider, const std::string& name,
                            Deadline deadline);

  // One cached answer of any kind, and a namespace's providers by name; defined in cache.cpp.
  template <class V>
  struct Table;
  struct Listing;

  // The tables' lock, and what a thread's memo of its recent hits is checked against
  // (cache.cpp).
  struct Guard {
    std::shared_mutex mu;
    std::atomic<uint64_t> generation{0};  // moves on whenever the exclusive lock is taken
    uint64_t id = 0;  // unique per cache in the process: a memo never serves another cache's
  };

 private:
  std::shared_ptr<InventorySource> source_;
  CachePolicy policy_;
  std::shared_ptr<InventoryObserver> observer_;
  std::shared_ptr<Clock> clock_;

  Guard guard_;
  std::unique_ptr<Table<Listing>> listings_;             // by namespace
  std::unique_ptr<Table<ProviderInfo>> providers_;       // by uid
  std::unique_ptr<Table<std::vector<HostInfo>>> hosts_;  // by uid + id, or uid + name
};

}  // namespace hostadm
