// The inventory's CA changes under a running webhook (cert-manager renews Forklift's CA, the
// kubelet swaps the mounted copy of --inventory-ca, the inventory restarts with a certificate
// from the new CA): admissions must succeed again without restarting the webhook.
#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

constexpr const char* kToken = "ca-test-token";

// What the kubelet does to a ConfigMap volume: the data lives in a timestamped directory, `..data`
// points at it, ca.crt points through `..data`, and an update swaps `..data` atomically.
void mount_ca(const fs::path& volume, const fs::path& ca, const std::string& version) {
  const fs::path data = volume / ("..v" + version);
  fs::create_directories(data);
  fs::copy_file(ca, data / "ca.crt", fs::copy_options::overwrite_existing);
  const fs::path tmp_link = volume / "..data_tmp";
  fs::remove(tmp_link);
  fs::create_directory_symlink(data.filename(), tmp_link);
  fs::rename(tmp_link, volume / "..data");
  if (!fs::is_symlink(volume / "ca.crt")) fs::create_symlink("..data/ca.crt", volume / "ca.crt");
}

TEST(InventoryCa, SwappedCaFileIsUsedWithoutRestartingTheWebhook) {
  TempDir dir;
  const fs::path fixture = write_fixture(dir);
  // Two inventories' certificate sets, each with its own CA (make-certs.sh makes one per dir).
  make_certs(dir / "inventory-a");
  make_certs(dir / "inventory-b");
  ASSERT_NE(read_file(dir / "inventory-a" / "ca.crt"), read_file(dir / "inventory-b" / "ca.crt"));
  const fs::path volume = dir / "inventory-ca";
  fs::create_directories(volume);
  mount_ca(volume, dir / "inventory-a" / "ca.crt", "a");
  write_file(dir / "token", kToken);

  auto inventory = serve_inventory(dir, fixture, dir / "inventory-a", 0, "inventory-a", kToken);
  const int port = inventory->wait_listening();
  // No caching, so every admission asks the inventory over a verified connection.
  const fs::path policy = write_policy(
      dir, "policy.yaml",
      "inventoryFailure: deny\ninventoryTimeout: 5s\ncache: {ttl: 0s, negativeTtl: 0s, "
      "staleIfError: 0s}\n");
  Webhook hook(dir, {"--inventory-url", "https://127.0.0.1:" + std::to_string(port),
                     "--inventory-token-file", (dir / "token").string(), "--inventory-ca",
                     (volume / "ca.crt").string(), "--policy", policy.string()});
  auto c = client_for(hook.port, hook.ca);
  c->set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    const Answer a = admit(*c, "mutate", adapter_review("uid-a" + std::to_string(i)));
    ASSERT_EQ(a.status, 200) << a.body;
    ASSERT_TRUE(a.allowed()) << a.body << hook.proc->err();
  }

  // The renewal: the inventory goes down and comes back on the same address with a certificate
  // from CA B; meanwhile the mounted CA file became B.
  inventory->signal(SIGTERM);
  ASSERT_NE(inventory->wait(), -1);
  mount_ca(volume, dir / "inventory-b" / "ca.crt", "b");
  inventory = serve_inventory(dir, fixture, dir / "inventory-b", port, "inventory-b", kToken);
  ASSERT_EQ(inventory->wait_listening(), port);

  // Every admission from now on, not just an eventual one: a client still holding CA A must not
  // come back into use.
  for (int i = 0; i < 10; ++i) {
    const Answer a = admit(*c, "mutate", adapter_review("uid-b" + std::to_string(i)));
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_TRUE(a.allowed()) << "admission " << i << " after the CA swap: " << a.body;
    EXPECT_FALSE(a.has_rule("inventory-unavailable")) << a.body;
  }
  EXPECT_TRUE(hook.proc->running());
}

}  // namespace
}  // namespace hostadm::servertest
