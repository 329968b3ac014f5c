// Helpers for the end-to-end server tests: host-webhook and host-harness serve-inventory started
// on 127.0.0.1 port 0 (child_process.hpp), HTTPS clients that verify the server with the test CA,
// AdmissionReview builders, and the fixture every rule test runs against.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>
#include "server/child_process.hpp"

namespace hostadm::servertest {

using json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A started host-webhook on 127.0.0.1:0 with the given extra flags.
struct Webhook {
  std::unique_ptr<Child> proc;
  int port = 0;
  fs::path ca;

  Webhook(const TempDir& dir, const std::vector<std::string>& extra,
          const std::string& name = "webhook", const fs::path& cert_dir = {},
          const std::vector<std::string>& env = {}) {
    const fs::path certs = cert_dir.empty() ? dir.path() / "certs" : cert_dir;
    if (!fs::exists(certs / "tls.crt")) make_certs(certs);
    ca = certs / "ca.crt";
    std::vector<std::string> args = {"--listen",           "127.0.0.1:0",
                                     "--tls-cert",         (certs / "tls.crt").string(),
                                     "--tls-key",          (certs / "tls.key").string(),
                                     "--drain-delay",      "1s",
                                     "--shutdown-timeout", "20s"};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<Child>(webhook_bin(), args, dir / (name + ".out"),
                                   dir / (name + ".err"), env);
    port = proc->wait_listening();
  }
};

// host-harness serve-inventory over HTTPS with a bearer token.
struct MockInventory {
  std::unique_ptr<Child> proc;
  int port = 0;
  std::string token;
  fs::path ca;

  MockInventory(const TempDir& dir, const fs::path& fixture, const std::string& tok) : token(tok) {
    const fs::path certs = dir.path() / "inventory-certs";
    make_certs(certs);
    ca = certs / "ca.crt";
    proc = std::make_unique<Child>(
        harness_bin(),
        std::vector<std::string>{"serve-inventory", "--inventory", fixture.string(), "--listen",
                                 "127.0.0.1:0", "--tls-cert", (certs / "tls.crt").string(),
                                 "--tls-key", (certs / "tls.key").string(), "--token", token},
        dir / "inventory.out", dir / "inventory.err");
    port = proc->wait_listening();
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port); }

  std::unique_ptr<httplib::SSLClient> client() const {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    c->set_ca_cert_path(ca.c_str());
    c->enable_server_certificate_verification(true);
    c->set_bearer_token_auth(token.c_str());
    c->set_read_timeout(30, 0);
    return c;
  }
  void faults(const json& f) const {
    auto res = client()->Post("/__faults", f.dump(), "application/json");
    if (!res || res->status != 200)
      throw std::runtime_error("POST /__faults failed: " + (res ? res->body : "no answer"));
  }
  json requests() const {
    auto res = client()->Get("/__requests");
    if (!res || res->status != 200) throw std::runtime_error("GET /__requests failed");
    return json::parse(res->body);
  }
  void reset_requests() const {
    auto res = client()->Post("/__requests/reset", "", "application/json");
    if (!res || res->status != 200) throw std::runtime_error("POST /__requests/reset failed");
  }
};

// serve-inventory with the pair in `certs` (make_certs), on `port` (0: any free port), accepting
// `token`: for tests that restart the inventory with another certificate on the same address.
inline std::unique_ptr<Child> serve_inventory(const TempDir& dir, const fs::path& fixture,
                                              const fs::path& certs, int port,
                                              const std::string& name, const std::string& token) {
  return std::make_unique<Child>(
      harness_bin(),
      std::vector<std::string>{"serve-inventory", "--inventory", fixture.string(), "--listen",
                               "127.0.0.1:" + std::to_string(port), "--tls-cert",
                               (certs / "tls.crt").string(), "--tls-key",
                               (certs / "tls.key").string(), "--token", token},
      dir / (name + ".out"), dir / (name + ".err"));
}

inline std::unique_ptr<httplib::SSLClient> client_for(int port, const fs::path& ca,
                                                      int read_timeout_s = 30) {
  auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  c->set_ca_cert_path(ca.c_str());
  c->enable_server_certificate_verification(true);
  c->set_read_timeout(read_timeout_s, 0);
  c->set_connection_timeout(10, 0);
  return c;
}

inline json host_object(const std::string& name, const json& spec,
                        const json& annotations = json::object(), const std::string& ns = "demo") {
  json md = {{"name", name}, {"namespace", ns}};
  if (!annotations.empty()) md["annotations"] = annotations;
  return {{"apiVersion", "forklift.konveyor.io/v1beta1"},
          {"kind", "Host"},
          {"metadata", md},
          {"spec", spec}};
}

inline json review(const std::string& uid, const std::string& operation, const json& object,
                   const json& old_object = nullptr, bool dry_run = false,
                   const std::string& ns = "demo") {
  json req = {
      {"uid", uid},
      {"kind", {{"group", "forklift.konveyor.io"}, {"version", "v1beta1"}, {"kind", "Host"}}},
      {"resource",
       {{"group", "forklift.konveyor.io"}, {"version", "v1beta1"}, {"resource", "hosts"}}},
      {"requestKind",
       {{"group", "forklift.konveyor.io"}, {"version", "v1beta1"}, {"kind", "Host"}}},
      {"requestResource",
       {{"group", "forklift.konveyor.io"}, {"version", "v1beta1"}, {"resource", "hosts"}}},
      {"name", object.is_object() ? object["metadata"].value("name", "") : ""},
      {"namespace", ns},
      {"operation", operation},
      {"userInfo", {{"username", "kubernetes-admin"}, {"groups", {"system:masters"}}}},
      {"object", object},
      {"oldObject", old_object},
      {"dryRun", dry_run}};
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}};
}

// The adapter annotation the default policy reads.
inline constexpr const char* kAdapter = "forklift.konveyor.io/network-adapter";

// A CREATE of a Host that names its adapter and no IP: admitted with a patch against kFixture.
inline json adapter_review(const std::string& uid) {
  return review(uid, "CREATE",
                host_object("h", {{"provider", {{"name", "vsphere-provider"}}}, {"id", "host-10"}},
                            {{kAdapter, "Management Network"}}));
}

struct Answer {
  int status = 0;  // 0: no HTTP answer
  std::string body;
  json review;  // parsed body when it is JSON
  json response() const { return review.is_object() ? review.value("response", json()) : json(); }
  std::vector<std::string> warnings() const {
    std::vector<std::string> w;
    for (const auto& x : response().value("warnings", json::array())) w.push_back(x);
    return w;
  }
  // True when a warning or the denial message starts with `rule`.
  bool has_rule(const std::string& rule) const {
    for (const auto& w : warnings())
      if (w.rfind(rule, 0) == 0) return true;
    const std::string msg = response().value("status", json::object()).value("message", "");
    return msg.find(rule + ":") != std::string::npos;
  }
  bool allowed() const { return response().value("allowed", false); }
  json patch() const;
};

json decode_patch(const std::string& b64);

inline json Answer::patch() const {
  const auto r = response();
  if (!r.contains("patch")) return json::array();
  return decode_patch(r["patch"].get<std::string>());
}

inline json decode_patch(const std::string& b64) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  // Unsigned: the accumulator's high bits are shifted out, which is overflow for an int.
  uint32_t val = 0;
  int bits = -8;
  for (unsigned char c : b64) {
    if (c == '=') break;
    const auto pos = kAlphabet.find(static_cast<char>(c));
    if (pos == std::string::npos) throw std::runtime_error("patch is not base64");
    val = (val << 6) + static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return json::parse(out);
}

inline Answer post(httplib::SSLClient& c, const std::string& path, const std::string& body,
                   const std::string& content_type = "application/json") {
  Answer a;
  auto res = c.Post(path, body, content_type.c_str());
  if (!res) return a;
  a.status = res->status;
  a.body = res->body;
  a.review = json::parse(res->body, nullptr, false);
  if (a.review.is_discarded()) a.review = nullptr;
  return a;
}

inline Answer admit(httplib::SSLClient& c, const std::string& webhook, const json& rev,
                    const std::string& timeout = "10s") {
  return post(c, "/" + webhook + "?timeout=" + timeout, rev.dump());
}

// A TCP connection to 127.0.0.1:port; -1 when connect failed.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The serial (hex) of the certificate a fresh TLS connection to 127.0.0.1:port is served.
inline std::string served_serial(int port) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "";
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  std::string serial;
  if (SSL_connect(ssl) == 1) {
    if (X509* cert = SSL_get1_peer_certificate(ssl)) {
      BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
      char* hex = BN_bn2hex(bn);
      serial = hex;
      OPENSSL_free(hex);
      BN_free(bn);
      X509_free(cert);
    }
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return serial;
}

inline std::string file_serial(const fs::path& cert) {
  std::string out;
  FILE* f = std::fopen(cert.c_str(), "r");
  if (!f) return out;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!x) return out;
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
  char* hex = BN_bn2hex(bn);
  out = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  X509_free(x);
  return out;
}

// The first stderr line of `proc` that contains `needle` (e.g. a uid), once it was written;
// "" when none came.
inline std::string log_line_with(const Child& proc, const std::string& needle) {
  std::string line;
  eventually([&] {
    std::istringstream in(proc.err());
    for (std::string l; std::getline(in, l);)
      if (l.find(needle) != std::string::npos) {
        line = l;
        return true;
      }
    return false;
  });
  return line;
}

// The fixture every rule test runs against (the fixture format).
inline const char* kFixture = R"(providers:
  - name: vsphere-provider
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000001
    sdkEndpoint: vcenter
    secret: {name: vsphere-secret, namespace: demo}
    hosts:
      - id: host-10
        name: esxi-01.example.com
        status: green
        inMaintenance: false
        networkAdapters:
          - {name: Management Network, ipAddress: 192.168.1.10}
          - {name: vMotion Network, ipAddress: 10.0.0.10}
          - {name: Storage Network}
      - id: host-11
        name: esxi-02.example.com
        status: yellow
        inMaintenance: true
        networkAdapters:
          - {name: Mgmt, ipAddress: 192.168.1.11}
          - {name: Mgmt, ipAddress: 192.168.1.111}
      - id: host-12
        name: dc1/esxi-dup.example.com
        status: green
        networkAdapters:
          - {name: Mgmt, ipAddress: 192.168.1.12}
      - id: host-13
        name: dc2/esxi-dup.example.com
        status: green
        networkAdapters:
          - {name: Mgmt, ipAddress: 192.168.1.13}
  - name: esxi-provider
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000002
    sdkEndpoint: esxi
    secret: {name: esxi-secret, namespace: demo}
    hosts:
      - id: host-20
        name: esxi-20.example.com
        status: green
        networkAdapters:
          - {name: Management Network, ipAddress: 192.168.2.20}
  - name: not-ready
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000003
    ready: false
    secret: {name: s, namespace: demo}
    hosts: []
  - name: syncing
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000004
    synced: false
    secret: {name: s, namespace: demo}
    hosts: []
  - name: ocp
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000005
    type: openshift
    hosts: []
)";

inline fs::path write_fixture(const TempDir& dir) {
  const fs::path p = dir / "inventory.yaml";
  write_file(p, kFixture);
  return p;
}

inline fs::path write_policy(const TempDir& dir, const std::string& name, const std::string& yaml) {
  const fs::path p = dir / name;
  write_file(p, yaml);
  return p;
}

}  // namespace hostadm::servertest
