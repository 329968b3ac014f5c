// The watch cache against a real `host-harness serve-kube`: the first list (paged), events into
// a projected store and callbacks, bookmarks, a relist on 410 Gone, failures that keep the cache,
// and a prompt stop.
#include "webhook/kube/informer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/kube_api_fixture.hpp"

namespace hostadm::servertest {
namespace {

using namespace std::chrono_literals;
using kube::Client;
using kube::Informer;
using kube::InformerOptions;
namespace resources = kube::resources;
using ::testing::HasSubstr;

constexpr const char* kToken = "kube-informer-test-token";

// What a duplicate-Host check keeps of a Host: two strings, not the document.
struct HostRef {
  std::string provider, id;
  bool operator==(const HostRef& o) const { return provider == o.provider && id == o.id; }
};

std::optional<HostRef> project(const nlohmann::json& o) {
  const auto& spec = o.value("spec", nlohmann::json::object());
  return HostRef{spec.value("provider", nlohmann::json::object()).value("name", ""),
                 spec.value("id", "")};
}

class Restarts : public kube::KubeObserver {
 public:
  void watch_restart(const std::string& resource, const char* reason) override {
    std::lock_guard<std::mutex> lk(mu);
    seen.push_back(resource + " " + reason);
  }
  size_t count() {
    std::lock_guard<std::mutex> lk(mu);
    return seen.size();
  }
  std::string first() {
    std::lock_guard<std::mutex> lk(mu);
    return seen.empty() ? "" : seen.front();
  }
  std::mutex mu;
  std::vector<std::string> seen;
};

class KubeInformerTest : public KubeApiTest<KubeInformerTest> {
 protected:
  static void SetUpTestSuite() { start_api(kToken, {"--bookmark-interval", "1h"}); }
  void SetUp() override {
    KubeApiTest::SetUp();
    kube::ClientOptions o;
    o.observer = restarts_;
    client_ = std::make_unique<Client>(api_->config(), o);
  }
  InformerOptions options(const std::string& ns) {
    InformerOptions o;
    o.resource = resources::kHosts;
    o.ns = ns;
    o.backoff = {20ms, 2.0, 200ms, 0.0};
    return o;
  }
  void seed(const std::string& ns, int n) {
    json hosts = json::array();
    for (int i = 0; i < n; ++i) hosts.push_back(host_object(ns, "h" + std::to_string(i)));
    api_->control("/__objects", hosts);
  }

  std::shared_ptr<Restarts> restarts_ = std::make_shared<Restarts>();
  std::unique_ptr<Client> client_;
};

TEST_F(KubeInformerTest, TheFirstListIsPagedAndProjected) {
  seed("big", 1200);
  api_->reset_requests();
  Informer<HostRef> hosts(*client_, options("big"), project);
  hosts.start();
  ASSERT_TRUE(eventually([&] { return hosts.has_synced(); }));
  EXPECT_EQ(hosts.size(), 1200u);
  EXPECT_EQ(hosts.get("big", "h7"), (HostRef{"vsphere", "host-h7"}));
  EXPECT_FALSE(hosts.get("big", "nope"));
  EXPECT_EQ(hosts.list("big").size(), 1200u);
  const auto lists = api_->requests_of("list", "hosts");
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_THAT(lists[0]["query"].get<std::string>(), HasSubstr("limit=500"));
  ASSERT_TRUE(eventually([&] { return !api_->requests_of("watch").empty(); }));
  const auto watch = api_->requests_of("watch")[0]["query"].get<std::string>();
  EXPECT_THAT(watch, HasSubstr("allowWatchBookmarks=true"));
  EXPECT_THAT(watch, HasSubstr("resourceVersion=" + hosts.resource_version()));
  EXPECT_THAT(watch, HasSubstr("timeoutSeconds="));
}

TEST_F(KubeInformerTest, EventsReachTheStoreAndTheCallbacks) {
  std::mutex mu;
  std::vector<std::string> calls;
  Informer<HostRef>::Handlers h;
  h.on_add = [&](const std::string& ns, const std::string& name, const HostRef& v) {
    std::lock_guard<std::mutex> lk(mu);
    calls.push_back("add " + ns + "/" + name + " " + v.id);
  };
  h.on_update = [&](const std::string&, const std::string& name, const HostRef& before,
                    const HostRef& after) {
    std::lock_guard<std::mutex> lk(mu);
    calls.push_back("update " + name + " " + before.id + "->" + after.id);
  };
  h.on_delete = [&](const std::string&, const std::string& name, const HostRef&) {
    std::lock_guard<std::mutex> lk(mu);
    calls.push_back("delete " + name);
  };
  api_->add_namespace("events");
  Informer<HostRef> hosts(*client_, options("events"), project, h);
  hosts.start();
  ASSERT_TRUE(eventually([&] { return hosts.has_synced(); }));
  ASSERT_EQ(client_->create(resources::kHosts, "events", host_object("events", "a"), in(10s)).code,
            201);
  ASSERT_TRUE(eventually([&] { return hosts.get("events", "a").has_value(); }));
  ASSERT_TRUE(client_
                  ->patch(resources::kHosts, "events", "a", kube::PatchType::Merge,
                          {{"spec", {{"id", "host-77"}}}}, in(10s))
                  .ok());
  ASSERT_TRUE(eventually([&] { return hosts.get("events", "a")->id == "host-77"; }));
  ASSERT_TRUE(client_->remove(resources::kHosts, "events", "a", in(10s)).ok());
  ASSERT_TRUE(eventually([&] { return !hosts.get("events", "a"); }));
  std::lock_guard<std::mutex> lk(mu);
  EXPECT_EQ(calls, (std::vector<std::string>{"add events/a host-a", "update a host-a->host-77",
                                             "delete a"}));
}

TEST_F(KubeInformerTest, BookmarksAdvanceTheResourceVersion) {
  Informer<HostRef> hosts(*client_, options("quiet"), project);
  hosts.start();
  ASSERT_TRUE(eventually([&] { return hosts.has_synced(); }));
  ASSERT_TRUE(eventually([&] { return !api_->requests_of("watch").empty(); }));
  // Changes elsewhere move the server's version on; this watch sees none of them...
  seed("elsewhere", 3);
  const std::string before = hosts.resource_version();
  // ...until a bookmark says how far it has got.
  const std::string now = api_->control("/__bookmark")["resourceVersion"];
  ASSERT_NE(before, now);
  ASSERT_TRUE(eventually([&] { return hosts.resource_version() == now; }));
}

TEST_F(KubeInformerTest, A410ErrorEventMakesItListAgain) {
  seed("gone", 2);
  Informer<HostRef> hosts(*client_, options("gone"), project);
  hosts.start();
  ASSERT_TRUE(eventually([&] { return hosts.has_synced() && hosts.size() == 2; }));
  ASSERT_TRUE(eventually([&] { return !api_->requests_of("watch").empty(); }));
  // While its watch cannot be resumed, a Host is added and the server compacts its history.
  api_->faults({{"rules", {{{"verb", "watch"}, {"status", 500}}}}});
  api_->control("/__close-watches");
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : api_->requests_of("watch"))
      if (r["code"] == 500) return true;
    return false;
  }));
  api_->control("/__objects", json::array({host_object("gone", "late")}));
  api_->control("/__compact");
  api_->faults(json::object());
  // The resumed watch gets 410 (an ERROR event): only a new list is consistent.
  ASSERT_TRUE(eventually([&] { return hosts.get("gone", "late").has_value(); }));
  EXPECT_EQ(hosts.size(), 3u);
  EXPECT_GE(restarts_->count(), 1u);
  EXPECT_EQ(restarts_->first(), "hosts expired");
  EXPECT_EQ(api_->requests_of("list", "hosts").size(), 2u);
}

TEST_F(KubeInformerTest, AnHttp410AlsoMakesItListAgain) {
  seed("gone-http", 1);
  Informer<HostRef> hosts(*client_, options("gone-http"), project);
  hosts.start();
  ASSERT_TRUE(eventually([&] { return hosts.has_synced(); }));
  ASSERT_TRUE(eventually([&] { return !api_->requests_of("watch").empty(); }));
  api_->faults({{"rules", {{{"verb", "watch"}, {"status", 410}, {"times", 1}}}}});
  api_->control("/__close-watches");
  ASSERT_TRUE(eventually([&] { return api_->requests_of("list", "hosts").size() == 2; }));
  EXPECT_EQ(restarts_->first(), "hosts expired");
}

TEST_F(KubeInformerTest, ASelectorAndTheProjectionDecideWhatIsKept) {
  api_->control("/__objects", json::array({host_object("sel", "a", {{"team", "x"}}),
                                           host_object("sel", "b", {{"team", "y"}})}));
  std::atomic<int> deletes{0};
  Informer<HostRef>::Handlers h;
  h.on_delete = [&](const std::string&, const std::string&, const HostRef&) { ++deletes; };
  InformerOptions o = options("sel");
  o.label_selector = "team=x";
  Informer<HostRef> hosts(*client_, o, project, h);
  hosts.start();
  ASSERT_TRUE(eventually([&] { return hosts.has_synced(); }));
  EXPECT_EQ(hosts.size(), 1u);
  EXPECT_TRUE(hosts.get("sel", "a"));
  // Leaving the selection reads as a delete.
  ASSERT_TRUE(client_
                  ->patch(resources::kHosts, "sel", "a", kube::PatchType::Merge,
                          {{"metadata", {{"labels", {{"team", "z"}}}}}}, in(10s))
                  .ok());
  ASSERT_TRUE(eventually([&] { return deletes.load() == 1; }));
  EXPECT_EQ(hosts.size(), 0u);
}

TEST_F(KubeInformerTest, FailuresKeepTheCacheAndSayWhy) {
  seed("kept", 2);
  Informer<HostRef> hosts(*client_, options("kept"), project);
  hosts.start();
  ASSERT_TRUE(eventually([&] { return hosts.has_synced(); }));
  ASSERT_TRUE(eventually([&] { return !api_->requests_of("watch").empty(); }));
  api_->faults({{"rules", {{{"verb", "watch"}, {"status", 403}}}}});
  api_->control("/__close-watches");
  ASSERT_TRUE(eventually([&] { return hosts.last_error().find("403") != std::string::npos; }));
  EXPECT_THAT(hosts.last_error(), HasSubstr("cannot watch resource \"hosts\""));
  EXPECT_TRUE(hosts.has_synced());
  EXPECT_EQ(hosts.size(), 2u);
  api_->faults(json::object());
  ASSERT_TRUE(eventually([&] { return hosts.last_error().empty(); }));  // watching again
}

TEST_F(KubeInformerTest, ItCannotSyncWhileListingIsRefused) {
  api_->faults({{"rules", {{{"verb", "list"}, {"resource", "hosts"}, {"status", 403}}}}});
  Informer<HostRef> hosts(*client_, options("refused"), project);
  hosts.start();
  ASSERT_TRUE(eventually([&] { return api_->requests_of("list", "hosts").size() >= 2; }));
  EXPECT_FALSE(hosts.has_synced());  // /readyz stays false
  EXPECT_THAT(hosts.last_error(), HasSubstr("403"));
  api_->faults(json::object());
  ASSERT_TRUE(eventually([&] { return hosts.has_synced(); }));
}

TEST_F(KubeInformerTest, StopReturnsPromptlyMidWatch) {
  auto hosts = std::make_unique<Informer<HostRef>>(*client_, options("stop"), project);
  hosts->start();
  ASSERT_TRUE(eventually([&] { return !api_->requests_of("watch").empty(); }));
  const auto started = std::chrono::steady_clock::now();
  hosts.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // not the watch's 5-10 minutes
}

}  // namespace
}  // namespace hostadm::servertest
