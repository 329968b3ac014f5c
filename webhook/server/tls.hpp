// The serving certificate: loaded from --tls-cert/--tls-key, or installed from memory (the
// self-managed certificates' Secret), handed to every TLS handshake through SSL_CTX_set_cert_cb,
// and swapped atomically when the files change (Kubernetes secret volumes swap a `..data`
// symlink), on SIGHUP, or when a new pair is installed; never when the new pair is bad (the old
// one stays). Per-handshake selection means no lock around the live SSL_CTX and no restart.
#pragma once

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <openssl/ssl.h>

#include "webhook/server/tls_policy.hpp"

namespace hostadm::server {

struct CertPair {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  STACK_OF(X509) * chain = nullptr;  // intermediates after the leaf, may be empty
  std::string serial_hex;
  std::string subject;
  std::time_t not_after = 0;
  // A stand-in served until the real certificate exists (self-managed certificates at start):
  // /healthz answers over it, /readyz says not ready.
  bool provisional = false;

  CertPair() = default;
  CertPair(const CertPair&) = delete;
  CertPair& operator=(const CertPair&) = delete;
  ~CertPair();
};

// Throws std::runtime_error saying which file is wrong and why (unreadable, no PEM, mismatch).
std::shared_ptr<const CertPair> load_cert_pair(const std::string& cert_path,
                                               const std::string& key_path);
// The same from PEM text; `cert_what`/`key_what` name where it came from in errors.
std::shared_ptr<CertPair> cert_pair_from_pem(const std::string& cert_pem,
                                             const std::string& key_pem,
                                             const std::string& cert_what,
                                             const std::string& key_what);

class CertStore {
 public:
  // Called after every reload attempt: ok, and the notAfter of the pair now in use.
  using ReloadHook = std::function<void(bool ok, std::time_t not_after)>;

  CertStore(std::string cert_path, std::string key_path, ReloadHook hook = nullptr);
  // No files: every pair comes through install().
  explicit CertStore(ReloadHook hook);
  ~CertStore();
  CertStore(const CertStore&) = delete;
  CertStore& operator=(const CertStore&) = delete;

  // The first load; throws std::runtime_error (the server cannot start without a pair).
  void load_initial();
  // Loads the files again; keeps the current pair and logs why when the new one is bad.
  bool reload(const char* trigger);
  // Serves `pair` from the next handshake on (a pair from memory: the self-managed Secret).
  void install(std::shared_ptr<const CertPair> pair, const std::string& source);
  std::shared_ptr<const CertPair> current() const { return std::atomic_load(&current_); }
  // A real certificate is served (not none, not the provisional stand-in).
  bool serving() const;

  // The versions and cipher suites of `policy`, no compression/renegotiation, the cert
  // callback, and optional client-CA checks. Returns false (and logs) when the client CA cannot
  // be loaded or OpenSSL refuses the policy.
  bool configure(SSL_CTX& ctx, const std::string& client_ca, const TlsPolicy& policy);

  // Polls the files (and their symlink targets) every `interval`; reloads on any change. Does
  // nothing for a store without files.
  void start_watch(std::chrono::milliseconds interval);
  void stop_watch();

 private:
  static int cert_cb(SSL* ssl, void* arg);
  std::string fingerprint() const;

  std::string cert_path_, key_path_;
  ReloadHook hook_;
  std::shared_ptr<const CertPair> current_;
  std::mutex reload_mu_;

  std::thread watcher_;
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stop_watch_ = false;
};

}  // namespace hostadm::server
