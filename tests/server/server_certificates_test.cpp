// --manage-certificates against a mock Kubernetes API (host-harness serve-kube over TLS): the
// certificates created into the Secret and served, the caBundle written into exactly the two
// named configurations (and put back when reset), renewal served without a restart, two
// replicas converging on one Secret through 409 Conflict, and what /readyz says meanwhile.
#include "server/kube_api_fixture.hpp"
#include "server/server_support.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/server/x509_pem.hpp"

namespace hostadm::servertest {
namespace {

constexpr const char* kSecret = "host-webhook-certificates";
constexpr const char* kConfiguration = "forklift-host-webhook";
constexpr const char* kServiceName = "host-webhook.demo.svc";

json webhook_configuration(const std::string& kind, const std::string& name, int webhooks = 1) {
  json hooks = json::array();
  for (int i = 0; i < webhooks; ++i)
    hooks.push_back(
        {{"name", "hook" + std::to_string(i) + ".example.io"},
         {"admissionReviewVersions", {"v1"}},
         {"sideEffects", "None"},
         {"clientConfig", {{"service", {{"namespace", "demo"}, {"name", "host-webhook"}}}}}});
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", kind},
          {"metadata", {{"name", name}}},
          {"webhooks", hooks}};
}

// What the install renders: an empty Secret, both configurations; and one that is not ours.
void install(const MockKubeApi& api, bool with_secret = true) {
  api.add_namespace("demo");
  if (with_secret)
    api.control("/__objects", {{"apiVersion", "v1"},
                               {"kind", "Secret"},
                               {"metadata", {{"name", kSecret}, {"namespace", "demo"}}}});
  api.control("/__objects", webhook_configuration("MutatingWebhookConfiguration", kConfiguration));
  api.control("/__objects",
              webhook_configuration("ValidatingWebhookConfiguration", kConfiguration, 2));
  api.control("/__objects", webhook_configuration("MutatingWebhookConfiguration", "other"));
}

// GET of an object from the mock (a fault set for the webhook applies to it too).
json object(const MockKubeApi& api, const std::string& path) {
  httplib::SSLClient c("127.0.0.1", api.port());
  c.enable_server_certificate_verification(false);
  std::string token = read_file(api.client_token());
  token.erase(token.find_last_not_of('\n') + 1);
  auto res = c.Get(path.c_str(), {{"Authorization", "Bearer " + token}});
  if (!res || res->status != 200) return nullptr;
  return json::parse(res->body);
}

json secret(const MockKubeApi& api) {
  return object(api, std::string("/api/v1/namespaces/demo/secrets/") + kSecret);
}

std::string secret_key(const json& s, const std::string& key) {
  if (!s.is_object() || !s.contains("data") || !s["data"].contains(key)) return "";
  return base64_decode(s["data"][key].get<std::string>());
}

std::string serial_of_pem(const std::string& pem) {
  return server::facts_of(server::read_certificates(pem, "test").front().get()).serial_hex;
}

// The serial a TLS client that trusts only `ca_pem` and checks the name `host` is served; "" when
// it does not verify.
std::string verified_serial(int port, const std::string& ca_pem, const std::string& host) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "";
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (auto& c : server::read_certificates(ca_pem, "ca")) X509_STORE_add_cert(store, c.get());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_tlsext_host_name(ssl, host.c_str());
  SSL_set1_host(ssl, host.c_str());
  SSL_set_fd(ssl, fd);
  std::string serial;
  if (SSL_connect(ssl) == 1 && SSL_get_verify_result(ssl) == X509_V_OK) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    serial = server::facts_of(cert).serial_hex;
    X509_free(cert);
    SSL_shutdown(ssl);
  }
  ERR_clear_error();
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return serial;
}

// host-webhook --manage-certificates against `api`.
struct ManagedWebhook {
  std::unique_ptr<Child> proc;
  int port = 0;

  ManagedWebhook(const TempDir& dir, const MockKubeApi& api, const std::string& name,
                 const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--listen",
                                     "127.0.0.1:0",
                                     "--manage-certificates",
                                     "--kubeconfig",
                                     api.kubeconfig().string(),
                                     "--inventory-fixture",
                                     write_fixture(dir).string(),
                                     "--drain-delay",
                                     "1s",
                                     "--shutdown-timeout",
                                     "20s"};
    // These tests count the certificates' API calls: no audit's among them.
    args.insert(args.end(), {"--audit-interval", "0"});
    args.insert(args.end(), extra.begin(), extra.end());
    proc =
        std::make_unique<Child>(webhook_bin(), args, dir / (name + ".out"), dir / (name + ".err"));
    port = proc->wait_listening();
  }

  // /readyz without verifying the certificate (it may still be the provisional one).
  std::pair<int, std::string> readyz() const {
    httplib::SSLClient c("127.0.0.1", port);
    c.enable_server_certificate_verification(false);
    c.set_read_timeout(10, 0);
    auto res = c.Get("/readyz");
    return res ? std::pair{res->status, res->body} : std::pair{0, std::string()};
  }
  bool ready() const { return readyz().first == 200; }
};

TEST(ManagedCertificates, CreatedServedAndInjectedIntoExactlyTheTwoConfigurations) {
  TempDir dir;
  MockKubeApi api(dir, "certs-token");
  install(api);
  ManagedWebhook hook(dir, api, "webhook");
  ASSERT_TRUE(eventually([&] { return hook.ready(); })) << hook.proc->err();
  // Served and injected: the caBundle follows the Secret's write at once.
  ASSERT_TRUE(eventually([&] { return api.requests_of("patch").size() == 3; }));
  const json requests = api.requests();

  const json s = secret(api);
  const std::string ca = secret_key(s, "ca.crt"), crt = secret_key(s, "tls.crt");
  ASSERT_FALSE(ca.empty()) << s.dump();
  ASSERT_FALSE(secret_key(s, "ca.key").empty());
  ASSERT_FALSE(secret_key(s, "tls.key").empty());
  const auto facts = server::facts_of(server::read_certificates(crt, "tls.crt").front().get());
  EXPECT_EQ(facts.dns_names,
            (std::vector<std::string>{kServiceName, "host-webhook.demo.svc.cluster.local"}));
  // What kube-apiserver does: trust the caBundle, dial the Service's name.
  EXPECT_EQ(verified_serial(hook.port, ca, kServiceName), facts.serial_hex);
  EXPECT_EQ(verified_serial(hook.port, ca, "host-webhook.demo.svc.cluster.local"),
            facts.serial_hex);
  EXPECT_EQ(verified_serial(hook.port, ca, "other.demo.svc"), "");

  const std::string bundle = base64_encode(ca);
  for (const char* kind : {"mutatingwebhookconfigurations", "validatingwebhookconfigurations"}) {
    const json cfg = object(
        api, std::string("/apis/admissionregistration.k8s.io/v1/") + kind + "/" + kConfiguration);
    ASSERT_TRUE(cfg.is_object()) << kind;
    for (const auto& w : cfg["webhooks"])
      EXPECT_EQ(w["clientConfig"].value("caBundle", ""), bundle) << kind << " " << w["name"];
  }
  const json other =
      object(api, "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/other");
  EXPECT_FALSE(other["webhooks"][0]["clientConfig"].contains("caBundle"));

  // Only the Secret (by name) and the two configurations were asked for, with the verbs the
  // install's RBAC grants (the requests made before this test's own reads).
  for (const auto& r : requests) {
    const std::string verb = r["verb"], resource = r["resource"];
    if (resource == "hosts") {  // the duplicate check's watch (its own ClusterRole), not this
      EXPECT_TRUE(verb == "list" || verb == "watch") << r.dump();
      continue;
    }
    if (resource == "secrets") {
      EXPECT_EQ(r["namespace"], "demo") << r.dump();
      const std::string query = r.value("query", "");
      EXPECT_TRUE(
          r["name"] == kSecret ||
          query.find("fieldSelector=metadata.name=" + std::string(kSecret)) != std::string::npos ||
          query.find("fieldSelector=metadata.name%3D" + std::string(kSecret)) != std::string::npos)
          << r.dump();
      EXPECT_TRUE(verb == "get" || verb == "list" || verb == "watch" || verb == "patch")
          << r.dump();
    } else {
      EXPECT_TRUE(resource == "mutatingwebhookconfigurations" ||
                  resource == "validatingwebhookconfigurations")
          << r.dump();
      EXPECT_EQ(r["name"], kConfiguration) << r.dump();
      EXPECT_TRUE(verb == "get" || verb == "patch") << r.dump();
    }
  }
  const std::string log = hook.proc->err();
  EXPECT_EQ(log.find("PRIVATE KEY"), std::string::npos) << "a key reached the log";
  EXPECT_EQ(log.find(secret_key(s, "tls.key").substr(40, 40)), std::string::npos);
}

TEST(ManagedCertificates, RenewalIsServedWithoutARestart) {
  TempDir dir;
  MockKubeApi api(dir, "certs-token");
  install(api);
  // Renewed with a third left: every 4 seconds.
  ManagedWebhook hook(dir, api, "webhook", {"--certificate-validity", "6s"});
  ASSERT_TRUE(eventually([&] { return hook.ready(); })) << hook.proc->err();
  const json first = secret(api);
  const std::string ca = secret_key(first, "ca.crt");
  const std::string first_serial = serial_of_pem(secret_key(first, "tls.crt"));
  ASSERT_EQ(verified_serial(hook.port, ca, kServiceName), first_serial);

  std::string renewed;
  ASSERT_TRUE(eventually([&] {
    renewed = verified_serial(hook.port, ca, kServiceName);
    return !renewed.empty() && renewed != first_serial;
  })) << "the renewed certificate was never served: "
      << hook.proc->err();
  EXPECT_TRUE(hook.proc->running());
  const json second = secret(api);
  EXPECT_EQ(serial_of_pem(secret_key(second, "tls.crt")), renewed);
  EXPECT_EQ(secret_key(second, "ca.key"), secret_key(first, "ca.key")) << "the CA was kept";
  EXPECT_NE(hook.proc->err().find("certificates renewed"), std::string::npos);
}

TEST(ManagedCertificates, TwoReplicasStartedAtOnceConvergeOnOneSecretThrough409) {
  TempDir dir;
  MockKubeApi api(dir, "certs-token");
  install(api);
  // Both replicas read the empty Secret before either writes: each one's first read is answered
  // 2 s late (the mock reads the store at once, then waits), so the second write carries a
  // resourceVersion the first one has already replaced.
  api.faults(
      {{"rules", {{{"verb", "get"}, {"resource", "secrets"}, {"latencyMs", 2000}, {"times", 2}}}}});
  ManagedWebhook a(dir, api, "a");
  ManagedWebhook b(dir, api, "b");
  ASSERT_TRUE(eventually([&] { return a.ready() && b.ready(); })) << a.proc->err() << b.proc->err();

  int ok = 0, conflict = 0;
  for (const auto& r : api.requests_of("patch", "secrets")) {
    ok += r["code"] == 200;
    conflict += r["code"] == 409;
  }
  EXPECT_EQ(ok, 1) << api.requests().dump();
  EXPECT_EQ(conflict, 1) << api.requests().dump();
  const json s = secret(api);
  const std::string ca = secret_key(s, "ca.crt");
  EXPECT_EQ(server::read_certificates(ca, "ca.crt").size(), 1u);
  const std::string serial = serial_of_pem(secret_key(s, "tls.crt"));
  EXPECT_TRUE(eventually([&] {
    return verified_serial(a.port, ca, kServiceName) == serial &&
           verified_serial(b.port, ca, kServiceName) == serial;
  })) << "both replicas serve the winner's pair";
  EXPECT_NE((a.proc->err() + b.proc->err()).find("another replica changed the certificates"),
            std::string::npos);
}

TEST(ManagedCertificates, ACaBundleSomeoneResetIsWrittenAgain) {
  TempDir dir;
  MockKubeApi api(dir, "certs-token");
  install(api);
  ManagedWebhook hook(dir, api, "webhook", {"--certificate-check-interval", "1s"});
  ASSERT_TRUE(eventually([&] { return hook.ready(); })) << hook.proc->err();
  const std::string path = std::string("/apis/admissionregistration.k8s.io/v1/") +
                           "validatingwebhookconfigurations/" + kConfiguration;
  ASSERT_TRUE(eventually(
      [&] { return object(api, path)["webhooks"][1]["clientConfig"].contains("caBundle"); }));
  // `kubectl replace`, a GitOps tool: the configuration as rendered, without a caBundle. The
  // bundle was right until then, so a patch seen afterwards is the webhook answering the reset
  // (reading the reset object back instead raced the webhook's next check, 1 s later at most).
  api.reset_requests();
  api.control("/__objects",
              webhook_configuration("ValidatingWebhookConfiguration", kConfiguration, 2));
  const std::string bundle = base64_encode(secret_key(secret(api), "ca.crt"));
  EXPECT_TRUE(eventually([&] {
    const json cfg = object(api, path);
    return !api.requests_of("patch", "validatingwebhookconfigurations").empty() &&
           cfg["webhooks"][0]["clientConfig"].value("caBundle", "") == bundle &&
           cfg["webhooks"][1]["clientConfig"].value("caBundle", "") == bundle;
  })) << hook.proc->err();
}

TEST(ManagedCertificates, ReadinessSaysWhatIsMissingWhileHealthAnswers) {
  TempDir dir;
  MockKubeApi api(dir, "certs-token");
  install(api);
  api.faults({{"rules", {{{"verb", "get"}, {"resource", "secrets"}, {"status", 403}}}}});
  ManagedWebhook hook(dir, api, "webhook");
  std::pair<int, std::string> r;
  ASSERT_TRUE(eventually([&] {
    r = hook.readyz();
    return r.second.find("may not get Secret demo/host-webhook-certificates") != std::string::npos;
  })) << r.second;
  EXPECT_EQ(r.first, 503);
  EXPECT_NE(r.second.find("resourceNames"), std::string::npos) << r.second;
  httplib::SSLClient c("127.0.0.1", hook.port);
  c.enable_server_certificate_verification(false);
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200) << "the kubelet must not restart a pod waiting for RBAC";

  api.faults(json::object());  // the Role is applied
  EXPECT_TRUE(eventually([&] { return hook.ready(); }, 30s)) << hook.readyz().second;
}

TEST(ManagedCertificates, ADeletedSecretIsMadeAnew) {
  TempDir dir;
  MockKubeApi api(dir, "certs-token");
  install(api, /*with_secret=*/false);
  ManagedWebhook hook(dir, api, "webhook");
  ASSERT_TRUE(eventually([&] { return hook.ready(); })) << hook.proc->err();
  const json s = secret(api);
  EXPECT_EQ(s.value("type", ""), "kubernetes.io/tls");
  EXPECT_EQ(verified_serial(hook.port, secret_key(s, "ca.crt"), kServiceName),
            serial_of_pem(secret_key(s, "tls.crt")));
}

TEST(ManagedCertificates, WithoutAnApiTheFlagIsRefusedAtStart) {
  TempDir dir;
  Child c(webhook_bin(),
          {"--listen", "127.0.0.1:0", "--manage-certificates", "--inventory-fixture",
           write_fixture(dir).string()},
          dir / "out", dir / "err");
  EXPECT_EQ(c.wait(30s), 2);
  EXPECT_NE(c.err().find("--manage-certificates"), std::string::npos) << c.err();
  EXPECT_NE(c.err().find("--kubeconfig"), std::string::npos) << c.err();
}

}  // namespace
}  // namespace hostadm::servertest
