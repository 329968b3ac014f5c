// The cluster checks through the real host-webhook and the mock Kubernetes API
// (`host-harness serve-kube`): the Secret rules read the Host's Secret with `get`, duplicates
// come from the watched Hosts, /readyz waits for their first list, and a refusing, slow or down
// API still gets every admission answered within its deadline, with secret-unreadable. The
// endpoint check is off here: the fixture's hosts have 192.168.x addresses, which no test dials
// (server_cluster_view_test checks the endpoint against VMware's simulator on loopback).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/kube_api_fixture.hpp"
#include "server/server_support.hpp"
#include "webhook/core/admission.hpp"

namespace hostadm::servertest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "cluster-checks-test-token-0001";
constexpr const char* kPassword = "esx-test-password";

json host_spec(const std::string& secret_name, const std::string& id = "host-10") {
  return {{"provider", {{"name", "vsphere-provider"}}},
          {"id", id},
          {"secret", {{"name", secret_name}, {"namespace", "demo"}}}};
}

json create(const std::string& name, const std::string& secret_name) {
  return review("uid-" + name, "CREATE",
                host_object(name, host_spec(secret_name), {{kAdapter, "Management Network"}}));
}

class ClusterChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = std::make_unique<MockKubeApi>(dir_, kToken);
    api_->add_namespace("demo");
    api_->control("/__objects",
                  json::array({secret("esxi", {{"user", "root"}, {"password", kPassword}}),
                               secret("half", {{"user", "root"}})}));
  }
  void start(const std::string& policy_yaml = "endpointCheck: off\n",
             const std::string& kubeconfig = "") {
    const fs::path policy = write_policy(dir_, "policy.yaml", policy_yaml);
    hook_ = std::make_unique<Webhook>(
        dir_, std::vector<std::string>{
                  "--inventory-fixture", write_fixture(dir_).string(), "--kubeconfig",
                  kubeconfig.empty() ? api_->kubeconfig().string() : kubeconfig, "--policy",
                  policy.string()});
    client_ = client_for(hook_->port, hook_->ca);
  }
  bool ready() { return client_->Get("/readyz")->status == 200; }

  TempDir dir_;
  std::unique_ptr<MockKubeApi> api_;
  std::unique_ptr<Webhook> hook_;
  std::unique_ptr<httplib::SSLClient> client_;
};

TEST_F(ClusterChecksTest, TheSecretRulesReadTheHostsSecret) {
  start();
  ASSERT_TRUE(eventually([&] { return ready(); }));
  const Answer good = admit(*client_, "mutate", create("good", "esxi"));
  EXPECT_TRUE(good.allowed()) << good.body;
  EXPECT_THAT(good.body, Not(HasSubstr("secret-")));
  EXPECT_THAT(good.body, Not(HasSubstr(kPassword)));

  const Answer absent = admit(*client_, "mutate", create("absent", "absent"));
  EXPECT_TRUE(absent.allowed()) << absent.body;
  EXPECT_TRUE(absent.has_rule("secret-not-found")) << absent.body;

  const Answer half = admit(*client_, "validate", create("half", "half"));
  EXPECT_FALSE(half.allowed()) << half.body;
  EXPECT_TRUE(half.has_rule("secret-missing-keys")) << half.body;
  EXPECT_THAT(half.body, HasSubstr("password"));

  // Only `get` on the Secrets named, never a list or a watch.
  EXPECT_FALSE(api_->requests_of("get", "secrets").empty());
  EXPECT_TRUE(api_->requests_of("list", "secrets").empty());
  EXPECT_TRUE(api_->requests_of("watch", "secrets").empty());
  EXPECT_THAT(hook_->proc->err(), Not(HasSubstr(kPassword)));
}

TEST_F(ClusterChecksTest, AForbiddenOrSlowReadWarnsSecretUnreadableAndAdmits) {
  start("endpointCheck: off\nkubeApiTimeout: 500ms\n");
  ASSERT_TRUE(eventually([&] { return ready(); }));
  api_->faults({{"rules", {{{"verb", "get"}, {"resource", "secrets"}, {"status", 403}}}}});
  const Answer forbidden = admit(*client_, "mutate", create("forbidden", "esxi"));
  EXPECT_TRUE(forbidden.allowed()) << forbidden.body;
  EXPECT_TRUE(forbidden.has_rule("secret-unreadable")) << forbidden.body;
  EXPECT_THAT(forbidden.body, HasSubstr("403"));

  api_->faults({{"rules", {{{"verb", "get"}, {"resource", "secrets"}, {"latencyMs", 8000}}}}});
  const Answer slow = admit(*client_, "mutate", create("slow", "esxi"), "5s");
  ASSERT_EQ(slow.status, 200) << "answered before the apiserver's 5 s timeout";
  EXPECT_TRUE(slow.allowed()) << slow.body;
  EXPECT_TRUE(slow.has_rule("secret-unreadable")) << slow.body;
  EXPECT_THAT(slow.body, HasSubstr("timeout"));
}

TEST_F(ClusterChecksTest, ADownApiLeavesThePart1RulesAndWarnsSecretUnreadable) {
  const std::string down = (dir_ / "down-kubeconfig").string();
  {
    // The same kubeconfig aimed at a port nothing listens on.
    const int port = api_->port();
    api_.reset();
    std::string text = read_file(dir_ / "kubeconfig");
    const std::string from = ":" + std::to_string(port);
    text.replace(text.find(from), from.size(), ":1");
    write_file(down, text);
  }
  start("endpointCheck: off\n", down);
  EXPECT_FALSE(ready()) << "the Hosts were never listed";
  const Answer a = admit(*client_, "mutate", create("down", "esxi"), "5s");
  ASSERT_EQ(a.status, 200);
  EXPECT_TRUE(a.allowed()) << a.body;
  EXPECT_TRUE(a.has_rule("secret-unreadable")) << a.body;
  EXPECT_FALSE(a.patch().empty()) << "the inventory's rules still fill in the address";
  const Answer bad =
      admit(*client_, "validate",
            review("uid-bad", "CREATE", host_object("bad", host_spec("esxi", "host-404"))), "5s");
  EXPECT_FALSE(bad.allowed()) << bad.body;
  EXPECT_TRUE(bad.has_rule("host-not-found")) << bad.body;
}

TEST_F(ClusterChecksTest, ADuplicateAppearsAndDisappearsThroughTheWatch) {
  start();
  ASSERT_TRUE(eventually([&] { return ready(); }));
  EXPECT_TRUE(admit(*client_, "validate", create("new", "esxi")).allowed());
  api_->control("/__objects", json::array({host_object("old", host_spec("esxi"))}));
  ASSERT_TRUE(eventually([&] {
    return admit(*client_, "validate", create("new", "esxi")).has_rule("host-duplicate");
  }));
  const Answer dup = admit(*client_, "validate", create("new", "esxi"));
  EXPECT_FALSE(dup.allowed());
  EXPECT_THAT(dup.body, HasSubstr("old"));

  kube::Client c(api_->config());
  ASSERT_TRUE(c.remove(kube::resources::kHosts, "demo", "old",
                       kube::SteadyClock::now() + std::chrono::seconds(10))
                  .ok());
  EXPECT_TRUE(
      eventually([&] { return admit(*client_, "validate", create("new", "esxi")).allowed(); }));
}

TEST_F(ClusterChecksTest, ReadyzWaitsForTheFirstListOfHosts) {
  api_->faults({{"rules", {{{"verb", "list"}, {"resource", "hosts"}, {"status", 403}}}}});
  start();
  auto res = client_->Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_THAT(res->body, HasSubstr("Hosts"));
  api_->faults(json::object());
  EXPECT_TRUE(eventually([&] { return ready(); }));
}

TEST_F(ClusterChecksTest, ARotatedTokenKeepsTheChecksWorking) {
  start();
  ASSERT_TRUE(eventually([&] { return ready(); }));
  ASSERT_FALSE(admit(*client_, "mutate", create("one", "esxi")).has_rule("secret-unreadable"));
  write_file(dir_ / "rotated", "cluster-checks-test-token-0002\n");
  fs::rename(dir_ / "rotated", api_->client_token());
  write_file(api_->server_token(), "cluster-checks-test-token-0002\n");
  // Another Secret: not from the cache, a new read with the new token.
  const Answer a = admit(*client_, "mutate", create("two", "half"));
  EXPECT_FALSE(a.has_rule("secret-unreadable")) << a.body;
  EXPECT_TRUE(a.has_rule("secret-missing-keys")) << a.body;
}

TEST_F(ClusterChecksTest, LookupsAreCounted) {
  start();
  ASSERT_TRUE(eventually([&] { return ready(); }));
  admit(*client_, "mutate", create("a", "esxi"));
  admit(*client_, "mutate", create("b", "esxi"));
  const std::string metrics = client_->Get("/metrics")->body;
  EXPECT_THAT(metrics, HasSubstr("hostadm_secret_cache_lookups_total{result=\"miss\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("hostadm_secret_cache_lookups_total{result=\"hit\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("hostadm_endpoint_probes_total{result=\"refused\"} 0"));
}

// A namespace chosen by its labels follows them: the entry applies once `env: prod` is set, and
// stops applying when the label changes, through the Namespace watch (no restart, no relist).
TEST_F(ClusterChecksTest, ALabelSelectedEntryFollowsTheNamespacesLabels) {
  start(
      "endpointCheck: off\n"
      "namespaces:\n"
      "  - selector: {matchLabels: {env: prod}}\n"
      "    allowedProviders: [vsphere-prod]\n");
  ASSERT_TRUE(eventually([&] { return ready(); }));
  auto label = [&](const std::string& env) {
    api_->control("/__objects",
                  json::array({{{"apiVersion", "v1"},
                                {"kind", "Namespace"},
                                {"metadata", {{"name", "demo"}, {"labels", {{"env", env}}}}}}}));
  };
  const Answer unlabelled = admit(*client_, "validate", create("unlabelled", "esxi"));
  EXPECT_TRUE(unlabelled.allowed()) << unlabelled.body;

  label("prod");
  EXPECT_TRUE(eventually([&] {
    return admit(*client_, "validate", create("prod", "esxi")).has_rule("provider-not-allowed");
  })) << hook_->proc->err();
  const Answer prod = admit(*client_, "validate", create("prod", "esxi"));
  EXPECT_FALSE(prod.allowed()) << prod.body;

  label("dev");
  EXPECT_TRUE(eventually([&] {
    return admit(*client_, "validate", create("dev", "esxi")).allowed();
  })) << hook_->proc->err();
  EXPECT_TRUE(api_->requests_of("get", "namespaces").empty()) << "labels come from the watch";
}

TEST(ClusterChecksStartup, APolicyThatNeedsTheApiIsRefusedWithoutOne) {
  TempDir dir;
  make_certs(dir / "certs");
  const fs::path policy =
      write_policy(dir, "policy.yaml", "secretCheck: on\nduplicateCheck: on\nendpointCheck: off\n");
  Child c(webhook_bin(),
          {"--listen", "127.0.0.1:0", "--tls-cert", (dir / "certs/tls.crt").string(), "--tls-key",
           (dir / "certs/tls.key").string(), "--inventory-fixture", write_fixture(dir).string(),
           "--policy", policy.string()},
          dir / "out", dir / "err");
  EXPECT_EQ(c.wait(30s), 2);
  EXPECT_THAT(c.err(), HasSubstr("/secretCheck"));
  EXPECT_THAT(c.err(), HasSubstr("/duplicateCheck"));
  EXPECT_THAT(c.err(), HasSubstr("--kubeconfig"));
}

}  // namespace
}  // namespace hostadm::servertest
