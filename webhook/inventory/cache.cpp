#include "webhook/inventory/cache.hpp"

#include <condition_variable>
#include <exception>
#include <optional>
#include <tuple>
#include <utility>

namespace hostadm {

namespace {

class SteadySystemClock : public Clock {
 public:
  SteadyClock::time_point now() const override { return SteadyClock::now(); }
};

constexpr const char* kProviders = "providers";
constexpr const char* kHosts = "hosts";

}  // namespace

std::shared_ptr<Clock> system_clock() {
  static const auto clock = std::make_shared<SteadySystemClock>();
  return clock;
}

struct CachedInventory::ProvidersValue {
  std::unordered_map<std::string, ProviderInfo> by_name;
};

// One fetch in progress for a key; everyone who needs the key while it runs waits on it instead
// of asking the inventory again (spec: 100 cold requests -> one fetch).
struct CachedInventory::Flight {
  bool done = false;
  std::condition_variable cv;
  LookupStatus status = LookupStatus::Unavailable;
  std::string error;

  // The fetching request publishes its outcome (under the cache lock) and wakes the waiters.
  void land(LookupStatus s, std::string e) {
    status = s;
    error = std::move(e);
    done = true;
    cv.notify_all();
  }
  // A waiting request gets the outcome, or gives up at its own deadline.
  std::pair<LookupStatus, std::string> await(std::unique_lock<std::mutex>& lk, Deadline deadline) {
    if (cv.wait_until(lk, deadline, [&] { return done; })) return {status, error};
    return {LookupStatus::Unavailable, "deadline exceeded waiting for the inventory"};
  }
};

struct CachedInventory::ProvidersSlot {
  std::shared_ptr<const ProvidersValue> value;  // last successful list
  SteadyClock::time_point fetched_at{};
  std::optional<SteadyClock::time_point> last_miss_refetch;
  std::shared_ptr<Flight> flight;
};

struct CachedInventory::HostsSlot {
  bool has_answer = false;  // Ok or NotReady: both are answers worth remembering
  LookupStatus status = LookupStatus::Unavailable;
  std::shared_ptr<const HostIndex> index;
  std::string error;  // NotReady's cause
  SteadyClock::time_point fetched_at{};
  std::shared_ptr<Flight> flight;
};

CachedInventory::CachedInventory(std::shared_ptr<InventorySource> source, CachePolicy policy,
                                 std::shared_ptr<InventoryObserver> observer,
                                 std::shared_ptr<Clock> clock)
    : source_(std::move(source)),
      policy_(policy),
      observer_(std::move(observer)),
      clock_(clock ? std::move(clock) : system_clock()) {}

CachedInventory::~CachedInventory() = default;

void CachedInventory::note(const char* kind, const char* result) {
  if (observer_) observer_->cache(kind, result);
}

namespace {

ProviderLookup provider_answer(const std::unordered_map<std::string, ProviderInfo>& by_name,
                               const std::string& ns, const std::string& name, bool stale) {
  ProviderLookup out;
  out.stale = stale;
  auto it = by_name.find(name);
  if (it == by_name.end()) {
    out.status = LookupStatus::NotFound;
    out.error = "no provider " + ns + "/" + name + " in the inventory";
  } else {
    out.status = LookupStatus::Ok;
    out.provider = it->second;
  }
  return out;
}

}  // namespace

ProviderLookup CachedInventory::provider(const std::string& ns, const std::string& name,
                                         Deadline deadline) {
  std::unique_lock<std::mutex> lk(mu_);
  auto& slot_ptr = providers_[ns];
  if (!slot_ptr) slot_ptr = std::make_unique<ProvidersSlot>();
  ProvidersSlot& slot = *slot_ptr;

  auto now = clock_->now();
  if (slot.value && now - slot.fetched_at < policy_.ttl) {
    auto it = slot.value->by_name.find(name);
    if (it != slot.value->by_name.end()) {
      note(kProviders, "hit");
      return provider_answer(slot.value->by_name, ns, name, false);
    }
    // A provider created after the list was cached: look again, but at most once per
    // negativeTtl so a Host naming a provider that does not exist cannot hammer the inventory.
    auto last_asked = slot.fetched_at;
    if (slot.last_miss_refetch && *slot.last_miss_refetch > last_asked)
      last_asked = *slot.last_miss_refetch;
    bool may_refetch = now - last_asked >= policy_.negative_ttl;
    if (!slot.flight && !may_refetch) {
      note(kProviders, "hit");
      return provider_answer(slot.value->by_name, ns, name, false);
    }
    if (!slot.flight) slot.last_miss_refetch = now;
  }

  std::shared_ptr<Flight> flight = slot.flight;
  LookupStatus status;
  std::string error;
  if (!flight) {
    flight = std::make_shared<Flight>();
    slot.flight = flight;
    lk.unlock();
    ProvidersFetch fetch;
    std::shared_ptr<ProvidersValue> value;
    try {
      fetch = source_->providers(ns, deadline);
      if (fetch.status == LookupStatus::Ok) {
        value = std::make_shared<ProvidersValue>();
        for (auto& p : fetch.providers) {
          if (!p.ns.empty() && p.ns != ns) continue;
          value->by_name.emplace(p.name, std::move(p));
        }
      }
    } catch (const std::exception& e) {
      fetch.status = LookupStatus::Unavailable;
      fetch.error = std::string("inventory client failed: ") + e.what();
    }
    lk.lock();
    if (value) {
      slot.value = std::move(value);
      slot.fetched_at = clock_->now();
    } else if (fetch.status == LookupStatus::Ok) {
      fetch.status = LookupStatus::Unavailable;  // defensive: Ok without a list
    }
    slot.flight.reset();
    flight->land(fetch.status == LookupStatus::Ok ? LookupStatus::Ok : LookupStatus::Unavailable,
                 fetch.error.empty() ? "inventory unavailable" : fetch.error);
    status = flight->status;
    error = flight->error;
  } else {
    std::tie(status, error) = flight->await(lk, deadline);
  }

  now = clock_->now();
  if (status == LookupStatus::Ok && slot.value) {
    note(kProviders, "miss");
    return provider_answer(slot.value->by_name, ns, name, false);
  }
  if (slot.value && now - slot.fetched_at < policy_.ttl) {
    note(kProviders, "hit");  // a refetch after a miss failed; the cached list is still fresh
    return provider_answer(slot.value->by_name, ns, name, false);
  }
  if (slot.value && now - slot.fetched_at < policy_.stale_if_error) {
    note(kProviders, "stale");
    auto out = provider_answer(slot.value->by_name, ns, name, true);
    out.error = error;
    return out;
  }
  note(kProviders, "miss");
  ProviderLookup out;
  out.status = LookupStatus::Unavailable;
  out.error = error;
  return out;
}

namespace {

HostsLookup hosts_answer(LookupStatus status, const std::shared_ptr<const HostIndex>& index,
                         const std::string& error, bool stale) {
  HostsLookup out;
  out.status = status;
  out.stale = stale;
  if (status == LookupStatus::Ok)
    out.hosts = index;
  else
    out.error = error;
  return out;
}

}  // namespace

HostsLookup CachedInventory::hosts(const ProviderInfo& provider, Deadline deadline) {
  std::unique_lock<std::mutex> lk(mu_);
  auto& slot_ptr = hosts_[provider.uid];
  if (!slot_ptr) slot_ptr = std::make_unique<HostsSlot>();
  HostsSlot& slot = *slot_ptr;

  auto fresh_for = [&](const HostsSlot& s) {
    // Not-ready answers expire sooner: a provider finishing its sync must be seen quickly.
    return s.status == LookupStatus::Ok ? policy_.ttl : policy_.negative_ttl;
  };
  auto now = clock_->now();
  if (slot.has_answer && now - slot.fetched_at < fresh_for(slot)) {
    note(kHosts, "hit");
    return hosts_answer(slot.status, slot.index, slot.error, false);
  }

  std::shared_ptr<Flight> flight = slot.flight;
  LookupStatus status;
  std::string error;
  if (!flight) {
    flight = std::make_shared<Flight>();
    slot.flight = flight;
    lk.unlock();
    HostsFetch fetch;
    std::shared_ptr<const HostIndex> index;
    try {
      fetch = source_->hosts(provider, deadline);
      // Indexing 5,000 hosts takes a while: do it before taking the lock.
      if (fetch.status == LookupStatus::Ok) index = HostIndex::build(std::move(fetch.hosts));
    } catch (const std::exception& e) {
      fetch.status = LookupStatus::Unavailable;
      fetch.error = std::string("inventory client failed: ") + e.what();
    }
    lk.lock();
    if (fetch.status == LookupStatus::Ok || fetch.status == LookupStatus::NotReady) {
      slot.has_answer = true;
      slot.status = fetch.status;
      slot.index = std::move(index);
      slot.error = fetch.error;
      slot.fetched_at = clock_->now();
    } else {
      fetch.status = LookupStatus::Unavailable;
      if (fetch.error.empty()) fetch.error = "inventory unavailable";
    }
    slot.flight.reset();
    flight->land(fetch.status, fetch.error);
    status = flight->status;
    error = flight->error;
  } else {
    std::tie(status, error) = flight->await(lk, deadline);
  }

  if (status != LookupStatus::Unavailable && slot.has_answer) {
    note(kHosts, "miss");
    return hosts_answer(slot.status, slot.index, slot.error, false);
  }
  now = clock_->now();
  if (slot.has_answer && now - slot.fetched_at < policy_.stale_if_error) {
    note(kHosts, "stale");
    return hosts_answer(slot.status, slot.index, slot.error, true);
  }
  note(kHosts, "miss");
  return hosts_answer(LookupStatus::Unavailable, nullptr, error, false);
}

namespace {

class CachedView : public InventoryView {
 public:
  CachedView(CachedInventory& cache, Deadline deadline) : cache_(cache), deadline_(deadline) {}
  ProviderLookup provider(const std::string& ns, const std::string& name) override {
    return cache_.provider(ns, name, deadline_);
  }
  HostsLookup hosts(const ProviderInfo& provider) override {
    return cache_.hosts(provider, deadline_);
  }

 private:
  CachedInventory& cache_;
  Deadline deadline_;
};

}  // namespace

std::unique_ptr<InventoryView> CachedInventory::view(Deadline deadline) {
  return std::make_unique<CachedView>(*this, deadline);
}

}  // namespace hostadm
