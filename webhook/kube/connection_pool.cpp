#include "webhook/kube/connection_pool.hpp"

#include <poll.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace hostadm::kube {

// cpp-httplib 0.11.4 adds the system trust store to a client's CA store unless it is given a CA
// file or directory. A directory that does not exist loads nothing and keeps the system store
// out, so a configured CA is the only one trusted, as in client-go.
constexpr const char* kNoSystemCaDir = "/nonexistent/hostadm-kube-no-system-ca";

struct TlsMaterial {
  std::vector<X509*> ca;
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  TlsMaterial() = default;
  TlsMaterial(const TlsMaterial&) = delete;
  TlsMaterial& operator=(const TlsMaterial&) = delete;
  ~TlsMaterial() {
    for (X509* c : ca) X509_free(c);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

namespace {

std::string read_pem_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw KubeConfigError("cannot read the " + what + " " + path + ": " + std::strerror(errno) +
                          "; check the kubeconfig or the mounted file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// PEM from the file when one is named, else the inline text; `where` names it in errors.
std::string pem_of(const std::string& file, const std::string& inline_pem, const std::string& what,
                   std::string& where) {
  if (!file.empty()) {
    where = "the " + what + " " + file;
    return read_pem_file(file, what);
  }
  where = "the " + what + " data of the kubeconfig";
  return inline_pem;
}

struct Bio {
  BIO* b;
  explicit Bio(const std::string& s) : b(BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))) {}
  ~Bio() { BIO_free(b); }
};

std::vector<X509*> read_certs(const std::string& pem, const std::string& where) {
  std::vector<X509*> out;
  Bio bio(pem);
  while (X509* c = PEM_read_bio_X509(bio.b, nullptr, nullptr, nullptr)) out.push_back(c);
  ERR_clear_error();  // the end of the PEM text reads as an error
  if (out.empty())
    throw KubeConfigError(where +
                          " holds no PEM certificate; give the CA bundle that signed the "
                          "API server's certificate");
  return out;
}

std::shared_ptr<const TlsMaterial> load_material(const KubeConfig& c) {
  auto m = std::make_shared<TlsMaterial>();
  std::string where;
  if (!c.ca_file.empty() || !c.ca_pem.empty())
    m->ca = read_certs(pem_of(c.ca_file, c.ca_pem, "CA file", where), where);
  if (!c.client_cert_file.empty() || !c.client_cert_pem.empty()) {
    auto certs = read_certs(
        pem_of(c.client_cert_file, c.client_cert_pem, "client certificate", where), where);
    m->cert = certs.front();
    for (size_t i = 1; i < certs.size(); ++i) X509_free(certs[i]);
    const std::string key_pem = pem_of(c.client_key_file, c.client_key_pem, "client key", where);
    Bio bio(key_pem);
    m->key = PEM_read_bio_PrivateKey(bio.b, nullptr, nullptr, nullptr);
    ERR_clear_error();
    if (!m->key)
      throw KubeConfigError(where +
                            " holds no unencrypted PEM private key; give the key of the "
                            "client certificate");
    if (X509_check_private_key(m->cert, m->key) != 1) {
      ERR_clear_error();
      throw KubeConfigError(where +
                            " does not belong to the client certificate; give the "
                            "matching pair");
    }
  }
  return m;
}

// An idle keep-alive connection the server has closed (or sent anything on, which it never does
// unasked) reads as readable: such a connection would fail the next request.
bool closed_by_peer(const httplib::ClientImpl& c) {
  pollfd p{c.socket(), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace

std::string transport_cause(httplib::Error err) {
  static const TransportHints kApiServer{
      "",
      "the API server's certificate is not trusted (check the CA, and that the server name is "
      "in the certificate)"};
  return hostadm::transport_cause(err, kApiServer);
}

ConnectionPool::ConnectionPool(const KubeConfig& config, size_t max_idle)
    : config_(config),
      url_(parse_http_url(config.server, "server", "https://api.example.com:6443")),
      max_idle_(max_idle),
      material_(load_material(config)) {
  ca_stamp_ = FileStamp::of(config_.ca_file);
  cert_stamp_ = FileStamp::of(config_.client_cert_file);
  key_stamp_ = FileStamp::of(config_.client_key_file);
}

ConnectionPool::~ConnectionPool() = default;

std::string ConnectionPool::material_error() const {
  std::lock_guard<std::mutex> lk(mu_);
  return material_error_;
}

void ConnectionPool::follow_files() {
  const FileStamp ca = FileStamp::of(config_.ca_file);
  const FileStamp cert = FileStamp::of(config_.client_cert_file);
  const FileStamp key = FileStamp::of(config_.client_key_file);
  if (ca == ca_stamp_ && cert == cert_stamp_ && key == key_stamp_) return;
  ca_stamp_ = ca;
  cert_stamp_ = cert;
  key_stamp_ = key;
  try {
    material_ = load_material(config_);
    material_error_.clear();
  } catch (const KubeConfigError& e) {
    // A file caught half-written: keep what worked, say why, try again on the next change.
    material_error_ = e.what();
    return;
  }
  ++generation_;
  idle_.clear();
}

std::unique_ptr<httplib::ClientImpl> ConnectionPool::build(const TlsMaterial& m) const {
  std::unique_ptr<httplib::ClientImpl> client;
  if (url_.scheme == "https") {
    auto ssl = m.cert ? std::make_unique<httplib::SSLClient>(url_.host, url_.port, m.cert, m.key)
                      : std::make_unique<httplib::SSLClient>(url_.host, url_.port);
    if (!m.ca.empty()) {
      X509_STORE* store = X509_STORE_new();
      for (X509* c : m.ca) X509_STORE_add_cert(store, c);
      ssl->set_ca_cert_store(store);  // owned by the client's SSL_CTX from here
      ssl->set_ca_cert_path("", kNoSystemCaDir);
    }
    ssl->enable_server_certificate_verification(!config_.insecure_skip_tls_verify);
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url_.host, url_.port);
  }
  client->set_tcp_nodelay(true);
  client->set_keep_alive(true);
  client->set_url_encode(false);  // paths and queries are encoded by resource.cpp
  return client;
}

ConnectionPool::Lease ConnectionPool::take() {
  std::shared_ptr<const TlsMaterial> material;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    follow_files();
    if (!idle_.empty()) {
      // The client is kept even when its connection is gone: it reconnects on its next request,
      // and building another (an SSL_CTX, its CA store) for every failure would churn the heap
      // while the API server drops connections.
      Lease l = std::move(idle_.back());
      idle_.pop_back();
      if (l.client->is_socket_open() && closed_by_peer(*l.client)) l.client->stop();
      l.reused = l.client->is_socket_open();
      return l;
    }
    material = material_;
    generation = generation_;
  }
  Lease l;
  l.client = build(*material);
  l.generation = generation;
  return l;
}

void ConnectionPool::give_back(Lease lease) {
  if (!lease.client) return;
  std::lock_guard<std::mutex> lk(mu_);
  if (lease.generation != generation_ || idle_.size() >= max_idle_) return;
  lease.reused = false;
  idle_.push_back(std::move(lease));
}

}  // namespace hostadm::kube
