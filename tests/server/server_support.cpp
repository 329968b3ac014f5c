// Helpers for the end-to-end server tests (server_support.hpp).
#include "server/server_support.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

namespace hostadm::servertest {

Webhook::Webhook(const TempDir& dir, const std::vector<std::string>& extra, const std::string& name,
                 const fs::path& cert_dir, const std::vector<std::string>& env) {
  const fs::path certs = cert_dir.empty() ? dir.path() / "certs" : cert_dir;
  if (!fs::exists(certs / "tls.crt")) make_certs(certs);
  ca = certs / "ca.crt";
  std::vector<std::string> args = {"--listen",           "127.0.0.1:0",
                                   "--tls-cert",         (certs / "tls.crt").string(),
                                   "--tls-key",          (certs / "tls.key").string(),
                                   "--drain-delay",      "1s",
                                   "--shutdown-timeout", "20s"};
  args.insert(args.end(), extra.begin(), extra.end());
  proc = std::make_unique<Child>(webhook_bin(), args, dir / (name + ".out"), dir / (name + ".err"),
                                 env);
  port = proc->wait_listening();
}

MockInventory::MockInventory(const TempDir& dir, const fs::path& fixture, const std::string& tok)
    : token(tok) {
  const fs::path certs = dir.path() / "inventory-certs";
  make_certs(certs);
  ca = certs / "ca.crt";
  proc = std::make_unique<Child>(
      harness_bin(),
      std::vector<std::string>{"serve-inventory", "--inventory", fixture.string(), "--listen",
                               "127.0.0.1:0", "--tls-cert", (certs / "tls.crt").string(),
                               "--tls-key", (certs / "tls.key").string(), "--token", token},
      dir / "inventory.out", dir / "inventory.err");
  // A hang guard, not a timing: under TSan reading a real-size fixture (2,000 hosts, 18 MB)
  // takes longer than the default 30 s.
  port = proc->wait_listening(std::chrono::minutes(3));
}

std::unique_ptr<httplib::SSLClient> MockInventory::client() const {
  auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  c->set_ca_cert_path(ca.c_str());
  c->enable_server_certificate_verification(true);
  c->set_bearer_token_auth(token.c_str());
  c->set_read_timeout(30, 0);
  return c;
}

void MockInventory::faults(const json& f) const {
  auto res = client()->Post("/__faults", f.dump(), "application/json");
  if (!res || res->status != 200)
    throw std::runtime_error("POST /__faults failed: " + (res ? res->body : "no answer"));
}

json MockInventory::requests() const {
  auto res = client()->Get("/__requests");
  if (!res || res->status != 200) throw std::runtime_error("GET /__requests failed");
  return json::parse(res->body);
}

void MockInventory::reset_requests() const {
  auto res = client()->Post("/__requests/reset", "", "application/json");
  if (!res || res->status != 200) throw std::runtime_error("POST /__requests/reset failed");
}

std::unique_ptr<Child> serve_inventory(const TempDir& dir, const fs::path& fixture,
                                       const fs::path& certs, int port, const std::string& name,
                                       const std::string& token) {
  return std::make_unique<Child>(
      harness_bin(),
      std::vector<std::string>{"serve-inventory", "--inventory", fixture.string(), "--listen",
                               "127.0.0.1:" + std::to_string(port), "--tls-cert",
                               (certs / "tls.crt").string(), "--tls-key",
                               (certs / "tls.key").string(), "--token", token},
      dir / (name + ".out"), dir / (name + ".err"));
}

std::unique_ptr<httplib::SSLClient> client_for(int port, const fs::path& ca, int read_timeout_s) {
  auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  c->set_ca_cert_path(ca.c_str());
  c->enable_server_certificate_verification(true);
  c->set_read_timeout(read_timeout_s, 0);
  c->set_connection_timeout(10, 0);
  return c;
}

json host_object(const std::string& name, const json& spec, const json& annotations,
                 const std::string& ns) {
  json md = {{"name", name}, {"namespace", ns}};
  if (!annotations.empty()) md["annotations"] = annotations;
  return {{"apiVersion", "forklift.konveyor.io/v1beta1"},
          {"kind", "Host"},
          {"metadata", md},
          {"spec", spec}};
}

json review(const std::string& uid, const std::string& operation, const json& object,
            const json& old_object, bool dry_run, const std::string& ns) {
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

json adapter_review(const std::string& uid) {
  return review(uid, "CREATE",
                host_object("h", {{"provider", {{"name", "vsphere-provider"}}}, {"id", "host-10"}},
                            {{kAdapter, "Management Network"}}));
}

json Answer::response() const {
  return review.is_object() ? review.value("response", json()) : json();
}

std::vector<std::string> Answer::warnings() const {
  std::vector<std::string> w;
  for (const auto& x : response().value("warnings", json::array())) w.push_back(x);
  return w;
}

bool Answer::has_rule(const std::string& rule) const {
  for (const auto& w : warnings())
    if (w.rfind(rule, 0) == 0) return true;
  const std::string msg = response().value("status", json::object()).value("message", "");
  return msg.find(rule + ":") != std::string::npos;
}

bool Answer::allowed() const {
  return response().value("allowed", false);
}

json Answer::patch() const {
  const auto r = response();
  if (!r.contains("patch")) return json::array();
  return decode_patch(r["patch"].get<std::string>());
}

json decode_patch(const std::string& b64) {
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

Answer post(httplib::SSLClient& c, const std::string& path, const std::string& body,
            const std::string& content_type) {
  Answer a;
  auto res = c.Post(path, body, content_type.c_str());
  if (!res) return a;
  a.status = res->status;
  a.body = res->body;
  a.review = json::parse(res->body, nullptr, false);
  if (a.review.is_discarded()) a.review = nullptr;
  return a;
}

Answer admit(httplib::SSLClient& c, const std::string& webhook, const json& rev,
             const std::string& timeout) {
  return post(c, "/" + webhook + "?timeout=" + timeout, rev.dump());
}

int connect_loopback(int port) {
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

namespace {
// A certificate's serial number in hex, as openssl x509 -serial prints it.
std::string serial_hex(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}
}  // namespace

std::string served_serial(int port) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "";
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  std::string serial;
  if (SSL_connect(ssl) == 1) {
    if (X509* cert = SSL_get1_peer_certificate(ssl)) {
      serial = serial_hex(cert);
      X509_free(cert);
    }
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return serial;
}

std::string file_serial(const fs::path& cert) {
  std::string out;
  FILE* f = std::fopen(cert.c_str(), "r");
  if (!f) return out;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!x) return out;
  out = serial_hex(x);
  X509_free(x);
  return out;
}

std::string log_line_with(const Child& proc, const std::string& needle) {
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

fs::path write_fixture(const TempDir& dir) {
  const fs::path p = dir / "inventory.yaml";
  write_file(p, kFixture);
  return p;
}

fs::path write_policy(const TempDir& dir, const std::string& name, const std::string& yaml) {
  const fs::path p = dir / name;
  write_file(p, yaml);
  return p;
}

}  // namespace hostadm::servertest
