// How host-webhook finds the Kubernetes API for its cluster features: --kubeconfig, else the
// pod's service account, else none, which the log says once and which changes nothing else;
// an unusable configuration stops it at start-up with the file named.
#include "server/kube_api_fixture.hpp"
#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ClusterClient, WithoutAKubeconfigOrAPodTheClusterFeaturesAreOffAndSaidOnce) {
  TempDir dir;
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string()});
  auto c = client_for(hook.port, hook.ca);
  EXPECT_EQ(c->Get("/readyz")->status, 200);
  EXPECT_EQ(count(hook.proc->err(), "no Kubernetes API configured"), 1) << hook.proc->err();
}

TEST(ClusterClient, KubeconfigNamesTheApiItUses) {
  TempDir dir;
  MockKubeApi api(dir, "cluster-token");
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string(), "--kubeconfig",
                     api.kubeconfig().string()});
  const std::string err = hook.proc->err();
  EXPECT_NE(err.find("\"from\":\"kubeconfig " + api.kubeconfig().string()), std::string::npos)
      << err;
  EXPECT_NE(err.find(api.url()), std::string::npos) << err;
  EXPECT_EQ(err.find("no Kubernetes API configured"), std::string::npos) << err;
  EXPECT_EQ(err.find("cluster-token"), std::string::npos) << "the token was logged";
}

TEST(ClusterClient, AnUnusableConfigurationStopsTheStartNamingTheFile) {
  TempDir dir;
  make_certs(dir / "certs");
  const fs::path kubeconfig = dir / "kubeconfig";
  write_file(kubeconfig, "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n");
  const std::vector<std::string> base = {"--listen",
                                         "127.0.0.1:0",
                                         "--tls-cert",
                                         (dir / "certs/tls.crt").string(),
                                         "--tls-key",
                                         (dir / "certs/tls.key").string(),
                                         "--inventory-fixture",
                                         write_fixture(dir).string()};
  auto args = base;
  args.insert(args.end(), {"--kubeconfig", kubeconfig.string()});
  Child bad(webhook_bin(), args, dir / "bad.out", dir / "bad.err");
  EXPECT_EQ(bad.wait(30s), 2);
  EXPECT_NE(bad.err().find(kubeconfig.string()), std::string::npos) << bad.err();

  // In a pod whose service-account token is not mounted (automountServiceAccountToken: false):
  // refused at start, not on the first call.
  Child no_token(webhook_bin(), base, dir / "pod.out", dir / "pod.err",
                 {"KUBERNETES_SERVICE_HOST=127.0.0.1", "KUBERNETES_SERVICE_PORT=9"});
  EXPECT_EQ(no_token.wait(30s), 2);
  EXPECT_NE(no_token.err().find("service-account token"), std::string::npos) << no_token.err();
}

}  // namespace
}  // namespace hostadm::servertest
