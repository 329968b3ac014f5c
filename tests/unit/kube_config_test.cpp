// Kubeconfig and in-cluster configuration: every field the client reads, and an error that names
// the file, the field and the fix for each way the input can be wrong.
#include "webhook/kube/kube_config.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostadm::kube {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class Dir {
 public:
  Dir() {
    std::string t = (fs::temp_directory_path() / "kubecfg-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~Dir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }
  fs::path path() const { return path_; }

 private:
  fs::path path_;
};

// base64 of "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
constexpr const char* kPemB64 =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

std::string kubeconfig(const std::string& cluster_extra, const std::string& user_extra,
                       const std::string& context_extra = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
         "clusters:\n- name: other\n  cluster: {server: 'https://other:6443'}\n"
         "- name: c1\n  cluster:\n    server: https://api.example.com:6443\n" +
         cluster_extra +
         "contexts:\n- name: prod\n  context: {cluster: other, user: u1}\n"
         "- name: dev\n  context:\n    cluster: c1\n    user: u1\n" +
         context_extra + "users:\n- name: u1\n  user:\n" + user_extra;
}

std::string error_of(const std::string& path, const std::string& context = "") {
  try {
    load_kubeconfig(path, context);
  } catch (const KubeConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(KubeConfigTest, ReadsEveryFieldOfTheCurrentContext) {
  Dir d;
  const std::string path = d.write(
      "cfg/config", kubeconfig("    certificate-authority: ca.crt\n",
                               "    token: abc\n    tokenFile: ../tok\n"
                               "    client-certificate-data: " +
                                   std::string(kPemB64) + "\n    client-key: /abs/key.pem\n",
                               "    namespace: team-a\n"));
  const KubeConfig c = load_kubeconfig(path);
  EXPECT_EQ(c.server, "https://api.example.com:6443");
  // Relative paths are taken from the kubeconfig's own directory, as kubectl does.
  EXPECT_EQ(c.ca_file, (d.path() / "cfg/ca.crt").string());
  EXPECT_EQ(c.token, "abc");
  EXPECT_EQ(c.token_file, (d.path() / "tok").string());
  EXPECT_EQ(c.client_cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_EQ(c.client_key_file, "/abs/key.pem");
  EXPECT_EQ(c.ns, "team-a");
  EXPECT_FALSE(c.insecure_skip_tls_verify);
  EXPECT_THAT(c.origin, HasSubstr("context dev"));
  EXPECT_THAT(c.origin, Not(HasSubstr("abc")));
}

TEST(KubeConfigTest, NamedContextDataCaInsecureAndDefaultNamespace) {
  Dir d;
  const std::string path =
      d.write("config", kubeconfig("    certificate-authority-data: " + std::string(kPemB64) + "\n",
                                   "    client-certificate: c.pem\n    client-key-data: " +
                                       std::string(kPemB64) + "\n"));
  KubeConfig c = load_kubeconfig(path);
  EXPECT_EQ(c.ca_pem.rfind("-----BEGIN", 0), 0u);
  EXPECT_FALSE(c.insecure_skip_tls_verify);
  EXPECT_EQ(c.ns, "default");
  EXPECT_EQ(c.client_cert_file, (d.path() / "c.pem").string());
  EXPECT_FALSE(c.client_key_pem.empty());
  c = load_kubeconfig(path, "prod");
  EXPECT_EQ(c.server, "https://other:6443");
  const std::string insecure =
      d.write("insecure", kubeconfig("    insecure-skip-tls-verify: true\n", ""));
  EXPECT_TRUE(load_kubeconfig(insecure).insecure_skip_tls_verify);
}

struct BadCase {
  const char* what;
  std::string text;
  std::vector<std::string> says;
};

TEST(KubeConfigTest, BadInputNamesFileFieldAndFix) {
  const std::vector<BadCase> cases = {
      {"not a map", "- a\n- b\n", {"is not a kubeconfig", "kubectl config view"}},
      {"YAML error", "clusters: [\n", {"line ", "fix the YAML"}},
      {"no current-context",
       "clusters: []\ncontexts: []\nusers: []\n",
       {"current-context is not set", "kubectl config use-context"}},
      {"unknown context",
       [] {
         std::string t = kubeconfig("", "    token: t\n");
         return t.replace(t.find("current-context: dev"), 20, "current-context: xyz");
       }(),
       {"contexts has no entry named 'xyz'"}},
      {"missing server",
       "current-context: a\ncontexts:\n- {name: a, context: {cluster: c}}\nclusters:\n- {name: "
       "c, cluster: {}}\n",
       {"clusters[name=c].cluster.server is missing", "e.g. https://"}},
      {"bad server",
       "current-context: a\ncontexts:\n- {name: a, context: {cluster: c}}\nclusters:\n- {name: "
       "c, cluster: {server: 'api:6443'}}\n",
       {"clusters[name=c].cluster.server", "has no scheme"}},
      {"bad base64",
       kubeconfig("    certificate-authority-data: '%%%'\n", ""),
       {"certificate-authority-data is not valid base64", "base64 -w0"}},
      {"both CA",
       kubeconfig("    certificate-authority: a\n    certificate-authority-data: " +
                      std::string(kPemB64) + "\n",
                  ""),
       {"sets both certificate-authority and certificate-authority-data"}},
      {"exec plugin",
       kubeconfig("", "    exec: {command: aws}\n"),
       {"users[name=u1].user.exec", "not supported", "token, tokenFile or client certificate"}},
      {"auth provider",
       kubeconfig("", "    auth-provider: {name: gcp}\n"),
       {"user.auth-provider is not supported"}},
      {"basic auth",
       kubeconfig("", "    username: a\n    password: s3cr3t-pw\n"),
       {"basic authentication"}},
      {"cert without key",
       kubeconfig("", "    client-certificate: c.pem\n"),
       {"has a client certificate but no client-key"}},
      {"proxy", kubeconfig("    proxy-url: http://p:3128\n", ""), {"proxy-url is not supported"}},
      {"CA and insecure",
       kubeconfig("    certificate-authority: ca.crt\n    insecure-skip-tls-verify: true\n", ""),
       {"insecure-skip-tls-verify together with a certificate authority"}},
      {"bad bool",
       kubeconfig("    insecure-skip-tls-verify: maybe\n", ""),
       {"insecure-skip-tls-verify must be true or false"}},
  };
  for (const auto& c : cases) {
    Dir d;
    const std::string path = d.write("config", c.text);
    const std::string err = error_of(path);
    EXPECT_THAT(err, HasSubstr("kubeconfig " + path)) << c.what;
    for (const auto& s : c.says) EXPECT_THAT(err, HasSubstr(s)) << c.what;
    // A password or token in the file never reaches the message.
    EXPECT_THAT(err, Not(HasSubstr("s3cr3t-pw"))) << c.what;
  }
}

TEST(KubeConfigTest, UnreadableFileIsNamed) {
  const std::string err = error_of("/nonexistent/dir/config");
  EXPECT_THAT(err, HasSubstr("cannot read kubeconfig /nonexistent/dir/config"));
  EXPECT_THAT(err, HasSubstr("check --kubeconfig"));
}

Getenv env(std::map<std::string, std::string> vars) {
  auto held = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [held](const char* name) -> const char* {
    auto it = held->find(name);
    return it == held->end() ? nullptr : it->second.c_str();
  };
}

TEST(KubeConfigTest, InClusterReadsTheServiceAccountDirectory) {
  Dir d;
  d.write("sa/token", "tok\n");
  d.write("sa/ca.crt", "PEM");
  d.write("sa/namespace", "forklift\n");
  const std::string sa = (d.path() / "sa").string();
  auto c = in_cluster_config(
      env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), sa);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token_file, sa + "/token");
  EXPECT_TRUE(c->token.empty());
  EXPECT_EQ(c->ca_file, sa + "/ca.crt");
  EXPECT_EQ(c->ns, "forklift");
  c = in_cluster_config(
      env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}), sa);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server, "https://[fd00::1]:6443");
}

TEST(KubeConfigTest, OutsideAPodThereIsNoConfiguration) {
  EXPECT_FALSE(in_cluster_config(env({}), "/nonexistent"));
  EXPECT_FALSE(in_cluster_config(env({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}}), "/nonexistent"));
  EXPECT_FALSE(resolve_kube_config("", env({}), "/nonexistent"));
}

TEST(KubeConfigTest, InClusterWithoutTokenSaysWhy) {
  Dir d;
  try {
    in_cluster_config(
        env({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
        (d.path() / "sa").string());
    FAIL() << "no error";
  } catch (const KubeConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr((d.path() / "sa/token").string()));
    EXPECT_THAT(e.what(), HasSubstr("automountServiceAccountToken"));
  }
}

TEST(KubeConfigTest, KubeconfigFlagWinsOverInCluster) {
  Dir d;
  const std::string path = d.write("config", kubeconfig("", "    token: t\n"));
  auto c = resolve_kube_config(
      path, env({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
      "/nonexistent");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server, "https://api.example.com:6443");
}

}  // namespace
}  // namespace hostadm::kube
