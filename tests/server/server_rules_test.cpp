// Every rule id end to end through the real server: once with the in-process fixture inventory and
// once against `host-harness serve-inventory` over HTTPS with a bearer token, so the HTTP client,
// the cache and the server give the same answers. Then the inventory failure modes through
// POST /__faults: each failure policy, answers before the apiserver's deadline, stale-if-error,
// and one hosts fetch for 100 concurrent cold requests.
#include <atomic>
#include <thread>

#include "server/inventory_http_fixture.hpp"

namespace hostadm::servertest {
namespace {

constexpr const char* kToken = "s3cr3t-t0ken-value-that-must-never-be-logged";

json spec_with(const json& extra) {
  json spec = {{"provider", {{"name", "vsphere-provider"}}}, {"id", "host-10"}};
  for (const auto& [k, v] : extra.items()) {
    if (v.is_null())
      spec.erase(k);
    else
      spec[k] = v;
  }
  return spec;
}

struct RuleCase {
  std::string rule;
  bool allowed;
  json object;
  json old_object = nullptr;
  std::string operation = "CREATE";
};

std::vector<RuleCase> rule_cases() {
  const json ann = {{kAdapter, "Management Network"}};
  return {
      {"malformed", false, host_object("m", spec_with({{"ipAddress", 5}}))},
      {"provider-missing", false,
       host_object("pm", spec_with({{"provider", nullptr}, {"ipAddress", "192.168.1.10"}}))},
      {"provider-cross-namespace", false,
       host_object("pc",
                   spec_with({{"provider", {{"name", "vsphere-provider"}, {"namespace", "other"}}},
                              {"ipAddress", "192.168.1.10"}}))},
      {"provider-not-found", false,
       host_object("pnf",
                   spec_with({{"provider", {{"name", "nope"}}}, {"ipAddress", "192.168.1.10"}}))},
      {"provider-not-vsphere", false,
       host_object("pnv",
                   spec_with({{"provider", {{"name", "ocp"}}}, {"ipAddress", "192.168.1.10"}}))},
      {"provider-not-ready", false,
       host_object("pnr", spec_with({{"provider", {{"name", "not-ready"}}},
                                     {"ipAddress", "192.168.1.10"}}))},
      // Not synced: the inventory answers 206 for its hosts.
      {"provider-not-ready", false,
       host_object(
           "pns", spec_with({{"provider", {{"name", "syncing"}}}, {"ipAddress", "192.168.1.10"}}))},
      {"host-ref-missing", false,
       host_object("hrm", spec_with({{"id", nullptr}, {"ipAddress", "192.168.1.10"}}))},
      {"host-not-found", false,
       host_object("hnf", spec_with({{"id", "host-99"}, {"ipAddress", "192.168.1.10"}}))},
      {"host-ambiguous", false,
       host_object("ha", spec_with({{"id", nullptr},
                                    {"name", "esxi-dup.example.com"},
                                    {"ipAddress", "192.168.1.12"}}))},
      {"address-missing", false, host_object("am", spec_with({}))},
      {"address-conflict", false,
       host_object("ac", spec_with({{"ipAddress", "192.168.1.99"}}), ann)},
      {"adapter-not-found", false, host_object("anf", spec_with({}), {{kAdapter, "Nope Network"}})},
      {"adapter-no-ip", false, host_object("ani", spec_with({}), {{kAdapter, "Storage Network"}})},
      {"address-invalid", false,
       host_object("ai", spec_with({{"ipAddress", "https://192.168.1.10:443/"}}))},
      {"secret-cross-namespace", false,
       host_object("sc",
                   spec_with({{"ipAddress", "192.168.1.10"},
                              {"secret", {{"name", "other-secret"}, {"namespace", "other"}}}}))},
      {"host-in-maintenance", true,
       host_object("him", spec_with({{"id", "host-11"}}), {{kAdapter, "Mgmt"}})},
      {"host-status-not-green", true,
       host_object("hsg", spec_with({{"id", "host-11"}}), {{kAdapter, "Mgmt"}})},
      {"adapter-name-repeated", true,
       host_object("anr", spec_with({{"id", "host-11"}}), {{kAdapter, "Mgmt"}})},
      {"address-not-on-host", true,
       host_object("anoh", spec_with({{"ipAddress", "192.168.1.200"}}))},
      {"vcenter-credentials", true, host_object("vc", spec_with({}), ann)},
      {"address-refreshed", true, host_object("ar", spec_with({{"ipAddress", "192.168.1.9"}}), ann),
       host_object("ar", spec_with({{"ipAddress", "192.168.1.9"}}), ann), "UPDATE"},
  };
}

void expect_rule_verdicts(int port, const fs::path& ca) {
  auto c = client_for(port, ca);
  int n = 0;
  for (const auto& rc : rule_cases()) {
    SCOPED_TRACE(rc.rule);
    const Answer a =
        admit(*c, "mutate",
              review("uid-rule-" + std::to_string(n++), rc.operation, rc.object, rc.old_object));
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.allowed(), rc.allowed) << a.body;
    EXPECT_TRUE(a.has_rule(rc.rule)) << a.body;
    if (!rc.allowed) {
      const int code = a.response()["status"].value("code", 0);
      EXPECT_EQ(code, rc.rule == "malformed" ? 400 : 403) << a.body;
    }
    if (rc.rule == "address-refreshed") {
      bool refreshed = false;
      for (const auto& op : a.patch())
        if (op["path"] == "/spec/ipAddress" && op["value"] == "192.168.1.10") refreshed = true;
      EXPECT_TRUE(refreshed) << a.patch();
    }
  }
}

TEST(RulesFixtureTest, EveryRuleEndToEnd) {
  TempDir dir;
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string()});
  expect_rule_verdicts(hook.port, hook.ca);
}

TEST(RulesFixtureTest, SecretMissingUnderSecretDefaultNever) {
  TempDir dir;
  const auto policy = write_policy(dir, "policy.yaml", "secretDefault: never\n");
  Webhook hook(dir,
               {"--inventory-fixture", write_fixture(dir).string(), "--policy", policy.string()});
  auto c = client_for(hook.port, hook.ca);
  const Answer a = admit(
      *c, "mutate",
      review("uid-sm", "CREATE", host_object("sm", spec_with({{"ipAddress", "192.168.1.10"}}))));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_FALSE(a.allowed());
  EXPECT_TRUE(a.has_rule("secret-missing")) << a.body;
}

// Stored Hosts through both endpoints: an UPDATE that leaves spec and the adapter annotation
// alone only warns about what the inventory says now; a deletion in progress is let through
// untouched; an owner reference removed on UPDATE is not put back.
TEST(RulesFixtureTest, StoredHostUpdatesThroughMutateAndValidate) {
  TempDir dir;
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string()});
  auto c = client_for(hook.port, hook.ca);
  const json ann = {{kAdapter, "Management Network"}};
  json gone = host_object("orphan",
                          spec_with({{"provider", {{"name", "deleted-provider"}}},
                                     {"ipAddress", "192.168.1.10"},
                                     {"secret", {{"name", "s"}, {"namespace", "demo"}}}}),
                          ann);
  json relabelled = gone;
  relabelled["metadata"]["labels"] = {{"team", "a"}};
  json moved = gone;
  moved["spec"]["ipAddress"] = "192.168.1.11";
  json deleting = gone;
  deleting["metadata"]["deletionTimestamp"] = "2026-11-20T09:00:00Z";
  json finalized = deleting;
  finalized["metadata"]["finalizers"] = {"example.com/cleanup"};
  json owned = host_object(
      "owned", spec_with({{"ipAddress", "192.168.1.10"},
                          {"provider", {{"name", "vsphere-provider"}, {"namespace", "demo"}}},
                          {"secret", {{"name", "s"}, {"namespace", "demo"}}}}));
  json orphaned = owned;
  owned["metadata"]["ownerReferences"] = {{{"apiVersion", "forklift.konveyor.io/v1beta1"},
                                           {"kind", "Provider"},
                                           {"name", "vsphere-provider"},
                                           {"uid", "uid-1"},
                                           {"controller", true}}};
  int n = 0;
  for (const char* endpoint : {"mutate", "validate"}) {
    SCOPED_TRACE(endpoint);
    auto send = [&](const json& object, const json& old) {
      return admit(*c, endpoint,
                   review("uid-stored-" + std::to_string(n++), "UPDATE", object, old));
    };
    const Answer label = send(relabelled, gone);
    ASSERT_EQ(label.status, 200) << label.body;
    EXPECT_TRUE(label.allowed()) << label.body;
    EXPECT_TRUE(label.has_rule("provider-not-found")) << label.body;
    EXPECT_TRUE(label.patch().empty()) << label.body;

    const Answer changed = send(moved, gone);
    EXPECT_FALSE(changed.allowed()) << changed.body;
    EXPECT_TRUE(changed.has_rule("provider-not-found")) << changed.body;
    EXPECT_EQ(changed.response()["status"].value("code", 0), 403);

    const Answer finalizer = send(deleting, finalized);
    EXPECT_TRUE(finalizer.allowed()) << finalizer.body;
    EXPECT_TRUE(finalizer.warnings().empty()) << finalizer.body;
    EXPECT_TRUE(finalizer.patch().empty()) << finalizer.body;

    const Answer gc = send(orphaned, owned);
    EXPECT_TRUE(gc.allowed()) << gc.body;
    for (const auto& op : gc.patch())
      EXPECT_EQ(op["path"].get<std::string>().rfind("/metadata", 0), std::string::npos)
          << "the owner reference came back: " << gc.patch();
  }
  // The same orphaned Host created anew gets its owner reference.
  const Answer create = admit(*c, "mutate", review("uid-stored-create", "CREATE", orphaned));
  ASSERT_TRUE(create.allowed()) << create.body;
  bool owner = false;
  for (const auto& op : create.patch()) owner = owner || op["path"] == "/metadata/ownerReferences";
  EXPECT_TRUE(owner) << create.patch();
}

// The inventory over HTTPS, shared by the tests below; each test starts its own webhook so it
// begins with a cold cache.
class InventoryHttpTest : public InventoryHttpFixture<InventoryHttpTest> {
 public:
  static const char* token() { return kToken; }
  static const char* fixture() { return kFixture; }

 protected:
  static json adapter_host(const std::string& name) {
    return host_object(name, spec_with({}), {{kAdapter, "Management Network"}});
  }
};

TEST_F(InventoryHttpTest, EveryRuleEndToEndOverHttpsWithToken) {
  Webhook& hook = start("inventoryFailure: deny\n");
  expect_rule_verdicts(hook.port, hook.ca);
  const json counts = inv_->requests();
  EXPECT_GE(counts.value("total", 0), 1) << counts;
}

// Who asked is in the admission log line; the inventory token the webhook holds is not.
TEST_F(InventoryHttpTest, AdmissionLogLineNamesTheRequestingUserAndNoToken) {
  Webhook& hook = start("inventoryFailure: deny\n");
  auto c = client_for(hook.port, hook.ca);
  json r = review("uid-user-log", "CREATE", adapter_host("u"));
  r["request"]["userInfo"] = {
      {"username", "system:serviceaccount:gitops:argocd-application-controller"},
      {"groups", {"system:serviceaccounts"}},
      {"extra", {{"authentication.kubernetes.io/credential-id", {"JTI=must-not-be-logged"}}}}};
  ASSERT_EQ(admit(*c, "mutate", r).status, 200);
  const std::string line = log_line_with(*hook.proc, "uid-user-log");
  ASSERT_FALSE(line.empty()) << hook.proc->err();
  const json entry = json::parse(line);
  EXPECT_EQ(entry["msg"], "admission");
  EXPECT_EQ(entry["user"], "system:serviceaccount:gitops:argocd-application-controller");
  EXPECT_EQ(line.find(kToken), std::string::npos);
  EXPECT_EQ(hook.proc->err().find("must-not-be-logged"), std::string::npos);
}

struct FaultCase {
  const char* name;
  json fault;
};

const std::vector<FaultCase>& fault_cases() {
  static const std::vector<FaultCase> cases = {
      {"500", {{"status", 500}}}, {"206", {{"status", 206}}},          {"401", {{"status", 401}}},
      {"drop", {{"drop", true}}}, {"latency", {{"latencyMs", 20000}}},
  };
  return cases;
}

TEST_F(InventoryHttpTest, FaultsUnderDenyPolicyDenyWithInventoryUnavailable) {
  for (const auto& fc : fault_cases()) {
    SCOPED_TRACE(fc.name);
    Webhook& hook = start("inventoryFailure: deny\ninventoryTimeout: 1s\n");
    inv_->faults(fc.fault);
    auto c = client_for(hook.port, hook.ca);
    const Answer a = admit(*c, "mutate", review("uid-deny", "CREATE", adapter_host("d")));
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_FALSE(a.allowed()) << a.body;
    EXPECT_EQ(a.response()["uid"], "uid-deny");
    // A 206 for the provider list reads as "not synced"; everything else as unavailable.
    EXPECT_TRUE(a.has_rule("inventory-unavailable") || a.has_rule("provider-not-ready")) << a.body;
    inv_->faults(json::object());
  }
}

TEST_F(InventoryHttpTest, FaultsUnderAllowPolicyAllowWithAWarningAndNoInventoryPatch) {
  for (const auto& fc : fault_cases()) {
    if (std::string(fc.name) == "206") continue;  // not an outage: provider-not-ready denies
    SCOPED_TRACE(fc.name);
    Webhook& hook = start("inventoryFailure: allow\ninventoryTimeout: 1s\n");
    inv_->faults(fc.fault);
    auto c = client_for(hook.port, hook.ca);
    const Answer a = admit(*c, "mutate", review("uid-allow", "CREATE", adapter_host("a")));
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_TRUE(a.allowed()) << a.body;
    EXPECT_TRUE(a.has_rule("inventory-unavailable")) << a.body;
    for (const auto& op : a.patch()) EXPECT_NE(op["path"], "/spec/ipAddress") << a.body;
    inv_->faults(json::object());
  }
}

TEST_F(InventoryHttpTest, FaultsUnderDeferPolicyAnswer503) {
  for (const auto& fc : fault_cases()) {
    if (std::string(fc.name) == "206") continue;
    SCOPED_TRACE(fc.name);
    Webhook& hook = start("inventoryFailure: defer\ninventoryTimeout: 1s\n");
    inv_->faults(fc.fault);
    auto c = client_for(hook.port, hook.ca);
    const Answer a = admit(*c, "validate", review("uid-defer", "CREATE", adapter_host("f")));
    EXPECT_EQ(a.status, 503) << a.body;
    inv_->faults(json::object());
  }
}

TEST_F(InventoryHttpTest, SlowInventoryIsAnsweredBeforeTheApiserverTimeout) {
  // inventoryTimeout is longer than the apiserver's timeout: the ?timeout= deadline must win.
  Webhook& hook = start("inventoryFailure: deny\ninventoryTimeout: 30s\n");
  inv_->faults({{"latencyMs", 20000}});
  // The client gives up exactly when the apiserver would; the answer must come before that.
  auto c = client_for(hook.port, hook.ca, /*read_timeout_s=*/5);
  const Answer a = admit(*c, "mutate", review("uid-slow", "CREATE", adapter_host("s")), "5s");
  ASSERT_EQ(a.status, 200) << "no answer before the 5s timeout";
  EXPECT_FALSE(a.allowed());
  EXPECT_TRUE(a.has_rule("inventory-unavailable")) << a.body;
}

TEST_F(InventoryHttpTest, StaleIfErrorServesTheCachedAnswerWithAWarning) {
  Webhook& hook =
      start("inventoryFailure: deny\ncache: {ttl: 1s, negativeTtl: 1s, staleIfError: 10m}\n");
  auto c = client_for(hook.port, hook.ca);
  const Answer fresh = admit(*c, "mutate", review("uid-fresh", "CREATE", adapter_host("st")));
  ASSERT_TRUE(fresh.allowed()) << fresh.body;
  std::this_thread::sleep_for(1500ms);  // let the entries pass their TTL
  inv_->faults({{"status", 500}});
  const Answer stale = admit(*c, "mutate", review("uid-stale", "CREATE", adapter_host("st")));
  ASSERT_EQ(stale.status, 200) << stale.body;
  EXPECT_TRUE(stale.allowed()) << stale.body;
  EXPECT_TRUE(stale.has_rule("inventory-stale")) << stale.body;
  EXPECT_EQ(stale.patch(), fresh.patch());
}

// Past --active-threads a request waits for a running worker; a worker waiting on a slow
// inventory must not hold it there: the loop wakes another. The slow answer (5 s) is the barrier:
// the cached admission and the probe must both be answered while it is still outstanding.
TEST_F(InventoryHttpTest, AnAdmissionWaitingOnTheInventoryDoesNotHoldTheOthers) {
  Webhook& hook = start("inventoryFailure: deny\ninventoryTimeout: 20s\n",
                        {"--threads", "4", "--active-threads", "1"});
  auto c = client_for(hook.port, hook.ca);
  const Answer warm = admit(*c, "mutate", review("uid-warm", "CREATE", adapter_host("warm")));
  ASSERT_TRUE(warm.allowed()) << warm.body;  // the listing, the provider and host-10 are cached

  inv_->reset_requests();
  inv_->faults({{"latencyMs", 5000}});
  std::atomic<bool> slow_done{false};
  Answer slow;
  std::thread slow_client([&] {
    auto own = client_for(hook.port, hook.ca);
    slow = admit(
        *own, "mutate",
        review("uid-slow", "CREATE",
               host_object("slow", spec_with({{"id", "host-12"}, {"ipAddress", "192.168.1.12"}}))));
    slow_done = true;
  });
  // The cold host-12 lookup has reached the inventory: the one active worker waits on it.
  for (int i = 0; i < 200 && inv_->requests().value("host", 0) < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_GE(inv_->requests().value("host", 0), 1) << "the slow lookup never reached the inventory";

  const Answer fast = admit(*c, "mutate", review("uid-fast", "CREATE", adapter_host("fast")));
  auto probe = client_for(hook.port, hook.ca)->Get("/healthz");
  const bool slow_was_done = slow_done;
  slow_client.join();
  inv_->faults(json::object());
  EXPECT_FALSE(slow_was_done) << "the others were answered only after the slow admission";
  EXPECT_TRUE(fast.allowed()) << fast.body;
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->status, 200);
  EXPECT_EQ(slow.status, 200) << slow.body;
  EXPECT_TRUE(slow.allowed()) << slow.body;
}

TEST_F(InventoryHttpTest, HundredConcurrentColdRequestsCauseOneHostsFetch) {
  Webhook& hook = start("inventoryFailure: deny\ninventoryTimeout: 5s\n", {"--threads", "128"});
  // Slow answers keep the first fetch in flight while the others arrive.
  inv_->faults({{"latencyMs", 500}});
  std::atomic<int> allowed{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i)
    threads.emplace_back([&, i] {
      auto c = client_for(hook.port, hook.ca);
      const Answer a =
          admit(*c, "mutate", review("uid-c" + std::to_string(i), "CREATE", adapter_host("c")));
      (a.status == 200 && a.allowed() ? allowed : failed)++;
    });
  for (auto& t : threads) t.join();
  inv_->faults(json::object());
  EXPECT_EQ(allowed.load(), 100) << hook.proc->err().substr(0, 4000);
  EXPECT_EQ(failed.load(), 0);
  const json counts = inv_->requests();
  // One call per answer a cold admission needs: the namespace's listing, the provider, the host.
  EXPECT_EQ(counts.value("host", -1), 1) << counts;
  EXPECT_EQ(counts.value("hosts", -1), 0) << counts;
  EXPECT_EQ(counts.value("providers", -1), 1) << counts;
  EXPECT_EQ(counts.value("provider", -1), 1) << counts;
  // The fetches show up in the webhook's inventory metrics, and cache hits too.
  auto m = client_for(hook.port, hook.ca)->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find(R"(hostadm_inventory_requests_total{kind="hosts",outcome="ok"} 1)"),
            std::string::npos)
      << m->body.substr(0, 3000);
}

}  // namespace
}  // namespace hostadm::servertest
