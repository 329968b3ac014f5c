#include "webhook/server/tls.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "webhook/server/logging.hpp"
#include "webhook/server/x509_pem.hpp"

namespace hostadm::server {
namespace {

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "no PEM data";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

BioPtr open_file(const std::string& path, const char* what) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    throw std::runtime_error(std::string(what) + " " + path + ": cannot open (" +
                             std::strerror(errno) + ")");
  }
  return bio;
}

std::string read_whole(const std::string& path, const char* what) {
  BioPtr bio = open_file(path, what);
  std::string out;
  char buf[4096];
  for (int n; (n = BIO_read(bio.get(), buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

// One file's identity: the path itself (a symlink is replaced by a rename), the fully resolved
// target (`..data` swaps), and the target's inode, size and mtime (in-place rewrites).
std::string file_fingerprint(const std::string& path) {
  std::string out = path + "|";
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0)
    out += std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + "|";
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved)) out += std::string(resolved) + "|";
  if (::stat(path.c_str(), &st) == 0)
    out += std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
           std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
  else
    out += "missing";
  return out;
}

}  // namespace

CertPair::~CertPair() {
  X509_free(cert);
  EVP_PKEY_free(key);
  if (chain) sk_X509_pop_free(chain, X509_free);
}

std::shared_ptr<CertPair> cert_pair_from_pem(const std::string& cert_pem,
                                             const std::string& key_pem,
                                             const std::string& cert_what,
                                             const std::string& key_what) {
  ERR_clear_error();
  std::vector<X509Ptr> certs = read_certificates(cert_pem, cert_what);  // PemError names them
  EvpPkeyPtr key = read_private_key(key_pem, key_what);
  if (!key_matches(certs.front().get(), key.get()))
    throw std::runtime_error(key_what + " does not belong to " + cert_what +
                             " (a rotation may be half-written)");
  auto pair = std::make_shared<CertPair>();
  const CertificateFacts facts = facts_of(certs.front().get());
  pair->serial_hex = facts.serial_hex;
  pair->subject = facts.subject;
  pair->not_after = facts.not_after;
  pair->cert = certs.front().release();
  pair->key = key.release();
  pair->chain = sk_X509_new_null();
  for (size_t i = 1; i < certs.size(); ++i) sk_X509_push(pair->chain, certs[i].release());
  return pair;
}

std::shared_ptr<const CertPair> load_cert_pair(const std::string& cert_path,
                                               const std::string& key_path) {
  return cert_pair_from_pem(read_whole(cert_path, "--tls-cert"), read_whole(key_path, "--tls-key"),
                            "--tls-cert " + cert_path, "--tls-key " + key_path);
}

CertStore::CertStore(std::string cert_path, std::string key_path, ReloadHook hook)
    : cert_path_(std::move(cert_path)), key_path_(std::move(key_path)), hook_(std::move(hook)) {}

CertStore::CertStore(ReloadHook hook) : hook_(std::move(hook)) {}

void CertStore::install(std::shared_ptr<const CertPair> pair, const std::string& source) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  auto old = std::atomic_load(&current_);
  std::atomic_store(&current_, pair);
  if (hook_ && !pair->provisional) hook_(true, pair->not_after);
  log_info(pair->provisional ? "provisional serving certificate in use"
                             : "serving certificate installed",
           {{"from", source},
            {"subject", pair->subject},
            {"serial", pair->serial_hex},
            {"previousSerial", old ? old->serial_hex : ""},
            {"notAfter", static_cast<long long>(pair->not_after)}});
}

bool CertStore::serving() const {
  auto pair = current();
  return pair && !pair->provisional;
}

CertStore::~CertStore() {
  stop_watch();
}

void CertStore::load_initial() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  auto pair = load_cert_pair(cert_path_, key_path_);
  std::atomic_store(&current_, pair);
  if (hook_) hook_(true, pair->not_after);
  log_info("serving certificate loaded", {{"subject", pair->subject},
                                          {"serial", pair->serial_hex},
                                          {"notAfter", static_cast<long long>(pair->not_after)}});
}

bool CertStore::reload(const char* trigger) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  try {
    auto pair = load_cert_pair(cert_path_, key_path_);
    auto old = std::atomic_load(&current_);
    std::atomic_store(&current_, pair);
    if (hook_) hook_(true, pair->not_after);
    log_info("serving certificate reloaded",
             {{"trigger", trigger},
              {"subject", pair->subject},
              {"serial", pair->serial_hex},
              {"previousSerial", old ? old->serial_hex : ""},
              {"notAfter", static_cast<long long>(pair->not_after)}});
    return true;
  } catch (const std::exception& e) {
    auto old = std::atomic_load(&current_);
    if (hook_) hook_(false, old ? old->not_after : 0);
    log_error("serving certificate reload failed; still serving the previous one",
              {{"trigger", trigger}, {"error", e.what()}, {"serial", old ? old->serial_hex : ""}});
    return false;
  }
}

int CertStore::cert_cb(SSL* ssl, void* arg) {
  auto* self = static_cast<CertStore*>(arg);
  auto pair = self->current();
  if (!pair) return 0;
  return SSL_use_cert_and_key(ssl, pair->cert, pair->key, pair->chain, 1) == 1 ? 1 : 0;
}

bool CertStore::configure(SSL_CTX& ctx, const std::string& client_ca, const TlsPolicy& policy) {
  if (!apply_tls_policy(ctx, policy)) {
    log_error("cannot apply --tls-min-version/--tls-cipher-suites", {{"error", openssl_error()}});
    return false;
  }
  SSL_CTX_set_options(
      &ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cert_cb(&ctx, &CertStore::cert_cb, this);
  // OpenSSL's server-side session cache keeps every session for 2 hours (up to 20,480 of them):
  // memory that grows with each new connection, for resumption kube-apiserver never attempts
  // (Go's TLS client has no session cache by default). Clients that do resume use tickets.
  SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
  if (!client_ca.empty()) {
    if (SSL_CTX_load_verify_locations(&ctx, client_ca.c_str(), nullptr) != 1) {
      log_error("cannot load --client-ca", {{"file", client_ca}, {"error", openssl_error()}});
      return false;
    }
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(client_ca.c_str()))
      SSL_CTX_set_client_CA_list(&ctx, names);
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return true;
}

std::string CertStore::fingerprint() const {
  return file_fingerprint(cert_path_) + "||" + file_fingerprint(key_path_);
}

void CertStore::start_watch(std::chrono::milliseconds interval) {
  stop_watch();
  if (cert_path_.empty()) return;  // pairs come through install()
  stop_watch_ = false;
  watcher_ = std::thread([this, interval] {
    std::string seen = fingerprint(), pending;
    std::unique_lock<std::mutex> lock(watch_mu_);
    while (!watch_cv_.wait_for(lock, interval, [this] { return stop_watch_; })) {
      lock.unlock();
      const std::string now = fingerprint();
      if (now == seen) {
        pending.clear();
      } else if (now != pending) {
        // Still changing (make-certs.sh renames the key, then the certificate): wait one more
        // poll so a rotation in progress is not reported as a bad pair.
        pending = now;
      } else {
        // A failed attempt is not retried until the files change again: a bad pair left in
        // place would otherwise log an error every poll.
        seen = now;
        pending.clear();
        reload("file change");
      }
      lock.lock();
    }
  });
}

void CertStore::stop_watch() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    stop_watch_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

}  // namespace hostadm::server
