// The server's ClusterView against a real `host-harness serve-kube` (the mock Kubernetes API,
// with its faults) and VMware's ESXi simulator: what the cluster checks are told about Secrets,
// other Hosts, namespace labels and the endpoint, and how each failure of the API reads.
// Every endpoint dialled is on 127.0.0.1.
#include "webhook/server/cluster_view.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "endpoint/loopback_servers.hpp"
#include "server/kube_api_fixture.hpp"
#include "webhook/core/admission.hpp"

namespace hostadm::servertest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace std::chrono_literals;
using endpointtest::closed_port;
using endpointtest::EsxSim;
using endpointtest::SilentListener;
using server::ClusterState;
using server::ClusterStateOptions;

constexpr const char* kToken = "cluster-view-test-token-0001";
constexpr const char* kPassword = "esx-test-password";

json host(const std::string& name, const std::string& id, bool finalizer = false) {
  json h = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
            {"kind", "Host"},
            {"metadata", {{"name", name}, {"namespace", "dup"}}},
            {"spec", {{"provider", {{"name", "vsphere"}}}, {"id", id}}}};
  if (finalizer) h["metadata"]["finalizers"] = json::array({"test/keep"});
  return h;
}

class ClusterViewTest : public KubeApiTest<ClusterViewTest> {
 protected:
  static void SetUpTestSuite() {
    start_api(kToken, {"--bookmark-interval", "1h"});
    for (const char* ns : {"demo", "dup"}) api_->add_namespace(ns);
    api_->control("/__objects",
                  json::array({secret("esxi", {{"user", "root"},
                                               {"password", kPassword},
                                               {"insecureSkipVerify", "true"}}),
                               secret("half", {{"user", "root"}}),
                               secret("wrong", {{"user", "root"}, {"password", "not-it"}})}));
  }
  void SetUp() override {
    KubeApiTest::SetUp();
    client_ = std::make_unique<kube::Client>(api_->config());
  }
  std::unique_ptr<ClusterState> state(Policy p = {}, ClusterStateOptions o = {}) {
    return std::make_unique<ClusterState>(*client_, std::make_shared<const Policy>(std::move(p)),
                                          std::move(o));
  }
  static Policy checks_off_but_secrets() {
    Policy p;
    p.duplicate_check = false;
    p.endpoint_check = EndpointCheck::Off;
    return p;
  }

  std::unique_ptr<kube::Client> client_;
};

TEST_F(ClusterViewTest, APresentSecretGivesKeyNamesAndTheTlsSettingNeverValues) {
  auto s = state(checks_off_but_secrets());
  const SecretFacts f = s->view(in(10s))->secret("demo", "esxi");
  EXPECT_EQ(f.state, SecretState::Present);
  EXPECT_THAT(f.keys, ElementsAre("insecureSkipVerify", "password", "user"));
  EXPECT_TRUE(f.insecure_skip_verify);
  EXPECT_FALSE(f.resource_version.empty());
  EXPECT_THAT(f.error, IsEmpty());
  // The login's credentials are kept in memory, next to the facts, not in them.
  auto cached = s->secrets().get("demo", "esxi", in(10s));
  EXPECT_EQ(cached->credentials.user, "root");
  EXPECT_EQ(cached->credentials.password, kPassword);
}

TEST_F(ClusterViewTest, AnAbsentSecretIsNotFoundAndOneWithoutPasswordListsWhatItHas) {
  auto s = state(checks_off_but_secrets());
  auto v = s->view(in(10s));
  EXPECT_EQ(v->secret("demo", "absent").state, SecretState::NotFound);
  const SecretFacts half = v->secret("demo", "half");
  EXPECT_EQ(half.state, SecretState::Present);
  EXPECT_THAT(half.keys, ElementsAre("user"));
  EXPECT_FALSE(half.insecure_skip_verify);
}

TEST_F(ClusterViewTest, AForbiddenReadIsUnreadableWithTheStatusAndIsNotKept) {
  api_->faults({{"rules", {{{"verb", "get"}, {"resource", "secrets"}, {"status", 403}}}}});
  auto s = state(checks_off_but_secrets());
  const SecretFacts f = s->view(in(10s))->secret("demo", "esxi");
  EXPECT_EQ(f.state, SecretState::Unreadable);
  EXPECT_THAT(f.error, HasSubstr("403"));
  EXPECT_THAT(f.error, Not(HasSubstr(kPassword)));
  // RBAC fixed: the next admission reads again at once (a refusal is not cached).
  api_->faults(json::object());
  EXPECT_EQ(s->view(in(10s))->secret("demo", "esxi").state, SecretState::Present);
}

TEST_F(ClusterViewTest, ASlowApiIsUnreadableByKubeApiTimeoutNotByTheApisPace) {
  api_->faults({{"rules", {{{"verb", "get"}, {"resource", "secrets"}, {"latencyMs", 5000}}}}});
  Policy p = checks_off_but_secrets();
  p.kube_api_timeout = 300ms;
  auto s = state(p);
  const auto started = SteadyClock::now();
  const SecretFacts f = s->view(in(10s))->secret("demo", "esxi");
  EXPECT_EQ(f.state, SecretState::Unreadable);
  EXPECT_THAT(f.error, HasSubstr("timeout"));
  // Bounded by kubeApiTimeout, far from the API's 5 s.
  EXPECT_LT(SteadyClock::now() - started, 4s);
}

TEST_F(ClusterViewTest, ConcurrentAdmissionsShareOneReadAndTheNextOneIsFromMemory) {
  api_->faults({{"rules", {{{"verb", "get"}, {"resource", "secrets"}, {"latencyMs", 300}}}}});
  auto s = state(checks_off_but_secrets());
  std::vector<std::thread> admissions;
  std::atomic<int> present{0};
  for (int i = 0; i < 8; ++i)
    admissions.emplace_back([&] {
      if (s->view(in(10s))->secret("demo", "esxi").state == SecretState::Present) ++present;
    });
  for (auto& t : admissions) t.join();
  EXPECT_EQ(present.load(), 8);
  EXPECT_EQ(s->view(in(10s))->secret("demo", "esxi").state, SecretState::Present);
  EXPECT_EQ(api_->requests_of("get", "secrets").size(), 1u);
  EXPECT_THAT(api_->requests_of("list", "secrets"), IsEmpty());
  EXPECT_THAT(api_->requests_of("watch", "secrets"), IsEmpty());
}

TEST_F(ClusterViewTest, ADownApiIsUnreadableAtOnce) {
  kube::KubeConfig down = api_->config();
  down.server = "https://127.0.0.1:" + std::to_string(closed_port());
  kube::Client client(down);
  ClusterState s(client, std::make_shared<const Policy>(checks_off_but_secrets()));
  const SecretFacts f = s.view(in(10s))->secret("demo", "esxi");
  EXPECT_EQ(f.state, SecretState::Unreadable);
  EXPECT_THAT(f.error, HasSubstr("connect"));
}

TEST_F(ClusterViewTest, ARotatedTokenKeepsSecretsReadable) {
  auto s = state(checks_off_but_secrets());
  ASSERT_EQ(s->view(in(10s))->secret("demo", "esxi").state, SecretState::Present);
  // The kubelet replaces the token file; the API server refuses the old token from now on.
  write_file(dir_->path() / "rotated", "cluster-view-test-token-0002\n");
  fs::rename(dir_->path() / "rotated", api_->client_token());
  write_file(api_->server_token(), "cluster-view-test-token-0002\n");
  EXPECT_EQ(s->view(in(10s))->secret("demo", "half").state, SecretState::Present);
  write_file(api_->client_token(), std::string(kToken) + "\n");
  write_file(api_->server_token(), std::string(kToken) + "\n");
}

TEST_F(ClusterViewTest, ADuplicateAppearsAndDisappearsThroughTheWatch) {
  Policy p;
  p.endpoint_check = EndpointCheck::Off;
  auto s = state(p);
  EXPECT_FALSE(s->view(in(10s))->hosts_with("dup", "vsphere", "host-10", "new").synced);
  s->start();
  ASSERT_TRUE(eventually([&] { return s->not_ready_reason().empty(); }));
  auto names = [&] { return s->view(in(10s))->hosts_with("dup", "vsphere", "host-10", "new"); };
  EXPECT_TRUE(names().synced);
  EXPECT_THAT(names().names, IsEmpty());

  api_->control("/__objects", json::array({host("old", "host-10"), host("other", "host-11")}));
  ASSERT_TRUE(eventually([&] { return !names().names.empty(); }));
  EXPECT_THAT(names().names, ElementsAre("old"));
  // The Host itself (an UPDATE of "old") is no duplicate of itself.
  EXPECT_THAT(s->view(in(10s))->hosts_with("dup", "vsphere", "host-10", "old").names, IsEmpty());

  ASSERT_TRUE(client_->remove(kube::resources::kHosts, "dup", "old", in(10s)).ok());
  ASSERT_TRUE(eventually([&] { return names().names.empty(); }));
}

TEST_F(ClusterViewTest, AHostBeingDeletedIsNoDuplicate) {
  Policy p;
  p.endpoint_check = EndpointCheck::Off;
  auto s = state(p);
  api_->control("/__objects", json::array({host("going", "host-20", true)}));
  s->start();
  ASSERT_TRUE(eventually([&] { return s->not_ready_reason().empty(); }));
  auto names = [&] { return s->view(in(10s))->hosts_with("dup", "vsphere", "host-20", "new"); };
  ASSERT_THAT(names().names, ElementsAre("going"));
  // Deleted, but held by its finalizer: it stays, with a deletionTimestamp, until released.
  ASSERT_TRUE(client_->remove(kube::resources::kHosts, "dup", "going", in(10s)).ok());
  ASSERT_TRUE(eventually([&] { return s->hosts()->get("dup", "going")->deleting; }));
  EXPECT_THAT(names().names, IsEmpty());
}

TEST_F(ClusterViewTest, A410RelistsAndKeepsDuplicatesRight) {
  Policy p;
  p.endpoint_check = EndpointCheck::Off;
  auto s = state(p);
  s->start();
  ASSERT_TRUE(eventually([&] { return s->not_ready_reason().empty(); }));
  const size_t lists = api_->requests_of("list", "hosts").size();
  api_->faults({{"rules", {{{"verb", "watch"}, {"status", 410}, {"times", 1}}}}});
  api_->control("/__close-watches");
  api_->control("/__objects", json::array({host("after-410", "host-30")}));
  ASSERT_TRUE(eventually([&] {
    return !s->view(in(10s))->hosts_with("dup", "vsphere", "host-30", "new").names.empty();
  }));
  EXPECT_GT(api_->requests_of("list", "hosts").size(), lists);
}

TEST_F(ClusterViewTest, NotReadyUntilTheFirstListOfHostsAndSaysWhy) {
  api_->faults({{"rules", {{{"verb", "list"}, {"resource", "hosts"}, {"status", 403}}}}});
  Policy p;
  p.endpoint_check = EndpointCheck::Off;
  auto s = state(p);
  s->start();
  ASSERT_TRUE(eventually([&] { return s->not_ready_reason().find("403") != std::string::npos; }))
      << s->not_ready_reason();
  EXPECT_THAT(s->not_ready_reason(), HasSubstr("Hosts"));
  api_->faults(json::object());
  EXPECT_TRUE(eventually([&] { return s->not_ready_reason().empty(); }));
}

TEST_F(ClusterViewTest, NamespacesAreWatchedOnlyForLabelSelectors) {
  Policy plain;
  plain.duplicate_check = false;
  plain.endpoint_check = EndpointCheck::Off;
  auto without = state(plain);
  without->start();
  EXPECT_EQ(without->namespaces(), nullptr);
  EXPECT_EQ(without->view(in(10s))->namespace_labels("demo"), nullptr);

  api_->control(
      "/__objects",
      json::array({{{"apiVersion", "v1"},
                    {"kind", "Namespace"},
                    {"metadata", {{"name", "labelled"}, {"labels", {{"env", "prod"}}}}}}}));
  Policy selecting = plain;
  NamespaceRule rule;
  rule.selector = LabelSelector{};
  selecting.namespaces.push_back(rule);
  auto with = state(selecting);
  with->start();
  ASSERT_TRUE(eventually([&] { return with->not_ready_reason().empty(); }));
  auto v = with->view(in(10s));
  const Labels* labels = v->namespace_labels("labelled");
  ASSERT_NE(labels, nullptr);
  EXPECT_EQ(labels->at("env"), "prod");
  EXPECT_EQ(v->namespace_labels("no-such-namespace"), nullptr);
  EXPECT_THAT(api_->requests_of("get", "namespaces"), IsEmpty());
}

// The endpoint check through the view, against VMware's simulator on a loopback port.
class ClusterViewEndpointTest : public ClusterViewTest {
 protected:
  std::unique_ptr<ClusterState> login_state(int port) {
    Policy p;
    p.duplicate_check = false;
    p.endpoint_check = EndpointCheck::Login;
    ClusterStateOptions o;
    o.endpoint_port = port;
    o.metrics = metrics_;
    return state(p, o);
  }
  EndpointQuestion question(const std::string& thumbprint, const std::string& secret_name) {
    EndpointQuestion q;
    q.address = "127.0.0.1";
    q.thumbprint = thumbprint;
    q.mode = EndpointCheck::Login;
    q.secret = {secret_name, "demo"};
    q.budget = 2000ms;
    return q;
  }
  prometheus::Registry registry_;
  std::shared_ptr<server::ClusterMetrics> metrics_ =
      std::make_shared<server::ClusterMetrics>(registry_);
};

TEST_F(ClusterViewEndpointTest, APinnedEndpointWithTheRightPasswordHasNoFinding) {
  EsxSim sim(kPassword);
  auto s = login_state(sim.port());
  const EndpointAnswer a = s->view(in(10s))->endpoint(question(sim.thumbprint(), "esxi"));
  EXPECT_EQ(a.finding, EndpointFinding::None) << a.message;
  EXPECT_THAT(sim.calls(), ElementsAre("RetrieveServiceContent 200", "Login 200", "Logout 200"));
}

TEST_F(ClusterViewEndpointTest, AWrongPasswordIsALoginFailureNamingInvalidLogin) {
  EsxSim sim(kPassword);
  auto s = login_state(sim.port());
  const EndpointAnswer a = s->view(in(10s))->endpoint(question(sim.thumbprint(), "wrong"));
  EXPECT_EQ(a.finding, EndpointFinding::LoginFailed);
  EXPECT_THAT(a.message, HasSubstr("InvalidLogin"));
  EXPECT_THAT(a.message, Not(HasSubstr("not-it")));
}

TEST_F(ClusterViewEndpointTest, AnotherCertificateGetsNoCredentials) {
  EsxSim sim(kPassword);
  auto s = login_state(sim.port());
  std::string pin;
  for (int i = 0; i < 20; ++i) pin += std::string(i ? ":" : "") + "AB";
  const EndpointAnswer a = s->view(in(10s))->endpoint(question(pin, "esxi"));
  EXPECT_EQ(a.finding, EndpointFinding::ThumbprintMismatch);
  EXPECT_THAT(a.message, HasSubstr(sim.thumbprint()));
  EXPECT_THAT(sim.calls(), IsEmpty()) << "no SOAP call, so no Login, reached the simulator";
}

TEST_F(ClusterViewEndpointTest, NoThumbprintInTheInventoryMeansNoLogin) {
  EsxSim sim(kPassword);
  auto s = login_state(sim.port());
  const EndpointAnswer a = s->view(in(10s))->endpoint(question("", "esxi"));
  EXPECT_NE(a.finding, EndpointFinding::LoginFailed) << a.message;
  for (const auto& call : sim.calls()) EXPECT_THAT(call, Not(HasSubstr("Login")));
}

TEST_F(ClusterViewEndpointTest, AClosedPortIsUnreachableSayingRefused) {
  auto s = login_state(closed_port());
  const EndpointAnswer a = s->view(in(10s))->endpoint(question("AB:CD", "esxi"));
  EXPECT_EQ(a.finding, EndpointFinding::Unreachable);
  EXPECT_THAT(a.message, HasSubstr("refused"));
}

TEST_F(ClusterViewEndpointTest, ATlsEndpointThatNeverAnswersIsUnreachableWithinTheBudget) {
  SilentListener silent;
  auto s = login_state(silent.port());
  EndpointQuestion q = question("AB:CD", "esxi");
  q.budget = 300ms;
  const EndpointAnswer a = s->view(in(10s))->endpoint(q);
  EXPECT_EQ(a.finding, EndpointFinding::Unreachable);
  EXPECT_THAT(a.message, HasSubstr("timeout"));
}

TEST_F(ClusterViewEndpointTest, ProbesAndLookupsAreCountedByResult) {
  auto s = login_state(closed_port());
  auto v = s->view(in(10s));
  v->endpoint(question("AB:CD", "esxi"));
  v->endpoint(question("AB:CD", "esxi"));  // the cached refusal
  const std::string text = [&] {
    std::string out;
    for (const auto& family : registry_.Collect())
      for (const auto& m : family.metric)
        for (const auto& l : m.label)
          if (m.counter.value > 0) out += family.name + "{" + l.value + "} ";
    return out;
  }();
  EXPECT_THAT(text, HasSubstr("hostadm_endpoint_probes_total{refused}"));
  EXPECT_THAT(text, HasSubstr("hostadm_endpoint_cache_lookups_total{miss}"));
  EXPECT_THAT(text, HasSubstr("hostadm_endpoint_cache_lookups_total{hit}"));
  EXPECT_THAT(text, HasSubstr("hostadm_secret_cache_lookups_total{miss}"));
}

}  // namespace
}  // namespace hostadm::servertest
