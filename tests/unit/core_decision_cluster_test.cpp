// decide() with a ClusterView: the Secret's rules, host-duplicate and its ratchet, the endpoint
// findings per mode, what the endpoint is asked, and that a cluster with nothing to say changes
// no verdict of the inventory-only table.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "unit/testlib/fake_cluster.hpp"
#include "unit/testlib/fake_inventory.hpp"
#include "unit/testlib/host_case.hpp"
#include "unit/testlib/host_cases.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm::testing {
namespace {

constexpr const char* kPin = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";

// The ESXi hosts answer on loopback here, so no endpoint question names another machine.
FakeInventory loopback_inventory() {
  FakeInventory inv;
  auto vsphere = make_provider("demo", "vsphere-provider", "uid-vsphere");
  vsphere.secret = ObjectRef{"vsphere-secret", "demo"};
  HostInfo pinned = make_host("host-10", "esxi-01.example.com",
                              {{"Management Network", "127.0.0.10"}, {"vMotion", "127.0.1.10"}});
  pinned.thumbprint = kPin;
  inv.add_provider(vsphere, {pinned, make_host("host-20", "esxi-02.example.com",
                                               {{"Management Network", "127.0.0.20"}})});
  auto other = make_provider("demo", "other-provider", "uid-other");
  other.secret = ObjectRef{"vsphere-secret", "demo"};
  inv.add_provider(other, {pinned});
  return inv;
}

// stored_host() on loopback: admitted as it is when the cluster has nothing to say.
json loop_host(const json& merge = json::object()) {
  json h = host_with({{"spec", {{"ipAddress", "127.0.0.10"}}}});
  h.merge_patch(merge);
  return h;
}

// A cluster where everything the Host names is fine.
FakeCluster healthy_cluster() {
  FakeCluster c;
  c.add_secret("demo", "host-secret", {"user", "password", "insecureSkipVerify"});
  c.add_secret("demo", "vsphere-secret", {"user", "password"});
  return c;
}

SecretFacts unreadable(const std::string& error) {
  SecretFacts f;
  f.state = SecretState::Unreadable;
  f.error = error;
  return f;
}

EndpointAnswer answer(EndpointFinding finding, std::string message) {
  return EndpointAnswer{finding, std::move(message)};
}

struct ClusterCase {
  std::string name;
  json object;
  json old_object = nullptr;
  json policy = nullptr;
  std::function<void(FakeCluster&)> setup;
  bool allowed = true;
  std::vector<std::string> rules;
  std::vector<std::string> mentions;
  friend void PrintTo(const ClusterCase& c, std::ostream* os) { *os << "'" << c.name << "'"; }
};

std::string all_text(const Verdict& v) {
  std::string text = v.message;
  for (const auto& w : v.warnings) text += "\n" + w;
  return text;
}

ClusterHost other_host(std::string name = "esxi-01-copy") {
  return {"demo", std::move(name), "vsphere-provider", "host-10", false};
}

std::vector<ClusterCase> cluster_cases() {
  using F = FakeCluster;
  const json no_secret = {{"spec", {{"secret", nullptr}}}};
  const json by_name = {{"spec", {{"id", nullptr}}}};
  return {
      {"healthy", loop_host(), nullptr, nullptr, nullptr, true, {}, {}},
      // The Secret.
      {"secret absent",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.secrets.erase({"demo", "host-secret"});
       },
       true,
       {"secret-not-found"},
       {"Secret demo/host-secret (spec.secret) does not exist", "user and password"}},
      {"defaulted secret absent",
       loop_host(no_secret),
       nullptr,
       nullptr,
       [](F& c) {
         c.secrets.erase({"demo", "vsphere-secret"});
       },
       true,
       {"vcenter-credentials", "secret-not-found"},
       {"Secret demo/vsphere-secret (spec.secret, defaulted from provider demo/vsphere-provider)"}},
      {"secret without password",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.add_secret("demo", "host-secret", {"user", "insecureSkipVerify"});
       },
       false,
       {"secret-missing-keys"},
       {"Secret demo/host-secret (spec.secret) has no password key;"}},
      {"secret without either key",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.add_secret("demo", "host-secret", {"username", "pass"});
       },
       false,
       {"secret-missing-keys"},
       {"has no user and password keys;"}},
      {"secret forbidden",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.secrets[{"demo", "host-secret"}] = unreadable("403 forbidden");
       },
       true,
       {"secret-unreadable"},
       {"could not read Secret demo/host-secret (spec.secret): 403 forbidden",
        "needs `get` on Secrets in namespace 'demo'"}},
      {"secret read timed out",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.secrets[{"demo", "host-secret"}] = unreadable("timeout after 1s");
       },
       true,
       {"secret-unreadable"},
       {": timeout after 1s; its keys were not checked"}},
      {"secretCheck off",
       loop_host(),
       nullptr,
       {{"secretCheck", "off"}},
       [](F& c) { c.secrets.clear(); },
       true,
       {},
       {}},
      {"secret refused for its namespace is not read",
       loop_host({{"spec", {{"secret", {{"namespace", "vault"}}}}}}),
       nullptr,
       nullptr,
       nullptr,
       false,
       {"secret-cross-namespace"},
       {}},
      // Other Hosts.
      {"duplicate",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) { c.hosts.push_back(other_host()); },
       false,
       {"host-duplicate"},
       {"Host 'esxi-01-copy' in namespace 'demo' already uses ESXi host host-10 of provider "
        "demo/vsphere-provider"}},
      {"two duplicates",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.hosts = {other_host("a"), other_host("b")};
       },
       false,
       {"host-duplicate"},
       {"Hosts 'a', 'b' in namespace 'demo' already use ESXi host host-10"}},
      {"a name resolving to a taken id",
       loop_host(by_name),
       nullptr,
       nullptr,
       [](F& c) { c.hosts.push_back(other_host()); },
       false,
       {"host-duplicate"},
       {"ESXi host host-10"}},
      {"duplicate being deleted",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.hosts.push_back(other_host());
         c.hosts.back().deleting = true;
       },
       true,
       {},
       {}},
      {"itself",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) { c.hosts.push_back(other_host("host-10-4a5e")); },
       true,
       {},
       {}},
      {"same id, another provider",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.hosts.push_back(other_host());
         c.hosts.back().provider = "other-provider";
       },
       true,
       {},
       {}},
      {"same id, another namespace",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.hosts.push_back(other_host());
         c.hosts.back().ns = "prod";
       },
       true,
       {},
       {}},
      {"Hosts not listed yet",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.hosts.push_back(other_host());
         c.hosts_synced = false;
       },
       true,
       {},
       {}},
      {"duplicateCheck off",
       loop_host(),
       nullptr,
       {{"duplicateCheck", "off"}},
       [](F& c) { c.hosts.push_back(other_host()); },
       true,
       {},
       {}},
      // Ratcheting: a stored duplicate can still be edited; becoming one cannot.
      {"stored duplicate, another IP",
       loop_host({{"spec", {{"ipAddress", "127.0.1.10"}}}}),
       loop_host(),
       nullptr,
       [](F& c) { c.hosts.push_back(other_host()); },
       true,
       {"host-duplicate"},
       {"this update keeps the host the stored Host had, so it is not refused"}},
      {"stored duplicate relabelled",
       loop_host({{"metadata", {{"labels", {{"team", "a"}}}}}}),
       loop_host(),
       nullptr,
       [](F& c) { c.hosts.push_back(other_host()); },
       true,
       {"host-duplicate"},
       {}},
      {"update moving onto a taken host",
       loop_host(),
       loop_host({{"spec", {{"id", "host-20"}, {"ipAddress", "127.0.0.20"}}}}),
       nullptr,
       [](F& c) { c.hosts.push_back(other_host()); },
       false,
       {"host-duplicate"},
       {}},
      // The endpoint.
      {"endpoint refused",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.endpoints["127.0.0.10"] =
             answer(EndpointFinding::Unreachable, "127.0.0.10:443 refused the connection");
       },
       true,
       {"endpoint-unreachable"},
       {"endpoint-unreachable: 127.0.0.10:443 refused the connection; check spec.ipAddress, or "
        "set endpointCheck: off"}},
      {"endpoint with another certificate",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.endpoints["127.0.0.10"] =
             answer(EndpointFinding::ThumbprintMismatch, "127.0.0.10:443 shows 11:22, not AA:BB");
       },
       true,
       {"endpoint-thumbprint-mismatch"},
       {"127.0.0.10:443 shows 11:22, not AA:BB; Forklift pins the inventory's thumbprint"}},
      {"endpoint refused the login",
       loop_host(),
       nullptr,
       {{"endpointCheck", "login"}},
       [](F& c) {
         c.endpoints["127.0.0.10"] =
             answer(EndpointFinding::LoginFailed, "127.0.0.10 refused the login (InvalidLogin)");
       },
       true,
       {"endpoint-login-failed"},
       {"(InvalidLogin); check the user and password in Secret demo/host-secret"}},
      {"endpointCheck off",
       loop_host(),
       nullptr,
       {{"endpointCheck", "off"}},
       [](F& c) { c.endpoints["127.0.0.10"] = answer(EndpointFinding::Unreachable, "refused"); },
       true,
       {},
       {}},
      {"endpoint of a Host refused anyway is not probed",
       loop_host(),
       nullptr,
       nullptr,
       [](F& c) {
         c.add_secret("demo", "host-secret", {"user"});
         c.endpoints["127.0.0.10"] = answer(EndpointFinding::Unreachable, "refused");
       },
       false,
       {"secret-missing-keys"},
       {}},
      {"endpoint of a Host in warn mode is probed",
       loop_host(),
       nullptr,
       {{"namespaces", {{{"match", "demo"}, {"mode", "warn"}}}}},
       [](F& c) {
         c.add_secret("demo", "host-secret", {"user"});
         c.endpoints["127.0.0.10"] = answer(EndpointFinding::Unreachable, "refused");
       },
       true,
       {"secret-missing-keys", "endpoint-unreachable"},
       {}},
  };
}

class ClusterTable : public ::testing::TestWithParam<ClusterCase> {};

TEST_P(ClusterTable, MutateAnswersAsExpected) {
  const ClusterCase& c = GetParam();
  HostCase hc(c.name, c.object);
  if (!c.old_object.is_null()) hc.update_from(c.old_object);
  FakeInventory inv = loopback_inventory();
  FakeCluster cluster = healthy_cluster();
  if (c.setup) c.setup(cluster);
  Verdict v = decide(hc.request(), Phase::Mutate, inv, parse_policy(c.policy), &cluster);
  EXPECT_EQ(v.allowed, c.allowed) << all_text(v);
  EXPECT_EQ(v.code, c.allowed ? 200 : 403) << all_text(v);
  EXPECT_EQ(v.rules(), c.rules) << all_text(v);
  for (const auto& m : c.mentions)
    EXPECT_NE(all_text(v).find(m), std::string::npos) << m << "\n" << all_text(v);
  // Each finding keeps its rule's kind, but a denial that does not refuse this Host.
  for (const auto& f : v.findings) {
    if (f.deny) {
      EXPECT_EQ(find_rule(f.rule)->kind, RuleKind::Deny) << f.rule;
    }
  }
  EXPECT_LE(cluster.secret_reads, 1) << "the Secret is read once per admission";
}

INSTANTIATE_TEST_SUITE_P(Rows, ClusterTable, ::testing::ValuesIn(cluster_cases()),
                         [](const ::testing::TestParamInfo<ClusterCase>& info) {
                           std::string name;
                           for (char ch : info.param.name)
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name + "_" + std::to_string(info.index);
                         });

// The cluster rules appear in this table (the inventory-only table runs without a view).
TEST(ClusterTableCoverage, EveryClusterRuleHasAFailingRow) {
  std::set<std::string> seen;
  for (const auto& c : cluster_cases()) seen.insert(c.rules.begin(), c.rules.end());
  using namespace rule;
  for (std::string_view id :
       {kSecretNotFound, kSecretMissingKeys, kSecretUnreadable, kHostDuplicate,
        kEndpointUnreachable, kEndpointThumbprintMismatch, kEndpointLoginFailed})
    EXPECT_TRUE(seen.count(std::string(id))) << "no row exercises " << id;
}

struct Asked {
  FakeCluster cluster = healthy_cluster();
  Verdict verdict;
  Asked(const json& host, const json& policy, Phase phase = Phase::Mutate,
        const std::function<void(FakeCluster&)>& setup = nullptr) {
    if (setup) setup(cluster);
    FakeInventory inv = loopback_inventory();
    verdict = decide(HostCase("asked", host).request(), phase, inv, parse_policy(policy), &cluster);
  }
};

TEST(EndpointQuestion, ReachAsksTheFinalAddressWithTheInventorysPinAndNoSecret) {
  Asked a(loop_host(), {{"endpointTimeout", "750ms"}});
  ASSERT_EQ(a.cluster.questions.size(), 1u);
  const EndpointQuestion& q = a.cluster.questions.front();
  EXPECT_EQ(q.address, "127.0.0.10");
  EXPECT_EQ(q.thumbprint, kPin);
  EXPECT_EQ(q.mode, EndpointCheck::Reach);
  EXPECT_TRUE(q.secret.empty());
  EXPECT_EQ(q.budget, std::chrono::milliseconds(750));
}

// The adapter annotation fills spec.ipAddress: the endpoint asked is the one the patch writes,
// in /validate too (which sees the Host before that patch only when no mutating webhook ran).
TEST(EndpointQuestion, AnAdapterFilledAddressIsTheOneAsked) {
  for (Phase phase : {Phase::Mutate, Phase::Validate}) {
    Asked a(with_adapter(loop_host({{"spec", {{"ipAddress", nullptr}}}}), "vMotion"), nullptr,
            phase);
    ASSERT_EQ(a.cluster.questions.size(), 1u);
    EXPECT_EQ(a.cluster.questions.front().address, "127.0.1.10");
  }
}

TEST(EndpointQuestion, LoginCarriesTheSecretAndItsVersionReadOnce) {
  Asked a(loop_host(), {{"endpointCheck", "login"}}, Phase::Mutate, [](FakeCluster& c) {
    c.add_secret("demo", "host-secret", {"user", "password"}, "42");
  });
  ASSERT_EQ(a.cluster.questions.size(), 1u);
  const EndpointQuestion& q = a.cluster.questions.front();
  EXPECT_EQ(q.mode, EndpointCheck::Login);
  EXPECT_EQ(q.secret, (ObjectRef{"host-secret", "demo"}));
  EXPECT_EQ(q.secret_version, "42");
  EXPECT_EQ(a.cluster.secret_reads, 1);
}

// No pin, no credentials: the question says so with an empty thumbprint.
TEST(EndpointQuestion, LoginToAnUnpinnedHostCarriesNoThumbprint) {
  Asked a(loop_host({{"spec", {{"id", "host-20"}, {"ipAddress", "127.0.0.20"}}}}),
          {{"endpointCheck", "login"}});
  ASSERT_EQ(a.cluster.questions.size(), 1u);
  EXPECT_EQ(a.cluster.questions.front().thumbprint, "");
  EXPECT_EQ(a.cluster.questions.front().address, "127.0.0.20");
}

// Without usable credentials there is nothing to log in with: the endpoint is only reached, and
// the Secret's own finding says why.
TEST(EndpointQuestion, LoginWithoutAUsableSecretOnlyReaches) {
  Asked a(loop_host(), {{"endpointCheck", "login"}}, Phase::Mutate,
          [](FakeCluster& c) { c.secrets.clear(); });
  ASSERT_EQ(a.cluster.questions.size(), 1u);
  EXPECT_EQ(a.cluster.questions.front().mode, EndpointCheck::Reach);
  EXPECT_TRUE(a.cluster.questions.front().secret.empty());
  EXPECT_EQ(a.verdict.rules(), std::vector<std::string>{"secret-not-found"});
}

TEST(EndpointQuestion, NoQuestionWithoutAResolvedHostOrAValidAddress) {
  EXPECT_TRUE(Asked(loop_host({{"spec", {{"id", "host-99"}}}}), nullptr).cluster.questions.empty());
  Asked invalid(loop_host({{"spec", {{"ipAddress", "127.0.0.300"}}}}),
                {{"namespaces", {{{"match", "demo"}, {"mode", "warn"}}}}});
  EXPECT_TRUE(invalid.cluster.questions.empty());
}

TEST(EndpointQuestion, NoQuestionWhenTheInventoryIsDown) {
  FakeCluster cluster = healthy_cluster();
  FakeInventory inv = loopback_inventory();
  inv.provider_status = LookupStatus::Unavailable;
  Verdict v = decide(HostCase("down", loop_host()).request(), Phase::Mutate, inv,
                     parse_policy({{"inventoryFailure", "allow"}}), &cluster);
  EXPECT_TRUE(v.allowed) << v.message;
  EXPECT_TRUE(cluster.questions.empty());
  EXPECT_EQ(v.rules(), std::vector<std::string>{"inventory-unavailable"});
}

// A view whose every answer is "fine" changes nothing the inventory-only table decides, and no
// view at all decides as that table says (it passes nullptr). (The table's Hosts are not on
// loopback, so the endpoint check is off here; the rows above show an endpoint that answers
// adds nothing.)
TEST(ClusterView, ACheckedClusterWithNothingToSayChangesNoVerdict) {
  for (const HostCase& c : host_cases()) {
    FakeInventory inv = c.make_inventory();
    Policy policy = c.make_policy();
    policy.endpoint_check = EndpointCheck::Off;
    Verdict alone = decide(c.request(), Phase::Mutate, inv, policy, nullptr);
    FakeInventory inv2 = c.make_inventory();
    FakeCluster cluster;
    cluster.every_secret_valid = true;
    Verdict with = decide(c.request(), Phase::Mutate, inv2, policy, &cluster);
    EXPECT_EQ(with.rules(), alone.rules()) << c.name << ": " << all_text(with);
    EXPECT_EQ(with.allowed, alone.allowed) << c.name;
    EXPECT_EQ(with.message, alone.message) << c.name;
    EXPECT_EQ(with.warnings, alone.warnings) << c.name;
    EXPECT_EQ(with.patch.to_json(), alone.patch.to_json()) << c.name;
  }
}

// Without a view, a policy that turns the checks on has nothing to ask: part 1's verdict.
TEST(ClusterView, WithoutAViewNoClusterRuleFires) {
  FakeInventory inv = loopback_inventory();
  Verdict v = decide(HostCase("alone", loop_host()).request(), Phase::Mutate, inv,
                     parse_policy({{"secretCheck", "on"}, {"endpointCheck", "login"}}), nullptr);
  EXPECT_TRUE(v.allowed) << v.message;
  EXPECT_TRUE(v.findings.empty()) << v.rules().front();
}

}  // namespace
}  // namespace hostadm::testing
