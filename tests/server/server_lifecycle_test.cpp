// Shutdown as Kubernetes does it: SIGTERM while admissions are in flight. None may fail, /readyz
// must answer 503 during the drain while requests are still served, and the exit code is 0.
#include <atomic>
#include <thread>

#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

TEST(LifecycleTest, SigtermDrainsInFlightRequestsAndExitsZero) {
  TempDir dir;
  MockInventory inv(dir, write_fixture(dir), "lifecycle-token");
  write_file(dir / "token", "lifecycle-token");
  const auto policy = write_policy(dir, "policy.yaml", "inventoryTimeout: 20s\n");
  // A slow inventory keeps the first admissions in flight when the signal arrives.
  inv.faults({{"latencyMs", 4000}});
  Webhook hook(
      dir, {"--inventory-url", inv.url(), "--inventory-token-file", (dir / "token").string(),
            "--inventory-ca", inv.ca.string(), "--policy", policy.string(), "--drain-delay", "6s"});

  constexpr int kInFlight = 8;
  std::atomic<int> ok{0}, failed{0}, started{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kInFlight; ++i)
    clients.emplace_back([&, i] {
      auto c = client_for(hook.port, hook.ca);
      started++;
      const Answer a = admit(*c, "mutate", adapter_review("uid-inflight-" + std::to_string(i)));
      (a.status == 200 && a.allowed() ? ok : failed)++;
    });
  while (started.load() < kInFlight) std::this_thread::sleep_for(10ms);
  // Wait until the admissions are really inside the server, blocked on the inventory.
  ASSERT_TRUE(eventually([&] {
    auto m = client_for(hook.port, hook.ca)->Get("/metrics");
    return m && m->body.find("hostadm_admission_in_flight " + std::to_string(kInFlight)) !=
                    std::string::npos;
  }));

  hook.proc->signal(SIGTERM);
  // Draining: not ready, but still answering admissions on new connections.
  EXPECT_TRUE(eventually([&] {
    auto r = client_for(hook.port, hook.ca)->Get("/readyz");
    return r && r->status == 503;
  }));
  inv.faults(json::object());
  {
    auto c = client_for(hook.port, hook.ca);
    auto h = c->Get("/healthz");
    EXPECT_TRUE(h && h->status == 200);
    const Answer during = admit(*c, "mutate", adapter_review("uid-during-drain"));
    EXPECT_EQ(during.status, 200) << during.body;
    EXPECT_TRUE(during.allowed()) << during.body;
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kInFlight);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(hook.proc->wait(), 0) << hook.proc->err();
  const std::string err = hook.proc->err();
  EXPECT_NE(err.find("shutting down"), std::string::npos) << err;
  EXPECT_NE(err.find("\"msg\":\"stopped\""), std::string::npos) << err;
}

TEST(LifecycleTest, SecondSignalSkipsTheRestOfTheDrain) {
  TempDir dir;
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string(), "--drain-delay", "10m",
                     "--shutdown-timeout", "20m"});
  hook.proc->signal(SIGTERM);
  ASSERT_TRUE(
      eventually([&] { return hook.proc->err().find("shutting down") != std::string::npos; }));
  hook.proc->signal(SIGINT);
  // Without the second signal this would wait for the 10 minute drain.
  EXPECT_EQ(hook.proc->wait(60s), 0) << hook.proc->err();
  EXPECT_NE(hook.proc->err().find("second signal"), std::string::npos);
}

}  // namespace
}  // namespace hostadm::servertest
