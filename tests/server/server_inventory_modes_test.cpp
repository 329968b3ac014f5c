// The webhook against `host-harness serve-inventory` in each of the real inventory's failure
// modes: a Provider not yet validated (absent from the listing), a stale Ready copy, the detail>0
// listing's 500 while a provider loads, the 206 that comes only after a long wait, 403 with
// forklift-error-message, and hosts of real size (about 10 KB each).
#include <atomic>
#include <thread>

#include "server/inventory_http_fixture.hpp"

namespace hostadm::servertest {
namespace {

constexpr const char* kToken = "modes-t0ken-that-must-never-be-logged";

const char* kModesFixture = R"(providers:
  - name: vsphere-provider
    namespace: demo
    uid: 22222222-0000-4000-8000-000000000001
    secret: {name: vsphere-secret, namespace: demo}
    hosts:
      - id: host-10
        name: esxi-01.example.com
        status: green
        networkAdapters:
          - {name: Management Network, ipAddress: 192.168.1.10}
  - name: loading-provider
    namespace: demo
    uid: 22222222-0000-4000-8000-000000000002
    secret: {name: s, namespace: demo}
  - name: unvalidated
    namespace: demo
    uid: 22222222-0000-4000-8000-000000000003
    validated: false
    secret: {name: s, namespace: demo}
  - name: stale
    namespace: demo
    uid: 22222222-0000-4000-8000-000000000004
    staleReady: true
    secret: {name: s, namespace: demo}
    hosts:
      - {id: host-40, name: esxi-40.example.com, networkAdapters: [{name: Mgmt, ipAddress: 192.168.4.40}]}
)";

std::string message_of(const Answer& a) {
  return a.response().value("status", json::object()).value("message", "");
}

class InventoryModesTest : public InventoryHttpFixture<InventoryModesTest> {
 public:
  static const char* token() { return kToken; }
  static const char* fixture() { return kModesFixture; }

 protected:
  static json host_on(const std::string& provider, const std::string& id, const std::string& ip) {
    return host_object("h-" + id, {{"provider", {{"name", provider}}},
                                   {"id", id},
                                   {"ipAddress", ip},
                                   {"secret", {{"name", "host-secret"}}}});
  }
};

TEST_F(InventoryModesTest, AProviderNotYetValidatedIsNotFoundWithBothCauses) {
  Webhook& hook = start("inventoryFailure: deny\n");
  auto c = client_for(hook.port, hook.ca);
  const Answer a =
      admit(*c, "mutate", review("uid-unval", "CREATE", host_on("unvalidated", "h", "10.0.0.1")));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_FALSE(a.allowed());
  EXPECT_TRUE(a.has_rule("provider-not-found")) << a.body;
  const std::string msg = message_of(a);
  EXPECT_NE(msg.find("kubectl get providers -n demo"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not validated it yet"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Ready condition"), std::string::npos) << msg;
}

TEST_F(InventoryModesTest, AStaleReadyCopyIsNotReady) {
  Webhook& hook = start("inventoryFailure: deny\n");
  auto c = client_for(hook.port, hook.ca);
  const Answer a = admit(
      *c, "mutate", review("uid-stale", "CREATE", host_on("stale", "host-40", "192.168.4.40")));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_FALSE(a.allowed());
  EXPECT_TRUE(a.has_rule("provider-not-ready")) << a.body;
  EXPECT_NE(message_of(a).find("ConnectionAuthFailed (Critical)"), std::string::npos) << a.body;
  EXPECT_NE(message_of(a).find("phase ConnectionFailed"), std::string::npos) << a.body;
  // The hosts of a provider that is not ready are not asked for.
  EXPECT_EQ(inv_->requests().value("host", -1), 0);
}

TEST_F(InventoryModesTest, ALoadingProviderDoesNotTakeItsNamespaceDown) {
  inv_->faults({{"loading", {"demo/loading-provider"}}});
  // The mock fails the detailed listing of the namespace, as the real inventory does...
  auto res = inv_->client()->Get("/providers?detail=1&namespace=demo");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  // ...and the webhook, which lists at detail 0, still admits Hosts of the other providers.
  Webhook& hook = start("inventoryFailure: deny\n");
  auto c = client_for(hook.port, hook.ca);
  const Answer a =
      admit(*c, "mutate",
            review("uid-load", "CREATE", host_on("vsphere-provider", "host-10", "192.168.1.10")));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_TRUE(a.allowed()) << a.body;
  // The loading provider itself answers 206 on its routes: not ready.
  const Answer b =
      admit(*c, "mutate",
            review("uid-load2", "CREATE", host_on("loading-provider", "host-1", "10.0.0.1")));
  EXPECT_FALSE(b.allowed());
  EXPECT_TRUE(b.has_rule("provider-not-ready")) << b.body;
}

TEST_F(InventoryModesTest, ALate206IsOneInventoryCallPerNegativeTtlAndSaysReSyncing) {
  Webhook& hook = start(
      "inventoryFailure: deny\ninventoryTimeout: 1s\ncache: {ttl: 10m, negativeTtl: 10m, "
      "staleIfError: 10m}\n",
      {"--threads", "32"});
  // The provider is listed, but every route under it waits 3 s, then answers 206.
  inv_->faults({{"unsynced", {"demo/vsphere-provider"}}, {"syncDelayMs", 3000}});
  for (int wave = 0; wave < 2; ++wave) {
    std::atomic<int> resyncing{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i)
      threads.emplace_back([&, i] {
        auto c = client_for(hook.port, hook.ca);
        const Answer a =
            admit(*c, "mutate",
                  review("uid-late-" + std::to_string(wave) + "-" + std::to_string(i), "CREATE",
                         host_on("vsphere-provider", "host-10", "192.168.1.10")));
        const bool ok = a.status == 200 && !a.allowed() && a.has_rule("inventory-unavailable") &&
                        message_of(a).find("re-syncing") != std::string::npos;
        (ok ? resyncing : other)++;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(resyncing.load(), 20) << "wave " << wave;
    EXPECT_EQ(other.load(), 0) << "wave " << wave;
  }
  const json counts = inv_->requests();
  EXPECT_EQ(counts.value("host", -1), 1) << counts;
}

TEST_F(InventoryModesTest, A206WithinTheTimeoutIsProviderNotReady) {
  Webhook& hook = start("inventoryFailure: deny\ninventoryTimeout: 5s\n");
  inv_->faults({{"unsynced", {"demo/vsphere-provider"}}, {"syncDelayMs", 200}});
  auto c = client_for(hook.port, hook.ca);
  const Answer a =
      admit(*c, "mutate",
            review("uid-206", "CREATE", host_on("vsphere-provider", "host-10", "192.168.1.10")));
  EXPECT_FALSE(a.allowed());
  EXPECT_TRUE(a.has_rule("provider-not-ready")) << a.body;
  EXPECT_NE(message_of(a).find("206"), std::string::npos) << a.body;
}

TEST_F(InventoryModesTest, Forbidden403NamesTheInventorysReason) {
  Webhook& hook = start("inventoryFailure: deny\n");
  inv_->faults({{"status", 403}, {"errorMessage", "cannot list providers in namespace demo"}});
  auto c = client_for(hook.port, hook.ca);
  const Answer a =
      admit(*c, "mutate",
            review("uid-403", "CREATE", host_on("vsphere-provider", "host-10", "192.168.1.10")));
  EXPECT_FALSE(a.allowed());
  EXPECT_TRUE(a.has_rule("inventory-unavailable")) << a.body;
  EXPECT_NE(message_of(a).find("403"), std::string::npos) << a.body;
  EXPECT_NE(message_of(a).find("cannot list providers in namespace demo"), std::string::npos)
      << a.body;
  EXPECT_EQ(hook.proc->err().find(kToken), std::string::npos);
}

// 2,000 hosts of about 10 KB each (bench/gen/fixture.py): a Host is looked up by id or by name,
// never by reading the whole list.
TEST_F(InventoryModesTest, RealSizeHostsAreLookedUpOneByOne) {
  const fs::path big = *dir_ / "real-size.json";
  ASSERT_EQ(run_shell("python3 " HOSTADM_SOURCE_DIR "/bench/gen/fixture.py 2000 > " + big.string()),
            0);
  EXPECT_GT(fs::file_size(big), 2000u * 9000u) << "hosts of real size";
  TempDir inv_dir;
  MockInventory real(inv_dir, big, kToken);
  Webhook& hook = start("inventoryFailure: deny\n", {}, &real);
  auto c = client_for(hook.port, hook.ca);
  // By id, with the adapter: the IP is filled from the host's vmk.
  const Answer by_id = admit(*c, "mutate",
                             review("uid-real-1", "CREATE",
                                    host_object("h1",
                                                {{"provider", {{"name", "vsphere-provider"}}},
                                                 {"id", "host-1234"},
                                                 {"secret", {{"name", "s"}}}},
                                                {{kAdapter, "Management Network"}})));
  ASSERT_TRUE(by_id.allowed()) << by_id.body;
  bool filled = false;
  for (const auto& op : by_id.patch())
    if (op["path"] == "/spec/ipAddress") filled = op["value"] == "192.168.4.234";
  EXPECT_TRUE(filled) << by_id.patch();
  // By name, on the distributed switch: the second vmk's IP is consistent.
  const Answer by_name = admit(*c, "mutate",
                               review("uid-real-2", "CREATE",
                                      host_object("h2",
                                                  {{"provider", {{"name", "vsphere-provider"}}},
                                                   {"name", "esxi-01999.example.com"},
                                                   {"ipAddress", "172.17.7.249"},
                                                   {"secret", {{"name", "s"}}}},
                                                  {{kAdapter, "dvs-migration"}})));
  ASSERT_TRUE(by_name.allowed()) << by_name.body;
  EXPECT_FALSE(by_name.has_rule("address-conflict"));
  const json counts = real.requests();
  EXPECT_EQ(counts.value("host", -1), 1) << counts;
  EXPECT_EQ(counts.value("hosts", -1), 1) << counts << " (one ?name= lookup, no whole list)";
}

}  // namespace
}  // namespace hostadm::servertest
