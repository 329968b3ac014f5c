// host-webhook's audit against a real serve-kube: one replica audits under the Lease and another
// takes over when it stops; the PolicyReport of a namespace appears with its counts, follows a
// Host being fixed in place, and goes when the namespace has no Host; an Event marks a finding
// once, not every pass.
#include "server/kube_api_fixture.hpp"
#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

namespace res = kube::resources;

kube::Deadline soon() {
  return std::chrono::steady_clock::now() + 10s;
}

// A Host every rule passes (host-10 of the fixture, its adapter's address, a secret).
json good_host(const std::string& name) {
  return {{"apiVersion", "forklift.konveyor.io/v1beta1"},
          {"kind", "Host"},
          {"metadata", {{"name", name}, {"namespace", "demo"}}},
          {"spec",
           {{"provider", {{"name", "vsphere-provider"}, {"namespace", "demo"}}},
            {"id", "host-10"},
            {"ipAddress", "192.168.1.10"},
            {"secret", {{"name", "host-secret"}, {"namespace", "demo"}}}}}};
}

// Its provider left the inventory: a new Host like it would be refused.
json orphan_host(const std::string& name) {
  json h = good_host(name);
  h["spec"]["provider"]["name"] = "deleted-provider";
  return h;
}

struct Cluster {
  TempDir dir;
  MockKubeApi api{dir, "audit-token"};
  kube::Client client{api.config()};

  Cluster() {
    api.add_namespace("demo");
    api.add_namespace("prod");
  }
  json create(const json& host) {
    auto r = client.create(res::kHosts, host["metadata"]["namespace"], host, soon());
    EXPECT_TRUE(r.ok()) << r.describe();
    return r.object;
  }
  std::optional<json> report(const std::string& ns) {
    auto r = client.get(res::kPolicyReports, ns, "host-webhook", soon());
    if (!r.ok()) return std::nullopt;
    return r.object;
  }
  std::string holder() {
    auto r = client.get(res::kLeases, "demo", "host-webhook-audit", soon());
    return r.ok() ? r.object["spec"].value("holderIdentity", "") : "";
  }
  std::vector<json> events(const std::string& ns) {
    auto r = client.list(res::kEvents, ns, {}, soon());
    std::vector<json> out;
    if (r.ok())
      for (const auto& e : r.object["items"]) out.push_back(e);
    return out;
  }
  std::unique_ptr<Webhook> replica(const std::string& pod, std::vector<std::string> extra = {}) {
    // The audit decides with the cluster checks too; these tests count inventory findings (the
    // orphan, once fixed, is the same ESXi host as `good`), and the fixture's addresses are not
    // loopback: no Secret, duplicate or endpoint check.
    const fs::path policy =
        write_policy(dir, "policy.yaml",
                     "secretCheck: \"off\"\nduplicateCheck: \"off\"\nendpointCheck: \"off\"\n");
    std::vector<std::string> args = {"--inventory-fixture",
                                     write_fixture(dir).string(),
                                     "--kubeconfig",
                                     api.kubeconfig().string(),
                                     "--audit-interval",
                                     "1s",
                                     "--policy",
                                     policy.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Webhook>(dir, args, pod, fs::path(),
                                     std::vector<std::string>{"POD_NAME=" + pod});
  }
};

int passes(const Webhook& hook) {
  const std::string err = hook.proc->err();
  int n = 0;
  for (size_t at = err.find("audit: pass done"); at != std::string::npos;
       at = err.find("audit: pass done", at + 1))
    ++n;
  return n;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

TEST(Audit, OneReplicaAuditsUnderTheLeaseAndAnotherTakesOverWhenItStops) {
  Cluster c;
  c.create(good_host("good"));
  auto a = c.replica("replica-a");
  ASSERT_TRUE(eventually([&] { return starts_with(c.holder(), "replica-a_"); })) << a->proc->err();
  ASSERT_TRUE(eventually([&] { return passes(*a) >= 1; })) << a->proc->err();
  auto b = c.replica("replica-b");
  // b keeps trying while a renews; it never audits meanwhile.
  ASSERT_TRUE(eventually([&] { return passes(*a) >= 3; })) << a->proc->err();
  EXPECT_EQ(passes(*b), 0) << b->proc->err();
  EXPECT_TRUE(starts_with(c.holder(), "replica-a_"));

  a->proc->signal(SIGTERM);  // a clean stop hands the Lease back
  EXPECT_EQ(a->proc->wait(30s), 0) << a->proc->err();
  // Handed back: b may take it at its next try instead of 15 s after a's last renewal.
  const std::string after = c.holder();
  EXPECT_TRUE(after.empty() || starts_with(after, "replica-b_")) << after;
  ASSERT_TRUE(eventually([&] { return starts_with(c.holder(), "replica-b_"); }, 30s))
      << b->proc->err();
  EXPECT_TRUE(eventually([&] { return passes(*b) >= 1; })) << b->proc->err();
  auto lease = c.client.get(res::kLeases, "demo", "host-webhook-audit", soon());
  EXPECT_EQ(lease.object["spec"]["leaseDurationSeconds"], 15);
  EXPECT_GE(lease.object["spec"].value("leaseTransitions", 0), 0);
}

TEST(Audit, TheReportFollowsTheHostsAndAFindingGetsOneEvent) {
  Cluster c;
  c.create(good_host("good"));
  const json orphan = c.create(orphan_host("orphan"));
  auto hook = c.replica("replica-a");
  ASSERT_TRUE(eventually([&] { return c.report("demo").has_value(); })) << hook->proc->err();
  json report = *c.report("demo");
  EXPECT_EQ(report["summary"]["pass"], 1);
  EXPECT_EQ(report["summary"]["fail"], 1);
  EXPECT_EQ(report["summary"]["warn"], 0);
  const std::string uid = report["metadata"]["uid"];
  bool found = false;
  for (const auto& r : report["results"])
    if (r["rule"] == "provider-not-found") {
      found = true;
      EXPECT_EQ(r["result"], "fail");
      EXPECT_EQ(r["resources"][0]["name"], "orphan");
      EXPECT_EQ(r["resources"][0]["uid"], orphan["metadata"]["uid"]);
    }
  EXPECT_TRUE(found) << report.dump();
  EXPECT_FALSE(c.report("prod").has_value()) << "a namespace without Hosts has no report";

  // One Event for the finding, however many passes see it.
  ASSERT_TRUE(eventually([&] { return passes(*hook) >= 3; })) << hook->proc->err();
  auto events = c.events("demo");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "Warning");
  EXPECT_EQ(events[0]["reason"], "provider-not-found");
  EXPECT_EQ(events[0]["involvedObject"]["name"], "orphan");
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Host");

  // Fixed: its result goes, the report is updated in place (same uid), no new Event.
  json fixed = c.client.get(res::kHosts, "demo", "orphan", soon()).object;
  fixed["spec"]["provider"]["name"] = "vsphere-provider";
  ASSERT_TRUE(c.client.update(res::kHosts, "demo", fixed, soon()).ok());
  ASSERT_TRUE(eventually([&] {
    auto r = c.report("demo");
    return r && (*r)["summary"]["fail"] == 0;
  })) << hook->proc->err();
  report = *c.report("demo");
  EXPECT_EQ(report["summary"]["pass"], 2);
  EXPECT_EQ(report["metadata"]["uid"], uid) << "the report was recreated, not updated";
  EXPECT_EQ(c.events("demo").size(), 1u);

  // Broken again: a finding that comes back is new, and gets its Event.
  fixed = c.client.get(res::kHosts, "demo", "orphan", soon()).object;
  fixed["spec"]["provider"]["name"] = "deleted-provider";
  ASSERT_TRUE(c.client.update(res::kHosts, "demo", fixed, soon()).ok());
  EXPECT_TRUE(eventually([&] { return c.events("demo").size() == 2; })) << hook->proc->err();

  // No Host left: no report.
  ASSERT_TRUE(c.client.remove(res::kHosts, "demo", "good", soon()).ok());
  ASSERT_TRUE(c.client.remove(res::kHosts, "demo", "orphan", soon()).ok());
  EXPECT_TRUE(eventually([&] { return !c.report("demo").has_value(); })) << hook->proc->err();
}

// After a restart the stored report tells which findings already had their Event.
TEST(Audit, ARestartedReplicaDoesNotRepeatTheEvents) {
  Cluster c;
  c.create(orphan_host("orphan"));
  {
    auto hook = c.replica("replica-a");
    ASSERT_TRUE(eventually([&] { return c.events("demo").size() == 1; })) << hook->proc->err();
    hook->proc->signal(SIGTERM);
    EXPECT_EQ(hook->proc->wait(30s), 0);
  }
  auto again = c.replica("replica-b");
  ASSERT_TRUE(eventually([&] { return passes(*again) >= 2; })) << again->proc->err();
  EXPECT_EQ(c.events("demo").size(), 1u);
}

TEST(Audit, TheMetricsSayWhoLeadsAndWhatTheLastPassFound) {
  Cluster c;
  c.create(good_host("good"));
  c.create(orphan_host("orphan"));
  auto hook = c.replica("replica-a");
  ASSERT_TRUE(eventually([&] { return passes(*hook) >= 1; })) << hook->proc->err();
  auto http = client_for(hook->port, hook->ca);
  const std::string metrics = http->Get("/metrics")->body;
  EXPECT_NE(metrics.find("hostadm_leader 1"), std::string::npos) << metrics;
  EXPECT_NE(
      metrics.find(
          R"(hostadm_audit_findings{namespace="demo",result="fail",rule="provider-not-found"} 1)"),
      std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find(R"(hostadm_audit_findings{namespace="demo",result="pass",rule="admission"} 1)"),
      std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("hostadm_audit_last_run_timestamp_seconds 0\n"), std::string::npos);
}

TEST(Audit, WithoutLeaderElectionEveryReplicaAuditsAndNoLeaseIsTaken) {
  Cluster c;
  c.create(good_host("good"));
  auto hook = c.replica("replica-a", {"--leader-elect=false"});
  ASSERT_TRUE(eventually([&] { return passes(*hook) >= 1; })) << hook->proc->err();
  EXPECT_EQ(c.holder(), "");
  EXPECT_TRUE(c.report("demo").has_value());
}

}  // namespace
}  // namespace hostadm::servertest
