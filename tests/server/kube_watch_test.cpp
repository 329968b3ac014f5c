// Client::watch against a real `host-harness serve-kube`: events, bookmarks, the server's
// timeout, 410 as an ERROR event and as an HTTP answer, refusals, and cancellation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/kube_api_fixture.hpp"

namespace hostadm::servertest {
namespace {

using namespace std::chrono_literals;
using kube::Client;
using kube::EventType;
using kube::WatchEnd;
using kube::WatchEvent;
namespace resources = kube::resources;
using ::testing::HasSubstr;

constexpr const char* kToken = "kube-watch-test-token";

class KubeWatchTest : public KubeApiTest<KubeWatchTest> {
 protected:
  static void SetUpTestSuite() { start_api(kToken); }
  void SetUp() override {
    KubeApiTest::SetUp();
    client_ = std::make_unique<Client>(api_->config());
  }
  // The list's resourceVersion of a namespace's Hosts: where a watch starts.
  std::string list_version(const std::string& ns) {
    api_->add_namespace(ns);
    auto r = client_->list(resources::kHosts, ns, {}, in(10s));
    EXPECT_TRUE(r.ok()) << r.describe();
    return r.object["metadata"]["resourceVersion"];
  }
  // Runs a watch on a thread; its events and its end are read back with result().
  struct Running {
    std::vector<WatchEvent> events;
    std::mutex mu;
    WatchEnd end;
    kube::Cancel cancel;
    std::thread thread;
    size_t count() {
      std::lock_guard<std::mutex> lk(mu);
      return events.size();
    }
    WatchEvent at(size_t i) {
      std::lock_guard<std::mutex> lk(mu);
      return events.at(i);
    }
    WatchEnd result() {
      thread.join();
      return end;
    }
    ~Running() {
      cancel.cancel();
      if (thread.joinable()) thread.join();
    }
  };
  std::unique_ptr<Running> start(const std::string& ns, kube::WatchOptions o) {
    auto r = std::make_unique<Running>();
    Running* raw = r.get();
    raw->thread = std::thread([this, raw, ns, o] {
      raw->end = client_->watch(
          resources::kHosts, ns, o,
          [raw](WatchEvent&& e) {
            std::lock_guard<std::mutex> lk(raw->mu);
            raw->events.push_back(std::move(e));
            return true;
          },
          &raw->cancel);
    });
    return r;
  }

  std::unique_ptr<Client> client_;
};

TEST_F(KubeWatchTest, EventsAndBookmarksArriveInOrder) {
  kube::WatchOptions o;
  o.resource_version = list_version("w1");
  o.timeout_seconds = 60;
  auto w = start("w1", o);
  ASSERT_EQ(client_->create(resources::kHosts, "w1", host_object("w1", "a"), in(10s)).code, 201);
  ASSERT_TRUE(client_
                  ->patch(resources::kHosts, "w1", "a", kube::PatchType::Merge,
                          {{"spec", {{"ipAddress", "127.0.0.1"}}}}, in(10s))
                  .ok());
  ASSERT_TRUE(client_->remove(resources::kHosts, "w1", "a", in(10s)).ok());
  ASSERT_TRUE(eventually([&] { return w->count() >= 3; }));
  const std::string rv = api_->control("/__bookmark")["resourceVersion"];
  ASSERT_TRUE(eventually([&] { return w->count() >= 4; }));
  EXPECT_EQ(w->at(0).type, EventType::Added);
  EXPECT_EQ(w->at(1).type, EventType::Modified);
  EXPECT_EQ(w->at(1).object["spec"]["ipAddress"], "127.0.0.1");
  EXPECT_EQ(w->at(2).type, EventType::Deleted);
  EXPECT_EQ(w->at(3).type, EventType::Bookmark);
  EXPECT_EQ(w->at(3).resource_version(), rv);
  w->cancel.cancel();
  EXPECT_EQ(w->result().why, WatchEnd::Why::Stopped);
}

TEST_F(KubeWatchTest, TheServersTimeoutEndsTheWatchCleanly) {
  kube::WatchOptions o;
  o.resource_version = list_version("w2");
  o.timeout_seconds = 1;
  auto w = start("w2", o);
  const WatchEnd end = w->result();
  EXPECT_EQ(end.why, WatchEnd::Why::Closed);
  EXPECT_EQ(end.result.code, 200);
}

TEST_F(KubeWatchTest, AVersionTheServerNoLongerHasEndsExpired) {
  const std::string rv = list_version("w3");
  ASSERT_EQ(client_->create(resources::kHosts, "w3", host_object("w3", "a"), in(10s)).code, 201);
  api_->control("/__compact");
  kube::WatchOptions o;
  o.resource_version = rv;
  WatchEnd end = client_->watch(resources::kHosts, "w3", o, [](WatchEvent&&) { return true; });
  EXPECT_EQ(end.why, WatchEnd::Why::Expired);  // the ERROR event's 410
  EXPECT_EQ(end.result.code, 410);
  EXPECT_EQ(end.result.status.reason, "Expired");
  EXPECT_THAT(end.result.status.message, HasSubstr("too old resource version: " + rv));
  EXPECT_EQ(end.events, 0);
  // The same as an HTTP answer (an API server without a watch cache).
  api_->faults({{"rules", {{{"verb", "watch"}, {"status", 410}}}}});
  end = client_->watch(resources::kHosts, "w3", o, [](WatchEvent&&) { return true; });
  EXPECT_EQ(end.why, WatchEnd::Why::Expired);
}

TEST_F(KubeWatchTest, ARefusedWatchFailsWithItsStatus) {
  api_->faults({{"rules", {{{"verb", "watch"}, {"status", 403}}}}});
  WatchEnd end = client_->watch(resources::kHosts, "w4", {}, [](WatchEvent&&) { return true; });
  EXPECT_EQ(end.why, WatchEnd::Why::Failed);
  EXPECT_EQ(end.result.code, 403);
  EXPECT_THAT(end.result.status.message, HasSubstr("cannot watch resource \"hosts\""));
}

TEST_F(KubeWatchTest, CancelEndsAnIdleWatchAtOnce) {
  kube::WatchOptions o;
  o.resource_version = list_version("w5");
  o.timeout_seconds = 600;
  auto w = start("w5", o);
  ASSERT_TRUE(eventually([&] { return !api_->requests_of("watch").empty(); }));
  const auto started = std::chrono::steady_clock::now();
  w->cancel.cancel();
  EXPECT_EQ(w->result().why, WatchEnd::Why::Stopped);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // not the 600 s timeout
}

}  // namespace
}  // namespace hostadm::servertest
