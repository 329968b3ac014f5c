// The serving certificate's life: rotation while a keep-alive client keeps the server busy,
// SIGHUP reloads, a bad new pair that must not replace the good one, the Kubernetes secret
// volume's `..data` symlink swap, and client-certificate checks (--client-ca).
#include <atomic>
#include <regex>
#include <thread>

#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

int reload_count(const Webhook& hook, const std::string& result) {
  auto res = client_for(hook.port, hook.ca)->Get("/metrics");
  if (!res) return -1;
  const std::regex re("hostadm_tls_reloads_total\\{result=\"" + result + "\"\\} ([0-9]+)");
  std::smatch m;
  return std::regex_search(res->body, m, re) ? std::stoi(m[1]) : -1;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = write_fixture(dir_);
    certs_ = dir_ / "certs";
    make_certs(certs_);
  }
  TempDir dir_;
  fs::path fixture_, certs_;
};

TEST_F(TlsTest, RotationUnderKeepAliveLoadServesTheNewCertWithoutFailures) {
  Webhook hook(dir_, {"--inventory-fixture", fixture_.string(), "--cert-poll-interval", "200ms"},
               "webhook", certs_);
  const std::string old_serial = served_serial(hook.port);
  ASSERT_EQ(old_serial, file_serial(certs_ / "tls.crt"));

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::thread busy([&] {
    auto c = client_for(hook.port, hook.ca);
    c->set_keep_alive(true);
    int i = 0;
    while (!stop) {
      const Answer a = admit(*c, "mutate", adapter_review("uid-busy-" + std::to_string(i++)));
      (a.status == 200 && a.allowed() ? ok : failed)++;
    }
  });
  while (ok.load() < 20 && failed.load() == 0) std::this_thread::sleep_for(10ms);

  make_certs(certs_, /*rotate=*/true);
  const std::string new_serial = file_serial(certs_ / "tls.crt");
  ASSERT_NE(new_serial, old_serial);
  EXPECT_TRUE(eventually([&] { return served_serial(hook.port) == new_serial; }))
      << "new connections still get " << served_serial(hook.port);
  const int before = ok.load();
  while (ok.load() < before + 20 && failed.load() == 0) std::this_thread::sleep_for(10ms);
  stop = true;
  busy.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 40);
  EXPECT_GE(reload_count(hook, "success"), 2);
}

TEST_F(TlsTest, SighupReloadsTheCertificate) {
  // Polling is effectively off, so only the signal can explain a new certificate.
  Webhook hook(dir_, {"--inventory-fixture", fixture_.string(), "--cert-poll-interval", "1h"},
               "webhook", certs_);
  const std::string old_serial = served_serial(hook.port);
  make_certs(certs_, /*rotate=*/true);
  const std::string new_serial = file_serial(certs_ / "tls.crt");
  ASSERT_NE(new_serial, old_serial);
  EXPECT_EQ(served_serial(hook.port), old_serial);
  hook.proc->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return served_serial(hook.port) == new_serial; }));
  EXPECT_NE(hook.proc->err().find("serving certificate reloaded"), std::string::npos);
}

TEST_F(TlsTest, BadNewPairKeepsTheOldOne) {
  Webhook hook(dir_, {"--inventory-fixture", fixture_.string(), "--cert-poll-interval", "1h"},
               "webhook", certs_);
  const std::string old_serial = served_serial(hook.port);
  const int failures_before = reload_count(hook, "failure");

  // A key that does not belong to the certificate (a half-finished rotation).
  ASSERT_EQ(run_shell("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '" +
                      (certs_ / "tls.key").string() + "' 2>/dev/null"),
            0);
  hook.proc->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return reload_count(hook, "failure") == failures_before + 1; }));
  EXPECT_EQ(served_serial(hook.port), old_serial);
  EXPECT_NE(hook.proc->err().find("does not belong to"), std::string::npos) << hook.proc->err();

  // Garbage instead of a certificate.
  write_file(certs_ / "tls.crt", "not a certificate\n");
  hook.proc->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return reload_count(hook, "failure") == failures_before + 2; }));
  EXPECT_EQ(served_serial(hook.port), old_serial);
  auto c = client_for(hook.port, hook.ca);
  EXPECT_EQ(admit(*c, "mutate", adapter_review("uid-after-bad")).status, 200);
  auto ready = c->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
}

TEST_F(TlsTest, SecretVolumeSymlinkSwapIsPickedUp) {
  // The layout kubelet writes: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/.
  const fs::path vol = dir_ / "volume";
  fs::create_directories(vol / "..v1");
  fs::copy_file(certs_ / "tls.crt", vol / "..v1/tls.crt");
  fs::copy_file(certs_ / "tls.key", vol / "..v1/tls.key");
  fs::create_directory_symlink("..v1", vol / "..data");
  fs::create_symlink("..data/tls.crt", vol / "tls.crt");
  fs::create_symlink("..data/tls.key", vol / "tls.key");

  Webhook hook(dir_,
               {"--inventory-fixture", fixture_.string(), "--cert-poll-interval", "200ms",
                "--tls-cert", (vol / "tls.crt").string(), "--tls-key", (vol / "tls.key").string()},
               "webhook", certs_);
  const std::string old_serial = served_serial(hook.port);

  make_certs(certs_, /*rotate=*/true);
  const std::string new_serial = file_serial(certs_ / "tls.crt");
  ASSERT_NE(new_serial, old_serial);
  fs::create_directories(vol / "..v2");
  fs::copy_file(certs_ / "tls.crt", vol / "..v2/tls.crt");
  fs::copy_file(certs_ / "tls.key", vol / "..v2/tls.key");
  fs::create_directory_symlink("..v2", vol / "..data_tmp");
  fs::rename(vol / "..data_tmp", vol / "..data");  // atomic, as kubelet does it
  fs::remove_all(vol / "..v1");

  EXPECT_TRUE(eventually([&] { return served_serial(hook.port) == new_serial; }))
      << hook.proc->err();
}

TEST_F(TlsTest, ClientCaRequiresASignedClientCertificate) {
  make_certs(certs_, /*rotate=*/false, /*client=*/"kube-apiserver");
  Webhook hook(
      dir_, {"--inventory-fixture", fixture_.string(), "--client-ca", (certs_ / "ca.crt").string()},
      "webhook", certs_);
  {
    auto anonymous = client_for(hook.port, hook.ca);
    EXPECT_FALSE(anonymous->Get("/healthz")) << "a client without a certificate got an answer";
  }
  httplib::SSLClient c("127.0.0.1", hook.port, (certs_ / "client-kube-apiserver.crt").string(),
                       (certs_ / "client-kube-apiserver.key").string());
  c.set_ca_cert_path(hook.ca.c_str());
  c.enable_server_certificate_verification(true);
  const Answer a = admit(c, "mutate", adapter_review("uid-mtls"));
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.response()["uid"], "uid-mtls");
}

}  // namespace
}  // namespace hostadm::servertest
