// The serving certificate's life: rotation while a keep-alive client keeps the server busy,
// SIGHUP reloads, a bad new pair that must not replace the good one, the Kubernetes secret
// volume's `..data` symlink swap, and client-certificate checks (--client-ca). And the TLS
// policy scanners check: TLS 1.2 only with ECDHE and AEAD ciphers, --tls-min-version and
// --tls-cipher-suites.
#include <atomic>
#include <regex>
#include <thread>

#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

struct Handshake {
  bool ok = false;
  std::string version;  // "TLSv1.3"
  std::string cipher;   // OpenSSL's name, "ECDHE-ECDSA-AES128-GCM-SHA256"
};

// A fresh TLS handshake with 127.0.0.1:port from a client that offers at most `max_version`
// (0: OpenSSL's default, TLS 1.3) and, for TLS 1.2, only `ciphers` ("": OpenSSL's default), for
// TLS 1.3 only `suites` in that order ("": OpenSSL's default, AES-256-GCM first).
Handshake handshake(int port, int max_version = 0, const std::string& ciphers = "",
                    const std::string& suites = "") {
  Handshake h;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const timeval limit{30, 0};  // a refusal is an alert, at once; a hang must not stall the suite
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (max_version) SSL_CTX_set_max_proto_version(ctx, max_version);
  // Level 0: OpenSSL's client would otherwise refuse to offer the weak suites under test itself.
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, (ciphers + ":@SECLEVEL=0").c_str()) != 1)
    ADD_FAILURE() << "this OpenSSL does not know " << ciphers;
  if (!suites.empty() && SSL_CTX_set_ciphersuites(ctx, suites.c_str()) != 1)
    ADD_FAILURE() << "this OpenSSL does not know " << suites;
  SSL* ssl = SSL_new(ctx);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      h.ok = true;
      h.version = SSL_get_version(ssl);
      h.cipher = SSL_get_cipher_name(ssl);
      SSL_shutdown(ssl);
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return h;
}

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

TEST_F(TlsTest, Tls12OffersOnlyEcdheWithAeadCiphers) {
  Webhook hook(dir_, {"--inventory-fixture", fixture_.string()}, "webhook", certs_);
  auto c = client_for(hook.port, hook.ca);  // OpenSSL's defaults, as most clients
  auto res = c->Get("/healthz");
  ASSERT_TRUE(res) << "a default OpenSSL client cannot connect";
  EXPECT_EQ(res->status, 200);

  const Handshake tls13 = handshake(hook.port);
  EXPECT_TRUE(tls13.ok);
  EXPECT_EQ(tls13.version, "TLSv1.3");
  const Handshake tls12 = handshake(hook.port, TLS1_2_VERSION);
  ASSERT_TRUE(tls12.ok) << "a default TLS 1.2 client cannot connect";
  EXPECT_EQ(tls12.version, "TLSv1.2");
  EXPECT_EQ(tls12.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
  // CBC suites (no AEAD) that OpenSSL's own defaults still allow with an ECDSA certificate.
  for (const char* weak :
       {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA256"}) {
    const Handshake h = handshake(hook.port, TLS1_2_VERSION, weak);
    EXPECT_FALSE(h.ok) << "TLS 1.2 with " << weak << " was accepted";
  }
  EXPECT_TRUE(handshake(hook.port, TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305").ok);
}

// AES-128-GCM costs fewer instructions per record than AES-256-GCM: the server picks it over the
// client's order (OpenSSL offers AES-256 first; kube-apiserver's Go client offers AES-128 first),
// and a client offering only another TLS 1.3 suite still connects.
TEST_F(TlsTest, Tls13PrefersAes128GcmAndKeepsEverySuite) {
  Webhook hook(dir_, {"--inventory-fixture", fixture_.string()}, "webhook", certs_);
  const Handshake preferred = handshake(hook.port);
  ASSERT_TRUE(preferred.ok);
  EXPECT_EQ(preferred.version, "TLSv1.3");
  EXPECT_EQ(preferred.cipher, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(handshake(hook.port, 0, "", "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256").cipher,
            "TLS_AES_128_GCM_SHA256");
  for (const char* only : {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}) {
    const Handshake h = handshake(hook.port, 0, "", only);
    EXPECT_TRUE(h.ok) << only << " alone was refused";
    EXPECT_EQ(h.cipher, only);
  }
}

TEST_F(TlsTest, RsaKeyExchangeIsRefusedWithAnRsaCertificate) {
  // RSA key exchange needs an RSA certificate; make-certs.sh makes ECDSA ones.
  const fs::path rsa = dir_ / "rsa";
  fs::create_directories(rsa);
  ASSERT_EQ(run_shell("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
                      (rsa / "tls.key").string() + " -out " + (rsa / "tls.crt").string() +
                      " 2>/dev/null"),
            0);
  Webhook hook(dir_, {"--inventory-fixture", fixture_.string()}, "webhook-rsa", rsa);
  for (const char* weak : {"AES128-SHA", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA"}) {
    const Handshake h = handshake(hook.port, TLS1_2_VERSION, weak);
    EXPECT_FALSE(h.ok) << "TLS 1.2 with " << weak << " was accepted";
  }
  const Handshake tls12 = handshake(hook.port, TLS1_2_VERSION);
  ASSERT_TRUE(tls12.ok) << "a default TLS 1.2 client cannot connect";
  EXPECT_EQ(tls12.cipher, "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(handshake(hook.port).version, "TLSv1.3");
}

TEST_F(TlsTest, CipherSuitesFlagChoosesAndOrdersTheTls12Suites) {
  Webhook hook(dir_,
               {"--inventory-fixture", fixture_.string(), "--tls-cipher-suites",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256"},
               "webhook", certs_);
  const Handshake tls12 = handshake(hook.port, TLS1_2_VERSION);
  ASSERT_TRUE(tls12.ok);
  EXPECT_EQ(tls12.cipher, "ECDHE-ECDSA-AES256-GCM-SHA384");
  EXPECT_FALSE(handshake(hook.port, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256").ok)
      << "a suite left out of --tls-cipher-suites was accepted";
  EXPECT_EQ(handshake(hook.port).version, "TLSv1.3") << "TLS 1.3 is not configured by the list";
}

TEST_F(TlsTest, MinVersionTls13FromTheConfigFileRefusesTls12Clients) {
  const fs::path config = dir_.path() / "webhook.yaml";
  write_file(config, "tls-min-version: VersionTLS13\n");
  Webhook hook(dir_, {"--inventory-fixture", fixture_.string(), "--config", config.string()},
               "webhook", certs_);
  EXPECT_FALSE(handshake(hook.port, TLS1_2_VERSION).ok) << "a TLS 1.2 client was accepted";
  EXPECT_EQ(handshake(hook.port).version, "TLSv1.3");
  auto res = client_for(hook.port, hook.ca)->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(TlsTest, BadTlsSettingsExit2NamingTheFlagAndTheAllowedValues) {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> said;  // parts of the message
  };
  const fs::path config = dir_.path() / "bad.yaml";
  write_file(config, "listen: 127.0.0.1:0\ntls-cipher-suites: TLS_RSA_WITH_AES_128_GCM_SHA256\n");
  const std::vector<Case> cases = {
      {{"--tls-min-version", "VersionTLS10"},
       {"--tls-min-version", "'VersionTLS10'", "insecure", "VersionTLS12"}},
      {{"--tls-min-version=1.2"}, {"--tls-min-version", "'1.2'", "VersionTLS13"}},
      {{"--tls-cipher-suites", "TLS_RSA_WITH_AES_128_CBC_SHA"},
       {"--tls-cipher-suites", "TLS_RSA_WITH_AES_128_CBC_SHA", "insecure",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}},
      {{"--tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,AES128-SHA"},
       {"--tls-cipher-suites", "'AES128-SHA'", "not a cipher suite name"}},
      {{"--tls-cipher-suites", "TLS_AES_128_GCM_SHA256"},
       {"--tls-cipher-suites", "only TLS 1.3", "VersionTLS13"}},
      {{"--config", config.string()},
       {"bad.yaml:2: tls-cipher-suites", "insecure", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--listen",
                                     "127.0.0.1:0",
                                     "--tls-cert",
                                     (certs_ / "tls.crt").string(),
                                     "--tls-key",
                                     (certs_ / "tls.key").string(),
                                     "--inventory-fixture",
                                     fixture_.string()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Child child(webhook_bin(), args, dir_ / "bad.out", dir_ / "bad.err");
    EXPECT_EQ(child.wait(30s), 2) << c.args.back();
    const std::string err = child.err();
    for (const std::string& part : c.said)
      EXPECT_NE(err.find(part), std::string::npos) << "'" << part << "' not in: " << err;
  }
}

}  // namespace
}  // namespace hostadm::servertest
