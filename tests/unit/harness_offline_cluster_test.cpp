// The harness's offline cluster: the fixture's secrets, clusterHosts, endpoints and namespaces,
// and the Secret, Host and Namespace manifests among the replayed files, give `replay` and
// `test` the verdicts a webhook with a Kubernetes API client gives; without any cluster fact
// they decide as before.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "harness/offline_cluster.hpp"
#include "harness/replay.hpp"
#include "harness/suite.hpp"
#include "unit/testlib/harness_docs.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {
namespace {

constexpr const char* kPin = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";
constexpr const char* kOtherCert = "11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44";

// A provider whose ESXi hosts answer on loopback: any endpoint question names 127.0.0.x.
std::string inventory(const std::string& cluster = "") {
  return std::string(R"(providers:
  - name: vsphere-provider
    namespace: demo
    secret: {name: vsphere-secret}
    hosts:
      - id: host-10
        name: esxi-01.example.com
        thumbprint: ")") +
         kPin + R"("
        networkAdapters: [{name: Management Network, ipAddress: 127.0.0.10}]
      - id: host-20
        name: esxi-02.example.com
        networkAdapters: [{name: Management Network, ipAddress: 127.0.0.20}]
)" + cluster;
}

std::string host(const std::string& name, const std::string& id = "host-10",
                 const std::string& ip = "127.0.0.10") {
  return R"(apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata: {name: )" +
         name + R"(, namespace: demo}
spec:
  provider: {name: vsphere-provider, namespace: demo}
  id: )" +
         id + R"(
  ipAddress: ")" +
         ip + R"("
  secret: {name: host-secret, namespace: demo}
)";
}

constexpr const char* kGoodSecret = R"(apiVersion: v1
kind: Secret
metadata: {name: host-secret, namespace: demo}
stringData: {user: root, password: not-shown}
)";

struct Replayed {
  std::vector<DocResult> results;
  DocResult only_host() const {
    const DocResult* found = nullptr;
    for (const auto& r : results)
      if (!r.skipped) found = &r;
    if (found == nullptr) throw std::logic_error("no Host was replayed");
    return *found;
  }
};

std::string write(const std::string& name, const std::string& text) {
  // ctest runs each test of this file as its own process, several at once: the pid keeps their
  // files apart.
  const std::string path =
      ::testing::TempDir() + "/offline-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

Replayed replay_with(const std::string& fixture, const std::string& manifests,
                     const std::string& policy = "") {
  static int n = 0;
  const std::string tag = std::to_string(++n);
  ReplayOptions o;
  o.inventory = write("inventory-" + tag + ".yaml", fixture);
  if (!policy.empty()) o.policy = write("policy-" + tag + ".yaml", policy);
  o.paths = {write("hosts-" + tag + ".yaml", manifests)};
  return {replay(o)};
}

std::string all_text(const DocResult& r) {
  std::string text = r.message;
  for (const auto& w : r.warnings) text += "\n" + w;
  return text;
}

TEST(OfflineCluster, WithoutAnyClusterFactReplayDecidesAsBefore) {
  const Replayed r = replay_with(inventory(), host("h1") + "---\n" + host("h2"));
  for (const auto& d : r.results) {
    EXPECT_TRUE(d.allowed) << all_text(d);
    EXPECT_TRUE(d.rules.empty()) << all_text(d);  // no secret-not-found, no host-duplicate
  }
}

TEST(OfflineCluster, FixtureSecretsAreTheClusterSecrets) {
  const std::string listed = R"(secrets:
  - {namespace: demo, name: host-secret, keys: [user]}
)";
  const DocResult& missing = replay_with(inventory(listed), host("h1")).only_host();
  EXPECT_FALSE(missing.allowed);
  EXPECT_EQ(missing.rules, std::vector<std::string>{"secret-missing-keys"});
  EXPECT_NE(missing.message.find("has no password key"), std::string::npos) << missing.message;

  const std::string other = "secrets: [{namespace: demo, name: some-other-secret, keys: [user]}]\n";
  const DocResult& absent = replay_with(inventory(other), host("h1")).only_host();
  EXPECT_TRUE(absent.allowed);
  EXPECT_EQ(absent.rules, std::vector<std::string>{"secret-not-found"});

  const std::string refused =
      "secrets: [{namespace: demo, name: host-secret, unreadable: 403 forbidden}]\n";
  const DocResult& unreadable = replay_with(inventory(refused), host("h1")).only_host();
  EXPECT_TRUE(unreadable.allowed);
  EXPECT_EQ(unreadable.rules, std::vector<std::string>{"secret-unreadable"});
  EXPECT_NE(all_text(unreadable).find("403 forbidden"), std::string::npos);
}

TEST(OfflineCluster, ASecretManifestAmongTheFilesIsPresentWithItsKeyNames) {
  const DocResult& fine =
      replay_with(inventory(), std::string(kGoodSecret) + "---\n" + host("h1")).only_host();
  EXPECT_TRUE(fine.allowed) << all_text(fine);
  EXPECT_TRUE(fine.rules.empty()) << all_text(fine);

  const std::string short_secret = R"(apiVersion: v1
kind: Secret
metadata: {name: host-secret, namespace: demo}
data: {user: cm9vdA==}
)";
  const DocResult& shortened =
      replay_with(inventory(), short_secret + "---\n" + host("h1")).only_host();
  EXPECT_FALSE(shortened.allowed);
  EXPECT_EQ(shortened.rules, std::vector<std::string>{"secret-missing-keys"});
  // A value is never shown: not the base64, not what it decodes to.
  EXPECT_EQ(all_text(shortened).find("cm9vdA"), std::string::npos);
  EXPECT_EQ(all_text(shortened).find("root"), std::string::npos);
}

TEST(OfflineCluster, ClusterHostsMakeDuplicates) {
  const std::string taken =
      R"(secrets: [{namespace: demo, name: host-secret, keys: [user, password]}]
clusterHosts:
  - {namespace: demo, name: esxi-01, provider: vsphere-provider, id: host-10}
  - {namespace: demo, name: leaving, provider: vsphere-provider, id: host-20, deleting: true}
)";
  const DocResult& dup = replay_with(inventory(taken), host("h1")).only_host();
  EXPECT_FALSE(dup.allowed);
  EXPECT_EQ(dup.rules, std::vector<std::string>{"host-duplicate"});
  EXPECT_NE(dup.message.find("'esxi-01'"), std::string::npos) << dup.message;
  // The same name is the Host itself; one being deleted is no duplicate.
  EXPECT_TRUE(replay_with(inventory(taken), host("esxi-01")).only_host().rules.empty());
  EXPECT_TRUE(
      replay_with(inventory(taken), host("h2", "host-20", "127.0.0.20")).only_host().allowed);
}

// In the cluster the second of the two would be refused; a replay says both are in conflict.
TEST(OfflineCluster, TwoHostManifestsForOneEsxiHostAreDuplicates) {
  const Replayed r = replay_with(
      inventory(), std::string(kGoodSecret) + "---\n" + host("a") + "---\n" + host("b"));
  int denied = 0;
  for (const auto& d : r.results) {
    if (d.skipped) continue;
    EXPECT_EQ(d.rules, std::vector<std::string>{"host-duplicate"}) << all_text(d);
    denied += d.allowed ? 0 : 1;
  }
  EXPECT_EQ(denied, 2);
}

TEST(OfflineCluster, EndpointsAnswerAsTheFixtureSays) {
  const std::string secrets =
      "secrets: [{namespace: demo, name: host-secret, keys: [user, password]}]\n";
  const std::string refused =
      secrets + "endpoints: [{address: 127.0.0.10, unreachable: connection refused}]\n";
  const DocResult& down = replay_with(inventory(refused), host("h1")).only_host();
  EXPECT_TRUE(down.allowed);
  EXPECT_EQ(down.rules, std::vector<std::string>{"endpoint-unreachable"});
  EXPECT_NE(all_text(down).find("127.0.0.10:443: connection refused"), std::string::npos)
      << all_text(down);

  const std::string other =
      secrets + "endpoints: [{address: 127.0.0.10, thumbprint: \"" + kOtherCert + "\"}]\n";
  const DocResult& mismatch = replay_with(inventory(other), host("h1")).only_host();
  EXPECT_EQ(mismatch.rules, std::vector<std::string>{"endpoint-thumbprint-mismatch"});
  EXPECT_NE(all_text(mismatch).find(kOtherCert), std::string::npos);
  EXPECT_NE(all_text(mismatch).find(kPin), std::string::npos);

  const std::string invalid = secrets + "endpoints: [{address: 127.0.0.10, login: invalid}]\n";
  EXPECT_TRUE(replay_with(inventory(invalid), host("h1")).only_host().rules.empty())
      << "reach mode never logs in";
  const DocResult& login =
      replay_with(inventory(invalid), host("h1"), "endpointCheck: login\n").only_host();
  EXPECT_EQ(login.rules, std::vector<std::string>{"endpoint-login-failed"});
  EXPECT_NE(all_text(login).find("InvalidLogin"), std::string::npos);

  // No pin in the inventory: no credentials sent, so no login to fail.
  const std::string unpinned = secrets + "endpoints: [{address: 127.0.0.20, login: invalid}]\n";
  EXPECT_TRUE(replay_with(inventory(unpinned), host("h2", "host-20", "127.0.0.20"),
                          "endpointCheck: login\n")
                  .only_host()
                  .rules.empty());
  // An address without an entry is not checked.
  EXPECT_TRUE(replay_with(inventory(refused), host("h2", "host-20", "127.0.0.20"))
                  .only_host()
                  .rules.empty());
}

TEST(OfflineCluster, NamespacesAndSecretSettingsFromManifests) {
  InputDoc ns = doc_from_yaml(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: "
      "{tier: gold}}\n");
  InputDoc secret = doc_from_yaml(R"(apiVersion: v1
kind: Secret
metadata: {name: s, namespace: prod}
data: {user: cm9vdA==, insecureSkipVerify: dHJ1ZQ==}
stringData: {password: x}
)");
  OfflineCluster view(ClusterFacts{}, {ns, secret}, "");
  const Labels* labels = view.namespace_labels("prod");
  ASSERT_NE(labels, nullptr);
  EXPECT_EQ(labels->at("tier"), "gold");
  EXPECT_EQ(labels->at("kubernetes.io/metadata.name"), "prod");
  EXPECT_EQ(view.namespace_labels("dev"), nullptr);
  SecretFacts f = view.secret("prod", "s");
  EXPECT_EQ(f.state, SecretState::Present);
  EXPECT_EQ(f.keys, (std::vector<std::string>{"insecureSkipVerify", "user", "password"}));
  EXPECT_TRUE(f.insecure_skip_verify);
  EXPECT_EQ(view.secret("prod", "t").state, SecretState::NotFound);
  EXPECT_TRUE(gives_cluster_facts(ClusterFacts{}, {ns}));
  EXPECT_FALSE(gives_cluster_facts(ClusterFacts{}, {doc_from_yaml(host("h1"))}));
}

TEST(OfflineCluster, ASecretWhoseDataIsNotBase64IsAnInputErrorWithoutTheValue) {
  InputDoc secret = doc_from_yaml(R"(apiVersion: v1
kind: Secret
metadata: {name: s, namespace: prod}
data: {insecureSkipVerify: "not base64!"}
)");
  try {
    OfflineCluster view(ClusterFacts{}, {secret}, "");
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("Secret prod/s: data.insecureSkipVerify is not base64"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("not base64!"), std::string::npos) << e.what();
  }
}

TEST(OfflineCluster, FixtureClusterKeysAreChecked) {
  struct Case {
    std::string text, pointer, says;
  };
  for (const Case& c : std::vector<Case>{
           {"secrets: [{name: s, key: [user]}]", "/secrets/0/key", "unknown key 'key' in secret"},
           {"secrets: [{namespace: d}]", "/secrets/0/name", "needs `name`"},
           {"secrets: [{name: s, keys: user}]", "/secrets/0/keys", "must be a list of names"},
           {"secrets: [{name: s}, {name: s}]", "/secrets/1/name", "duplicate secret default/s"},
           {"clusterHosts: [{name: h, provider: p}]", "/clusterHosts/0/id", "needs `id`"},
           {"clusterHosts: [{name: h, provider: p, id: i, deleting: maybe}]",
            "/clusterHosts/0/deleting", "true or false"},
           {"endpoints: {address: 127.0.0.1}", "/endpoints", "must be a list"},
           {"endpoints: [{address: 127.0.0.1, login: ''}]", "/endpoints/0/login", "ok, invalid"},
           {"namespaces: [{name: n, labels: {a: 1}}]", "/namespaces/0/labels/a", "quote"},
       }) {
    try {
      parse_fixture(parse_yaml_one("providers: []\n" + c.text + "\n").value);
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const DocumentError& e) {
      EXPECT_EQ(e.pointer, c.pointer) << c.text;
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
  }
}

// `host-harness test` gives each case the fixture's cluster and the case's own manifests.
// The suite names its files relative to itself, as write() names them.
std::string base_name(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

TEST(OfflineCluster, SuiteCasesUseTheFixturesCluster) {
  const std::string fixture =
      write("suite-inventory.yaml",
            inventory("clusterHosts: [{namespace: demo, name: esxi-01, provider: vsphere-provider, "
                      "id: host-10}]\nsecrets: [{namespace: demo, name: host-secret, keys: [user, "
                      "password]}]\n"));
  const std::string dup = write("suite-dup.yaml", host("h1"));
  const std::string ok = write("suite-ok.yaml", host("h2", "host-20", "127.0.0.20"));
  const std::string suite_file = write("suite.yaml", "inventory: " + base_name(fixture) + R"(
cases:
  - name: a second Host for host-10 is refused
    manifest: )" + base_name(dup) + R"(
    expect: {allowed: false, rules: [host-duplicate]}
  - name: another host is fine
    manifest: )" + base_name(ok) + R"(
    expect: {allowed: true}
)");
  Suite suite = load_suite(suite_file);
  int seq = 0;
  for (const auto& c : suite.cases) {
    CaseOutcome o = run_case(suite, c, seq);
    EXPECT_TRUE(o.passed) << c.name << ": " << (o.reasons.empty() ? "" : o.reasons.front());
  }
}

}  // namespace
}  // namespace hostadm::harness
