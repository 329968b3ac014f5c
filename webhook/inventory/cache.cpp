#include "webhook/inventory/cache.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <exception>
#include <optional>
#include <utility>

namespace hostadm {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first

namespace {

constexpr const char* kProviders = "providers";
constexpr const char* kHosts = "hosts";
// Entries are swept (expired ones dropped) when a table grows past this, then past twice the
// size that survived: host lookups are keyed per host, and a long-running webhook must not keep
// every host it was ever asked about.
constexpr size_t kSweepFloor = 4096;

}  // namespace

struct CachedInventory::Listing {
  std::unordered_map<std::string, ProviderInfo> by_name;
};

namespace {

// What one fetch gave: an answer (Ok or NotReady, worth remembering) or a failure.
template <class V>
struct Answer {
  LookupStatus status = LookupStatus::Unavailable;
  std::shared_ptr<const V> value;  // when Ok
  std::string error;
  bool timed_out = false;
  bool short_lived = false;  // fresh for negativeTtl only: a miss or a NotReady answer
};

// What a lookup returns to the view.
template <class V>
struct Result {
  LookupStatus status = LookupStatus::Unavailable;
  std::shared_ptr<const V> value;
  std::string error;
  bool stale = false;
  bool timed_out = false;
};

}  // namespace

template <class V>
struct CachedInventory::Table {
  // One fetch in progress for a key; everyone who needs the key while it runs waits on it instead
  // of asking the inventory again (100 cold requests -> one fetch).
  struct Flight {
    bool done = false;
    std::condition_variable_any cv;
    Answer<V> outcome;
  };

  struct Entry {
    std::optional<Answer<V>> answer;  // last Ok or NotReady
    SteadyClock::time_point answered_at{};
    std::optional<SteadyClock::time_point> forced_at;  // refetch of a fresh answer that lacked
                                                       // what was asked (a new provider)
    std::optional<Answer<V>> failure;                  // last failure, remembered negativeTtl
    SteadyClock::time_point failed_at{};
    std::shared_ptr<Flight> flight;
  };

  std::unordered_map<std::string, std::shared_ptr<Entry>> entries;
  size_t sweep_at = kSweepFloor;

  // Drops entries that can serve nothing any more (no flight, answer past staleIfError, failure
  // past negativeTtl).
  void sweep(SteadyClock::time_point now, const CachePolicy& policy) {
    if (entries.size() < sweep_at) return;
    for (auto it = entries.begin(); it != entries.end();) {
      const Entry& e = *it->second;
      bool useless = !e.flight && (!e.answer || now - e.answered_at >= policy.stale_if_error) &&
                     (!e.failure || now - e.failed_at >= policy.negative_ttl);
      it = useless ? entries.erase(it) : std::next(it);
    }
    sweep_at = std::max(kSweepFloor, entries.size() * 2);
  }
};

namespace {

template <class V>
Result<V> from_answer(const Answer<V>& a, bool stale, const std::string& error = "") {
  Result<V> r;
  r.status = a.status;
  r.value = a.value;
  r.error = error.empty() ? a.error : error;
  r.stale = stale;
  return r;
}

// What one lookup works with: a table, the lock that guards it, and the cache's settings.
template <class V>
struct TableAccess {
  using Entry = typename CachedInventory::Table<V>::Entry;
  using Flight = typename CachedInventory::Table<V>::Flight;

  CachedInventory::Guard& guard;
  typename CachedInventory::Table<V>& table;
  const CachePolicy& policy;
  const Clock& clock;
  InventoryObserver* observer;
  const char* kind;

  void note(const char* result) const {
    if (observer) observer->cache(kind, result);
  }

  SteadyClock::duration fresh_for(const Answer<V>& a) const {
    return a.short_lived ? policy.negative_ttl : policy.ttl;
  }

  bool fresh_at(const Entry& e, SteadyClock::time_point now) const {
    return e.answer && now - e.answered_at < fresh_for(*e.answer);
  }

  // Served after a failure: a fresh answer as it is, an older one (up to staleIfError) as stale.
  Result<V> after_failure(const Entry& e, const std::string& error, bool timed_out) const {
    if (fresh_at(e, clock.now())) {
      note("hit");
      return from_answer(*e.answer, false);
    }
    if (e.answer && clock.now() - e.answered_at < policy.stale_if_error) {
      note("stale");
      return from_answer(*e.answer, true, error);
    }
    note("miss");
    Result<V> r;
    r.error = error;
    r.timed_out = timed_out;
    return r;
  }
};

// A fresh Ok answer may still lack what was asked for (a provider created after the listing).
template <class V, class Satisfied>
bool has_what_was_asked(const Answer<V>& a, Satisfied& satisfied) {
  return a.status != LookupStatus::Ok || !a.value || satisfied(*a.value);
}

// The source's answer, with a throw, an Ok without a value and a NotFound turned into the
// failures the cache remembers for negativeTtl.
template <class V, class Fetch>
Answer<V> fetch_answer(Fetch& fetch, Deadline deadline) {
  Answer<V> got;
  try {
    got = fetch(deadline);
  } catch (const std::exception& ex) {
    got = Answer<V>{};
    got.error = std::string("inventory client failed: ") + ex.what();
  }
  if (got.status == LookupStatus::Ok && !got.value) {
    got.status = LookupStatus::Unavailable;  // defensive: Ok without a value
    got.error = "the inventory answered without a value";
  }
  if (got.status == LookupStatus::NotFound) got.status = LookupStatus::Unavailable;
  if (got.status == LookupStatus::Unavailable && got.error.empty())
    got.error = "inventory unavailable";
  return got;
}

// Asks the source with the lock released while later askers of the key wait on the flight,
// then records the answer (or the failure) in the entry and wakes them.
template <class V, class Fetch>
std::shared_ptr<typename TableAccess<V>::Flight> fly(const TableAccess<V>& t,
                                                     std::unique_lock<std::shared_mutex>& lk,
                                                     typename TableAccess<V>::Entry& e,
                                                     Deadline deadline, Fetch& fetch) {
  auto flight = std::make_shared<typename TableAccess<V>::Flight>();
  e.flight = flight;
  lk.unlock();
  Answer<V> got = fetch_answer<V>(fetch, deadline);
  lk.lock();
  t.guard.generation.fetch_add(1, std::memory_order_relaxed);
  if (got.status == LookupStatus::Unavailable) {
    e.failure = got;
    e.failed_at = t.clock.now();
  } else {
    e.answer = got;
    e.answered_at = t.clock.now();
    e.failure.reset();
  }
  e.flight.reset();
  flight->outcome = std::move(got);
  flight->done = true;
  flight->cv.notify_all();
  return flight;
}

// Everything but the shared-lock hit: an entry that needs a fetch, joins a flight or serves a
// remembered failure, under the exclusive lock.
template <class V, class Fetch, class Satisfied>
Result<V> lookup_exclusive(const TableAccess<V>& t, const std::string& key, Deadline deadline,
                           Fetch& fetch, Satisfied& satisfied) {
  std::unique_lock<std::shared_mutex> lk(t.guard.mu);
  t.guard.generation.fetch_add(1, std::memory_order_relaxed);
  const auto now = t.clock.now();
  t.table.sweep(now, t.policy);
  auto& slot = t.table.entries[key];
  if (!slot) slot = std::make_shared<typename TableAccess<V>::Entry>();
  std::shared_ptr<typename TableAccess<V>::Entry> e = slot;  // kept alive across the fetch
  if (t.fresh_at(*e, t.clock.now())) {
    auto last = e->answered_at;
    if (e->forced_at && *e->forced_at > last) last = *e->forced_at;
    if (has_what_was_asked(*e->answer, satisfied) ||
        (!e->flight && now - last < t.policy.negative_ttl)) {
      t.note("hit");
      return from_answer(*e->answer, false);
    }
    if (!e->flight) e->forced_at = now;
  } else if (e->failure && !e->flight && now - e->failed_at < t.policy.negative_ttl) {
    return t.after_failure(*e, e->failure->error, e->failure->timed_out);
  }
  std::shared_ptr<typename TableAccess<V>::Flight> flight = e->flight;
  if (!flight) {
    flight = fly(t, lk, *e, deadline, fetch);
  } else if (!flight->cv.wait_until(lk, deadline, [&] { return flight->done; })) {
    return t.after_failure(*e, "deadline exceeded waiting for the inventory", true);
  }
  const Answer<V>& outcome = flight->outcome;
  if (outcome.status == LookupStatus::Unavailable)
    return t.after_failure(*e, outcome.error, outcome.timed_out);
  t.note("miss");
  return from_answer(outcome, false);
}

// A thread's last fresh Ok answers of one kind, each under a pointer of the thread's own: every
// admission makes three lookups, and the shared path writes two lines every thread writes (the
// lock's count and the answer's reference count) in each. Under wrk on 2 cores, those lines
// moving between the cores cost more than the lookups. A slot serves while its cache's
// generation has not moved (every write to the tables moves it, under the exclusive lock) and
// its answer is fresh.
template <class V>
class Memo {
 public:
  static Memo& of_this_thread() {
    thread_local Memo memo;
    return memo;
  }

  const std::shared_ptr<const V>* find(const CachedInventory::Guard& g, uint64_t generation,
                                       const std::string& key, SteadyClock::time_point now) const {
    for (const Slot& s : slots_)
      if (s.cache == g.id && s.generation == generation && now < s.fresh_until && s.key == key)
        return &s.value;
    return nullptr;
  }

  // Under the shared lock, so `generation` is the one `value` was current in.
  void remember(const CachedInventory::Guard& g, const std::string& key,
                SteadyClock::time_point fresh_until, const std::shared_ptr<const V>& value) {
    Slot& s = slots_[next_++ % slots_.size()];
    s.cache = g.id;
    s.generation = g.generation.load(std::memory_order_relaxed);
    s.key = key;
    s.fresh_until = fresh_until;
    // Copies of the aliased pointer count in the holder, which only this thread touches.
    auto holder = std::make_shared<std::shared_ptr<const V>>(value);
    s.value = std::shared_ptr<const V>(holder, holder->get());
  }

 private:
  struct Slot {
    uint64_t cache = 0;  // CachedInventory::Guard::id; 0: empty
    uint64_t generation = 0;
    std::string key;
    SteadyClock::time_point fresh_until{};
    std::shared_ptr<const V> value;
  };
  std::array<Slot, 4> slots_;
  size_t next_ = 0;
};

// The one lookup algorithm every kind of answer shares. `fetch(deadline)` asks the source and
// returns an Answer<V>; `satisfied(value)` says whether a fresh Ok answer has what was asked for.
template <class V, class Fetch, class Satisfied>
Result<V> lookup(CachedInventory::Guard& guard, typename CachedInventory::Table<V>& table,
                 const std::string& key, Deadline deadline, const CachePolicy& policy,
                 const Clock& clock, InventoryObserver* observer, const char* kind, Fetch fetch,
                 Satisfied satisfied) {
  const TableAccess<V> t{guard, table, policy, clock, observer, kind};
  const auto now = clock.now();
  Memo<V>& memo = Memo<V>::of_this_thread();
  const uint64_t generation = guard.generation.load(std::memory_order_acquire);
  if (const auto* value = memo.find(guard, generation, key, now); value && satisfied(**value)) {
    t.note("hit");
    Result<V> r;
    r.status = LookupStatus::Ok;
    r.value = *value;
    return r;
  }
  {
    // The common case, a fresh answer that has what was asked for, under a shared lock: every
    // admission makes three lookups, and with dozens of workers on two cores an exclusive lock
    // held by a descheduled thread made the others sleep and wake (two futex calls per request).
    std::shared_lock<std::shared_mutex> shared(guard.mu);
    auto it = table.entries.find(key);
    if (it != table.entries.end() && t.fresh_at(*it->second, now) &&
        has_what_was_asked(*it->second->answer, satisfied)) {
      t.note("hit");
      const auto& e = *it->second;
      // What a memo hit returns: Ok, the value, no error text.
      if (e.answer->status == LookupStatus::Ok && e.answer->value && e.answer->error.empty())
        memo.remember(guard, key, e.answered_at + t.fresh_for(*e.answer), e.answer->value);
      return from_answer(*e.answer, false);
    }
  }
  return lookup_exclusive(t, key, deadline, fetch, satisfied);
}

template <class Fetch>
Answer<std::vector<HostInfo>> host_answer(Fetch&& fetch) {
  Answer<std::vector<HostInfo>> a;
  HostsFetch f = fetch();
  a.status = f.status;
  a.error = std::move(f.error);
  a.timed_out = f.timed_out;
  // No such host is a miss: it may be added in vCenter any time, so ask again after negativeTtl.
  a.short_lived = f.status != LookupStatus::Ok || f.hosts.empty();
  if (f.status == LookupStatus::Ok)
    a.value = std::make_shared<const std::vector<HostInfo>>(std::move(f.hosts));
  return a;
}

// A namespace's providers by name; one of another namespace in the answer is no answer for it.
Answer<CachedInventory::Listing> listing_answer(ProvidersFetch f, const std::string& ns) {
  Answer<CachedInventory::Listing> a;
  a.status = f.status == LookupStatus::Ok ? LookupStatus::Ok : LookupStatus::Unavailable;
  a.error = std::move(f.error);
  a.timed_out = f.timed_out;
  if (a.status == LookupStatus::Ok) {
    auto value = std::make_shared<CachedInventory::Listing>();
    for (auto& p : f.providers) {
      if (!p.ns.empty() && p.ns != ns) continue;
      value->by_name.emplace(p.name, std::move(p));
    }
    a.value = std::move(value);
  }
  return a;
}

// A provider read whole by uid.
Answer<ProviderInfo> provider_answer(ProviderFetch f, const ProviderInfo& listed) {
  Answer<ProviderInfo> a;
  a.status = f.status;
  a.error = std::move(f.error);
  a.timed_out = f.timed_out;
  a.short_lived = f.status != LookupStatus::Ok;
  if (f.status == LookupStatus::Ok) {
    // What the read lacks, the listing knows (the uid's name and namespace never change), so the
    // entry is complete and every hit shares it as it is.
    ProviderInfo& p = f.provider;
    if (p.name.empty()) p.name = listed.name;
    if (p.ns.empty()) p.ns = listed.ns;
    if (p.uid.empty()) p.uid = listed.uid;
    a.value = std::make_shared<const ProviderInfo>(std::move(p));
  }
  return a;
}

HostsLookup to_hosts_lookup(Result<std::vector<HostInfo>> r) {
  HostsLookup out;
  out.status = r.status;
  out.hosts = std::move(r.value);
  out.error = std::move(r.error);
  out.stale = r.stale;
  out.timed_out = r.timed_out;
  return out;
}

}  // namespace

CachedInventory::CachedInventory(std::shared_ptr<InventorySource> source, CachePolicy policy,
                                 std::shared_ptr<InventoryObserver> observer,
                                 std::shared_ptr<Clock> clock)
    : source_(std::move(source)),
      policy_(policy),
      observer_(std::move(observer)),
      clock_(clock ? std::move(clock) : system_clock()),
      listings_(std::make_unique<Table<Listing>>()),
      providers_(std::make_unique<Table<ProviderInfo>>()),
      hosts_(std::make_unique<Table<std::vector<HostInfo>>>()) {
  static std::atomic<uint64_t> next_id{1};
  guard_.id = next_id.fetch_add(1, std::memory_order_relaxed);
}

CachedInventory::~CachedInventory() = default;

ProviderLookup CachedInventory::provider(const std::string& ns, const std::string& name,
                                         Deadline deadline) {
  ProviderLookup out;
  auto listing = lookup<Listing>(
      guard_, *listings_, ns, deadline, policy_, *clock_, observer_.get(), kProviders,
      [&](Deadline d) { return listing_answer(source_->providers(ns, d), ns); },
      // A provider created after the listing was cached: look again (at most once per
      // negativeTtl, so a Host naming a provider that does not exist cannot hammer the inventory).
      [&](const Listing& l) { return l.by_name.count(name) != 0; });
  out.stale = listing.stale;
  if (listing.status != LookupStatus::Ok) {
    out.status = LookupStatus::Unavailable;
    out.error = std::move(listing.error);
    out.timed_out = listing.timed_out;
    return out;
  }
  auto it = listing.value->by_name.find(name);
  if (it == listing.value->by_name.end()) {
    out.status = LookupStatus::NotFound;
    out.error = "no provider " + ns + "/" + name + " in the inventory";
    if (listing.stale) out.error = listing.error;
    return out;
  }
  const ProviderInfo& listed = it->second;
  // Only a vSphere provider is read whole: another type is refused on its type alone.
  if (listed.type != "vsphere"sv || listed.uid.empty()) {
    out.status = LookupStatus::Ok;
    out.provider = std::make_shared<const ProviderInfo>(listed);
    return out;
  }
  auto full = lookup<ProviderInfo>(
      guard_, *providers_, listed.uid, deadline, policy_, *clock_, observer_.get(), kProviders,
      [&](Deadline d) { return provider_answer(source_->provider(listed.uid, d), listed); },
      [](const ProviderInfo&) { return true; });
  out.stale = out.stale || full.stale;
  out.status = full.status;
  out.timed_out = full.timed_out;
  if (full.status != LookupStatus::Ok) {
    out.error = std::move(full.error);
    return out;
  }
  if (full.stale) out.error = std::move(full.error);
  out.provider = std::move(full.value);
  return out;
}

namespace {

// A hosts table key, "UID\n#ID" or "UID\nname=NAME", built in a buffer of the thread's own:
// every admission looks one up, and the table copies it only to insert.
const std::string& host_key(const std::string& uid, std::string_view kind, const std::string& v) {
  thread_local std::string key;
  key.assign(uid).append(kind).append(v);
  return key;
}

}  // namespace

HostsLookup CachedInventory::host_by_id(const ProviderInfo& provider, const std::string& id,
                                        Deadline deadline) {
  return to_hosts_lookup(lookup<std::vector<HostInfo>>(
      guard_, *hosts_, host_key(provider.uid, "\n#", id), deadline, policy_, *clock_,
      observer_.get(), kHosts,
      [&](Deadline d) { return host_answer([&] { return source_->host_by_id(provider, id, d); }); },
      [](const std::vector<HostInfo>&) { return true; }));
}

HostsLookup CachedInventory::hosts_by_name(const ProviderInfo& provider, const std::string& name,
                                           Deadline deadline) {
  return to_hosts_lookup(lookup<std::vector<HostInfo>>(
      guard_, *hosts_, host_key(provider.uid, "\nname=", name), deadline, policy_, *clock_,
      observer_.get(), kHosts,
      [&](Deadline d) {
        return host_answer([&] { return source_->hosts_by_name(provider, name, d); });
      },
      [](const std::vector<HostInfo>&) { return true; }));
}

namespace {

class CachedView : public InventoryView {
 public:
  CachedView(CachedInventory& cache, Deadline deadline) : cache_(cache), deadline_(deadline) {}
  ProviderLookup provider(const std::string& ns, const std::string& name) override {
    return cache_.provider(ns, name, deadline_);
  }
  HostsLookup host_by_id(const ProviderInfo& provider, const std::string& id) override {
    return cache_.host_by_id(provider, id, deadline_);
  }
  HostsLookup hosts_by_name(const ProviderInfo& provider, const std::string& name) override {
    return cache_.hosts_by_name(provider, name, deadline_);
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
