// The inventory cache against a scripted source and a clock the test moves.
#include "webhook/inventory/cache.hpp"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace hostadm {
namespace {

using namespace std::chrono_literals;

class FakeClock : public Clock {
 public:
  SteadyClock::time_point now() const override {
    std::lock_guard<std::mutex> lk(mu_);
    return t_;
  }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lk(mu_);
    t_ += d;
  }

 private:
  mutable std::mutex mu_;
  SteadyClock::time_point t_ = SteadyClock::time_point{} + 1000h;
};

// Answers from scripted state; can block every fetch until released to hold a flight open.
class FakeSource : public InventorySource {
 public:
  std::mutex mu;
  std::condition_variable cv;
  std::vector<ProviderInfo> provider_list;
  LookupStatus providers_status = LookupStatus::Ok;
  LookupStatus hosts_status = LookupStatus::Ok;
  std::vector<HostInfo> host_list;
  bool throw_on_fetch = false;
  bool blocked = false;
  int entered = 0;
  std::atomic<int> provider_calls{0};
  std::atomic<int> host_calls{0};
  std::atomic<int> one_provider_calls{0};
  LookupStatus one_provider_status = LookupStatus::Ok;
  bool one_provider_ready = true;
  bool hosts_timed_out = false;

  ProvidersFetch providers(const std::string&, Deadline) override {
    ++provider_calls;
    std::unique_lock<std::mutex> lk(mu);
    ++entered;
    cv.notify_all();
    cv.wait(lk, [&] { return !blocked; });
    if (throw_on_fetch) throw std::runtime_error("boom");
    ProvidersFetch f;
    f.status = providers_status;
    if (f.status == LookupStatus::Ok)
      f.providers = provider_list;
    else
      f.error = "inventory answered 503 for the providers of namespace demo";
    return f;
  }
  ProviderFetch provider(const std::string& uid, Deadline) override {
    ++one_provider_calls;
    std::unique_lock<std::mutex> lk(mu);
    ProviderFetch f;
    f.status = one_provider_status;
    if (f.status == LookupStatus::Unavailable) f.error = "inventory answered 500";
    if (f.status == LookupStatus::NotReady) f.error = "404 ProviderNotFound";
    for (const auto& p : provider_list)
      if (p.uid == uid) f.provider = p;
    f.provider.ready = one_provider_ready;
    return f;
  }
  HostsFetch host_by_id(const ProviderInfo& p, const std::string& id, Deadline d) override {
    return hosts(p, d, [&](const HostInfo& h) { return h.id == id; });
  }
  HostsFetch hosts_by_name(const ProviderInfo& p, const std::string& name, Deadline d) override {
    return hosts(p, d, [&](const HostInfo& h) { return h.name == name; });
  }
  template <class Match>
  HostsFetch hosts(const ProviderInfo&, Deadline, Match match) {
    ++host_calls;
    std::unique_lock<std::mutex> lk(mu);
    ++entered;
    cv.notify_all();
    cv.wait(lk, [&] { return !blocked; });
    if (throw_on_fetch) throw std::runtime_error("boom");
    HostsFetch f;
    f.status = hosts_status;
    if (f.status == LookupStatus::Ok)
      for (const auto& h : host_list)
        if (match(h)) f.hosts.push_back(h);
    if (f.status == LookupStatus::NotReady) f.error = "not synced (206)";
    if (f.status == LookupStatus::Unavailable) f.error = "inventory answered 500";
    f.timed_out = hosts_timed_out;
    return f;
  }
  void block() {
    std::lock_guard<std::mutex> lk(mu);
    blocked = true;
  }
  void release() {
    std::lock_guard<std::mutex> lk(mu);
    blocked = false;
    cv.notify_all();
  }
  void wait_entered(int n) {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return entered >= n; });
  }
};

class CountingObserver : public InventoryObserver {
 public:
  void cache(const char* kind, const char* result) override {
    std::lock_guard<std::mutex> lk(mu);
    counts[std::string(kind) + "/" + result]++;
  }
  int get(const std::string& key) {
    std::lock_guard<std::mutex> lk(mu);
    return counts[key];
  }
  std::mutex mu;
  std::map<std::string, int> counts;
};

ProviderInfo provider(const std::string& name) {
  ProviderInfo p;
  p.name = name;
  p.ns = "demo";
  p.uid = "uid-" + name;
  return p;
}

HostInfo host(const std::string& id) {
  HostInfo h;
  h.id = id;
  h.name = id + ".example.com";
  h.adapters.push_back({"Management Network", "192.168.1.10"});
  return h;
}

CachePolicy policy() {
  CachePolicy p;
  p.ttl = 30s;
  p.negative_ttl = 5s;
  p.stale_if_error = 600s;
  return p;
}

Deadline far() {
  return SteadyClock::now() + 60s;
}

struct CacheTest : ::testing::Test {
  std::shared_ptr<FakeSource> source = std::make_shared<FakeSource>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<CountingObserver> observer = std::make_shared<CountingObserver>();
  CachedInventory cache{source, policy(), observer, clock};

  void SetUp() override {
    source->provider_list = {provider("vsphere-provider")};
    source->host_list = {host("host-10"), host("host-11")};
  }
};

TEST_F(CacheTest, ProviderListIsFetchedOnceWithinTtlAndAgainAfterIt) {
  auto view = cache.view(far());
  auto first = view->provider("demo", "vsphere-provider");
  ASSERT_EQ(first.status, LookupStatus::Ok);
  EXPECT_EQ(first.provider->uid, "uid-vsphere-provider");
  EXPECT_FALSE(first.stale);
  clock->advance(29s);
  EXPECT_EQ(view->provider("demo", "vsphere-provider").status, LookupStatus::Ok);
  EXPECT_EQ(source->provider_calls, 1);
  clock->advance(1s);
  EXPECT_EQ(view->provider("demo", "vsphere-provider").status, LookupStatus::Ok);
  EXPECT_EQ(source->provider_calls, 2);
}

TEST_F(CacheTest, NamespacesAreCachedSeparately) {
  auto view = cache.view(far());
  view->provider("demo", "vsphere-provider");
  auto other = view->provider("production", "vsphere-provider");
  EXPECT_EQ(source->provider_calls, 2);
  // the fake answers with namespace demo's providers: another namespace's list must not leak in
  EXPECT_EQ(other.status, LookupStatus::NotFound);
}

TEST_F(CacheTest, MissInFreshListRefetchesAtMostOncePerNegativeTtl) {
  auto view = cache.view(far());
  EXPECT_EQ(view->provider("demo", "new-provider").status, LookupStatus::NotFound);
  EXPECT_EQ(source->provider_calls, 1);
  // Immediately again: the list was fetched just now, so no refetch.
  EXPECT_EQ(view->provider("demo", "new-provider").status, LookupStatus::NotFound);
  EXPECT_EQ(source->provider_calls, 1);

  clock->advance(5s);
  source->provider_list.push_back(provider("new-provider"));
  auto found = view->provider("demo", "new-provider");
  EXPECT_EQ(found.status, LookupStatus::Ok);
  EXPECT_EQ(source->provider_calls, 2);

  for (int i = 0; i < 10; ++i) view->provider("demo", "typo-provider");
  EXPECT_EQ(source->provider_calls, 2);
  clock->advance(5s);
  view->provider("demo", "typo-provider");
  view->provider("demo", "typo-provider");
  EXPECT_EQ(source->provider_calls, 3);
}

// A thread keeps its recent hits in a memo of its own. A refetch of a fresh listing (a provider
// named that it lacked) replaces the answer, and the memo must not keep serving the old one.
TEST_F(CacheTest, AListingReplacedWhileFreshIsNotServedFromTheThreadsMemo) {
  auto view = cache.view(far());
  ASSERT_EQ(view->provider("demo", "vsphere-provider").status, LookupStatus::Ok);
  ASSERT_EQ(view->provider("demo", "vsphere-provider").status, LookupStatus::Ok);  // memo hit
  clock->advance(5s);
  source->provider_list = {provider("new-provider")};  // vsphere-provider deleted meanwhile
  ASSERT_EQ(view->provider("demo", "new-provider").status, LookupStatus::Ok);
  EXPECT_EQ(source->provider_calls, 2);
  EXPECT_EQ(view->provider("demo", "vsphere-provider").status, LookupStatus::NotFound);
}

// Two caches in one thread (two webhooks in a test, a reloaded configuration): the same key, at
// the same generation, is each cache's own answer.
TEST_F(CacheTest, TwoCachesInOneThreadDoNotShareTheThreadsMemo) {
  auto other_source = std::make_shared<FakeSource>();
  other_source->provider_list = {provider("vsphere-provider")};
  other_source->provider_list[0].uid = "uid-of-the-other-inventory";
  CachedInventory other{other_source, policy(), observer, clock};
  auto view = cache.view(far());
  auto other_view = other.view(far());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(view->provider("demo", "vsphere-provider").provider->uid, "uid-vsphere-provider");
    EXPECT_EQ(other_view->provider("demo", "vsphere-provider").provider->uid,
              "uid-of-the-other-inventory");
  }
}

TEST_F(CacheTest, FailedRefetchAfterMissKeepsFreshListWithoutStaleFlag) {
  auto view = cache.view(far());
  view->provider("demo", "vsphere-provider");
  clock->advance(6s);
  source->providers_status = LookupStatus::Unavailable;
  auto miss = view->provider("demo", "other");
  EXPECT_EQ(miss.status, LookupStatus::NotFound);
  EXPECT_FALSE(miss.stale);
  EXPECT_EQ(view->provider("demo", "vsphere-provider").status, LookupStatus::Ok);
}

TEST_F(CacheTest, ExpiredEntryIsServedStaleWhenTheInventoryFails) {
  auto view = cache.view(far());
  ASSERT_EQ(view->host_by_id(provider("vsphere-provider"), "host-10").status, LookupStatus::Ok);
  ASSERT_EQ(view->provider("demo", "vsphere-provider").status, LookupStatus::Ok);
  clock->advance(31s);
  source->hosts_status = LookupStatus::Unavailable;
  source->providers_status = LookupStatus::Unavailable;

  auto hosts = view->host_by_id(provider("vsphere-provider"), "host-10");
  ASSERT_EQ(hosts.status, LookupStatus::Ok);
  EXPECT_TRUE(hosts.stale);
  ASSERT_TRUE(hosts.hosts);
  ASSERT_EQ(hosts.hosts->size(), 1u);
  EXPECT_EQ(hosts.hosts->front().id, "host-10");

  auto prov = view->provider("demo", "vsphere-provider");
  EXPECT_EQ(prov.status, LookupStatus::Ok);
  EXPECT_TRUE(prov.stale);
  EXPECT_EQ(source->host_calls, 2);
  EXPECT_EQ(observer->get("hosts/stale"), 1);
  EXPECT_EQ(observer->get("providers/stale"), 1);

  // Past staleIfError the entry is too old to trust: the failure shows.
  clock->advance(600s);
  auto gone = view->host_by_id(provider("vsphere-provider"), "host-10");
  EXPECT_EQ(gone.status, LookupStatus::Unavailable);
  EXPECT_FALSE(gone.stale);
  EXPECT_EQ(gone.error, "inventory answered 500");
}

TEST_F(CacheTest, FailureWithoutAnyEntryIsUnavailableWithTheCause) {
  source->providers_status = LookupStatus::Unavailable;
  auto out = cache.view(far())->provider("demo", "vsphere-provider");
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_NE(out.error.find("503"), std::string::npos);
  // The failure is remembered for negativeTtl: the next requests do not ask again...
  auto again = cache.view(far())->provider("demo", "vsphere-provider");
  EXPECT_EQ(again.status, LookupStatus::Unavailable);
  EXPECT_NE(again.error.find("503"), std::string::npos);
  EXPECT_EQ(source->provider_calls, 1);
  // ...and after it, they do.
  clock->advance(5s);
  cache.view(far())->provider("demo", "vsphere-provider");
  EXPECT_EQ(source->provider_calls, 2);
}

TEST_F(CacheTest, NotReadyIsCachedOnlyForNegativeTtl) {
  source->hosts_status = LookupStatus::NotReady;
  auto view = cache.view(far());
  auto first = view->host_by_id(provider("vsphere-provider"), "host-10");
  EXPECT_EQ(first.status, LookupStatus::NotReady);
  EXPECT_EQ(first.error, "not synced (206)");
  clock->advance(4s);
  EXPECT_EQ(view->host_by_id(provider("vsphere-provider"), "host-10").status,
            LookupStatus::NotReady);
  EXPECT_EQ(source->host_calls, 1);
  clock->advance(1s);
  source->hosts_status = LookupStatus::Ok;
  EXPECT_EQ(view->host_by_id(provider("vsphere-provider"), "host-10").status, LookupStatus::Ok);
  EXPECT_EQ(source->host_calls, 2);
}

TEST_F(CacheTest, HostsAreCachedPerProviderUid) {
  auto view = cache.view(far());
  view->host_by_id(provider("a"), "host-10");
  view->host_by_id(provider("b"), "host-10");
  view->host_by_id(provider("a"), "host-10");
  EXPECT_EQ(source->host_calls, 2);
}

TEST_F(CacheTest, HundredConcurrentColdLookupsShareOneFetch) {
  source->block();
  std::vector<std::thread> threads;
  std::vector<HostsLookup> results(100);
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = cache.view(far())->host_by_id(provider("p"), "host-10"); });
  }
  source->wait_entered(1);
  std::this_thread::sleep_for(
      50ms);  // lets most threads reach the wait; correctness does not depend on it
  source->release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(source->host_calls, 1);
  for (const auto& r : results) {
    ASSERT_EQ(r.status, LookupStatus::Ok);
    EXPECT_EQ(r.hosts, results[0].hosts);  // the same shared index, not a copy per request
  }
}

TEST_F(CacheTest, WaiterGivesUpAtItsDeadlineWhileTheFetchIsSlow) {
  source->block();
  HostsLookup leader;
  std::thread t([&] { leader = cache.view(far())->host_by_id(provider("p"), "host-10"); });
  source->wait_entered(1);
  auto waiter = cache.view(SteadyClock::now() + 20ms)->host_by_id(provider("p"), "host-10");
  EXPECT_EQ(waiter.status, LookupStatus::Unavailable);
  EXPECT_NE(waiter.error.find("deadline exceeded"), std::string::npos);
  source->release();
  t.join();
  EXPECT_EQ(leader.status, LookupStatus::Ok);
  EXPECT_EQ(source->host_calls, 1);
}

TEST_F(CacheTest, WaiterPastItsDeadlineGetsTheStaleEntry) {
  auto view = cache.view(far());
  ASSERT_EQ(view->host_by_id(provider("p"), "host-10").status, LookupStatus::Ok);
  clock->advance(31s);
  source->block();
  std::thread t([&] { cache.view(far())->host_by_id(provider("p"), "host-10"); });
  source->wait_entered(2);
  auto waiter = cache.view(SteadyClock::now() + 20ms)->host_by_id(provider("p"), "host-10");
  EXPECT_EQ(waiter.status, LookupStatus::Ok);
  EXPECT_TRUE(waiter.stale);
  source->release();
  t.join();
}

TEST_F(CacheTest, SourceExceptionIsUnavailableAndDoesNotWedgeTheKey) {
  source->throw_on_fetch = true;
  auto out = cache.view(far())->host_by_id(provider("p"), "host-10");
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_NE(out.error.find("boom"), std::string::npos);
  source->throw_on_fetch = false;
  // Remembered like any failure for negativeTtl, then asked again.
  clock->advance(5s);
  EXPECT_EQ(cache.view(far())->host_by_id(provider("p"), "host-10").status, LookupStatus::Ok);
}

TEST_F(CacheTest, ObserverSeesHitsAndMisses) {
  auto view = cache.view(far());
  view->provider("demo", "vsphere-provider");
  view->provider("demo", "vsphere-provider");
  view->provider("demo", "vsphere-provider");
  view->host_by_id(provider("p"), "host-10");
  view->host_by_id(provider("p"), "host-10");
  // Each provider lookup reads two answers: the namespace's listing and the provider itself.
  EXPECT_EQ(observer->get("providers/miss"), 2);
  EXPECT_EQ(observer->get("providers/hit"), 4);
  EXPECT_EQ(observer->get("hosts/miss"), 1);
  EXPECT_EQ(observer->get("hosts/hit"), 1);
}

TEST_F(CacheTest, AProviderIsListedThenReadWhole) {
  source->one_provider_ready = false;
  auto view = cache.view(far());
  auto p = view->provider("demo", "vsphere-provider");
  ASSERT_EQ(p.status, LookupStatus::Ok);
  EXPECT_FALSE(p.provider->ready) << "readiness comes from the provider read whole";
  EXPECT_EQ(source->provider_calls, 1);
  EXPECT_EQ(source->one_provider_calls, 1);
  view->provider("demo", "vsphere-provider");
  EXPECT_EQ(source->one_provider_calls, 1);
  clock->advance(30s);
  view->provider("demo", "vsphere-provider");
  EXPECT_EQ(source->one_provider_calls, 2);
}

TEST_F(CacheTest, AProviderOfAnotherTypeIsNotReadWhole) {
  ProviderInfo ovirt = provider("ovirt");
  ovirt.type = "ovirt";
  source->provider_list.push_back(ovirt);
  auto p = cache.view(far())->provider("demo", "ovirt");
  ASSERT_EQ(p.status, LookupStatus::Ok);
  EXPECT_EQ(p.provider->type, "ovirt");
  EXPECT_EQ(source->one_provider_calls, 0);
}

TEST_F(CacheTest, AProviderWithoutCollectorIsNotReady) {
  source->one_provider_status = LookupStatus::NotReady;
  auto p = cache.view(far())->provider("demo", "vsphere-provider");
  EXPECT_EQ(p.status, LookupStatus::NotReady);
  EXPECT_EQ(p.error, "404 ProviderNotFound");
}

TEST_F(CacheTest, HostsAreCachedPerIdAndPerName) {
  auto view = cache.view(far());
  auto by_id = view->host_by_id(provider("p"), "host-11");
  ASSERT_EQ(by_id.status, LookupStatus::Ok);
  ASSERT_EQ(by_id.hosts->size(), 1u);
  EXPECT_EQ(by_id.hosts->front().id, "host-11");
  auto by_name = view->hosts_by_name(provider("p"), "host-10.example.com");
  ASSERT_EQ(by_name.hosts->size(), 1u);
  EXPECT_EQ(by_name.hosts->front().id, "host-10");
  view->host_by_id(provider("p"), "host-11");
  view->hosts_by_name(provider("p"), "host-10.example.com");
  EXPECT_EQ(source->host_calls, 2);
  // The id "host-10.example.com" is another key than the name.
  view->host_by_id(provider("p"), "host-10.example.com");
  EXPECT_EQ(source->host_calls, 3);
}

TEST_F(CacheTest, AMissingHostIsAskedForAgainAfterNegativeTtl) {
  auto view = cache.view(far());
  auto none = view->host_by_id(provider("p"), "host-99");
  ASSERT_EQ(none.status, LookupStatus::Ok);
  EXPECT_TRUE(none.hosts->empty());
  clock->advance(4s);
  view->host_by_id(provider("p"), "host-99");
  EXPECT_EQ(source->host_calls, 1);
  clock->advance(1s);
  source->host_list.push_back(host("host-99"));
  auto found = view->host_by_id(provider("p"), "host-99");
  ASSERT_EQ(found.hosts->size(), 1u);
  EXPECT_EQ(source->host_calls, 2);
}

// An inventory that holds host requests 10 s before its 206 costs one call per negativeTtl.
TEST_F(CacheTest, ATimedOutHostLookupIsRememberedForNegativeTtl) {
  source->hosts_status = LookupStatus::Unavailable;
  source->hosts_timed_out = true;
  auto view = cache.view(far());
  for (int i = 0; i < 20; ++i) {
    auto out = view->host_by_id(provider("p"), "host-10");
    EXPECT_EQ(out.status, LookupStatus::Unavailable);
    EXPECT_TRUE(out.timed_out);
  }
  EXPECT_EQ(source->host_calls, 1);
  clock->advance(5s);
  view->host_by_id(provider("p"), "host-10");
  EXPECT_EQ(source->host_calls, 2);
}

TEST_F(CacheTest, ARememberedFailureStillServesTheStaleAnswer) {
  auto view = cache.view(far());
  ASSERT_EQ(view->host_by_id(provider("p"), "host-10").status, LookupStatus::Ok);
  clock->advance(31s);
  source->hosts_status = LookupStatus::Unavailable;
  for (int i = 0; i < 3; ++i) {
    auto out = view->host_by_id(provider("p"), "host-10");
    EXPECT_EQ(out.status, LookupStatus::Ok);
    EXPECT_TRUE(out.stale);
    EXPECT_EQ(out.error, "inventory answered 500");
  }
  EXPECT_EQ(source->host_calls, 2);
}

}  // namespace
}  // namespace hostadm
