// --inventory-ca-secret: the inventory's CA read from Forklift's cert-manager Secret through a
// mock Kubernetes API and followed as it is renewed, so admissions keep working when the CA
// changes, before and after the inventory restarts with its new certificate.
#include "server/kube_api_fixture.hpp"
#include "server/server_support.hpp"
#include "webhook/core/admission.hpp"

namespace hostadm::servertest {
namespace {

constexpr const char* kToken = "inventory-token";
constexpr const char* kForklift = "konveyor-forklift";
constexpr const char* kCaSecret = "forklift-inventory-serving-cert";

// Forklift's Secret as cert-manager writes it; ca.crt is what the webhook reads.
void put_ca_secret(const MockKubeApi& api, const fs::path& certs) {
  api.control("/__objects", {{"apiVersion", "v1"},
                             {"kind", "Secret"},
                             {"type", "kubernetes.io/tls"},
                             {"metadata", {{"name", kCaSecret}, {"namespace", kForklift}}},
                             {"data",
                              {{"ca.crt", base64_encode(read_file(certs / "ca.crt"))},
                               {"tls.crt", base64_encode(read_file(certs / "tls.crt"))},
                               {"tls.key", base64_encode(read_file(certs / "tls.key"))}}}});
}

class InventoryCaSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = write_fixture(dir_);
    make_certs(dir_ / "inventory-a");
    make_certs(dir_ / "inventory-b");
    write_file(dir_ / "token", kToken);
    api_ = std::make_unique<MockKubeApi>(dir_, "api-token");
    api_->add_namespace(kForklift);
  }

  void start_inventory(const std::string& certs, int port = 0) {
    inventory_ = serve_inventory(dir_, fixture_, dir_ / certs, port, certs, kToken);
    port_ = inventory_->wait_listening();
  }

  void start_webhook() {
    // No caching: every admission asks the inventory over a verified connection. No cluster
    // checks: the API is used for the CA Secret alone (what the least-privilege check below
    // holds), and the fixture's hosts have 192.168.x addresses, which a test never dials.
    const fs::path policy = write_policy(
        dir_, "policy.yaml",
        "inventoryFailure: deny\ninventoryTimeout: 5s\ncache: {ttl: 0s, negativeTtl: 0s, "
        "staleIfError: 0s}\nsecretCheck: \"off\"\nduplicateCheck: \"off\"\n"
        "endpointCheck: \"off\"\n");
    hook_ = std::make_unique<Webhook>(
        dir_, std::vector<std::string>{
                  "--inventory-url", "https://127.0.0.1:" + std::to_string(port_),
                  "--inventory-token-file", (dir_ / "token").string(), "--inventory-ca-secret",
                  std::string(kForklift) + "/" + kCaSecret, "--kubeconfig",
                  api_->kubeconfig().string(), "--policy", policy.string(),
                  // What these tests count is the CA Secret's API use only.
                  "--audit-interval", "0"});
    client_ = client_for(hook_->port, hook_->ca);
    client_->set_keep_alive(true);
  }

  Answer admit_one(const std::string& uid) {
    return admit(*client_, "mutate", adapter_review(uid));
  }

  int loads() const {
    int n = 0;
    const std::string log = hook_->proc->err();
    for (size_t at = log.find("inventory CA loaded"); at != std::string::npos;
         at = log.find("inventory CA loaded", at + 1))
      ++n;
    return n;
  }

  TempDir dir_;
  fs::path fixture_;
  std::unique_ptr<MockKubeApi> api_;
  std::unique_ptr<Child> inventory_;
  int port_ = 0;
  std::unique_ptr<Webhook> hook_;
  std::unique_ptr<httplib::SSLClient> client_;
};

TEST_F(InventoryCaSecretTest, ARenewedCaIsFollowedBeforeAndAfterTheInventoryRestarts) {
  put_ca_secret(*api_, dir_ / "inventory-a");
  start_inventory("inventory-a");
  start_webhook();
  ASSERT_TRUE(eventually([&] { return admit_one("warm").allowed(); })) << hook_->proc->err();

  // cert-manager renews: the Secret holds CA B; the inventory still serves A's certificate, as
  // it reads its certificate only when it starts.
  put_ca_secret(*api_, dir_ / "inventory-b");
  ASSERT_TRUE(eventually([&] { return loads() == 2; })) << hook_->proc->err();
  for (int i = 0; i < 3; ++i) {
    const Answer a = admit_one("before-restart-" + std::to_string(i));
    EXPECT_TRUE(a.allowed()) << "the previous CA must stay trusted: " << a.body;
  }

  // The inventory restarts with B's certificate on the same address: every admission works.
  inventory_->signal(SIGTERM);
  ASSERT_NE(inventory_->wait(), -1);
  start_inventory("inventory-b", port_);
  for (int i = 0; i < 5; ++i) {
    const Answer a = admit_one("after-restart-" + std::to_string(i));
    EXPECT_TRUE(a.allowed()) << a.body;
    EXPECT_FALSE(a.has_rule("inventory-unavailable")) << a.body;
  }
  EXPECT_TRUE(hook_->proc->running());

  // Least privilege: that one Secret, listed and watched by name; nothing else of the API.
  for (const auto& r : api_->requests()) {
    EXPECT_EQ(r["resource"], "secrets") << r.dump();
    EXPECT_EQ(r["namespace"], kForklift) << r.dump();
    EXPECT_TRUE(r["verb"] == "list" || r["verb"] == "watch") << r.dump();
    EXPECT_NE(r.value("query", "").find(std::string("fieldSelector=metadata.name=") + kCaSecret),
              std::string::npos)
        << r.dump();
  }
}

TEST_F(InventoryCaSecretTest, UntilTheSecretExistsAdmissionsSayWhatTheyWaitFor) {
  start_inventory("inventory-a");
  start_webhook();
  // Ready once the Secret was looked for (it is not there: readiness does not wait for it to
  // appear); the denial names it. The first list may still be under way when the port opens.
  ASSERT_TRUE(eventually([&] {
    const auto r = client_->Get("/readyz");
    return r && r->status == 200;
  })) << hook_->proc->err();
  const Answer waiting = admit_one("no-ca");
  EXPECT_FALSE(waiting.allowed()) << waiting.body;
  EXPECT_TRUE(waiting.has_rule("inventory-unavailable")) << waiting.body;
  EXPECT_NE(waiting.body.find("waiting for Secret konveyor-forklift/"
                              "forklift-inventory-serving-cert key ca.crt"),
            std::string::npos)
      << waiting.body;

  put_ca_secret(*api_, dir_ / "inventory-a");
  EXPECT_TRUE(eventually([&] { return admit_one("ca-arrived").allowed(); })) << hook_->proc->err();
}

TEST_F(InventoryCaSecretTest, ASecretWithoutACaKeepsTheOneInUse) {
  put_ca_secret(*api_, dir_ / "inventory-a");
  start_inventory("inventory-a");
  start_webhook();
  ASSERT_TRUE(eventually([&] { return admit_one("warm").allowed(); })) << hook_->proc->err();
  api_->control("/__objects", {{"apiVersion", "v1"},
                               {"kind", "Secret"},
                               {"metadata", {{"name", kCaSecret}, {"namespace", kForklift}}},
                               {"data", {{"ca.crt", base64_encode("not a certificate")}}}});
  ASSERT_FALSE(log_line_with(*hook_->proc, "holds no CA").empty()) << hook_->proc->err();
  EXPECT_NE(log_line_with(*hook_->proc, "holds no CA").find("key ca.crt holds no PEM"),
            std::string::npos);
  EXPECT_TRUE(admit_one("still").allowed());
}

}  // namespace
}  // namespace hostadm::servertest
