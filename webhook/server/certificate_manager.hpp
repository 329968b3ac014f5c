// --manage-certificates: the webhook keeps its CA and serving certificate in a Secret of its
// namespace, serves the Secret's pair (swapped in without a restart when it changes), writes the
// CA bundle into the caBundle of its two webhook configurations, and renews what the plan says
// (certificate_plan.hpp) when it says.
//
// Several replicas share the Secret through optimistic concurrency: each reads it, and one that
// finds it empty or due writes the next content as a patch carrying the resourceVersion it read.
// The API server applies one such write; the others get 409 Conflict, read the Secret again and
// find nothing left to do, so all serve the winner's pair. A watch on the Secret (by name) wakes
// every replica when it changes; the Secret and the caBundle are also checked every
// --certificate-check-interval, which repairs a caBundle something else reset.
#pragma once

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "webhook/kube/informer.hpp"
#include "webhook/kube/kube_client.hpp"
#include "webhook/server/certificate_plan.hpp"
#include "webhook/server/tls.hpp"
#include "webhook/server/webhook_ca_bundle.hpp"

namespace hostadm::server {

struct ManagedCertificatesConfig {
  std::string ns;                     // the install's namespace: the Secret's and the Service's
  std::string secret;                 // --certificate-secret
  std::string webhook_configuration;  // --webhook-configuration
  std::string service;                // --service-name
  std::chrono::seconds validity{365 * 24 * 3600};    // --certificate-validity
  std::chrono::milliseconds check_interval{60'000};  // --certificate-check-interval
};

class CertificateManager {
 public:
  using WallClock = std::function<std::time_t()>;

  // `client` and `store` must outlive the manager. `clock` is for tests; default: time().
  CertificateManager(kube::Client& client, ManagedCertificatesConfig config, CertStore& store,
                     WallClock clock = nullptr);
  ~CertificateManager();
  CertificateManager(const CertificateManager&) = delete;
  CertificateManager& operator=(const CertificateManager&) = delete;

  // Serves a provisional pair (so /healthz answers at once), then watches and keeps the Secret
  // on threads of its own until stop().
  void start();
  void stop();

  // Reads the Secret and checks the caBundle now (SIGHUP).
  void check_now() { wake(); }

  // "" once the Secret's pair is served; else why not (for /readyz and the log).
  std::string not_ready_reason() const;

 private:
  struct Pass;
  void run();
  // One look at the Secret and the configurations; returns how long to wait for the next.
  std::chrono::milliseconds reconcile();
  bool read_or_create(Pass& pass);
  bool renew(Pass& pass);
  void serve(const Pass& pass);
  void fail(const std::string& problem);
  void wake();
  std::string describe() const;  // "Secret NS/NAME"

  kube::Client& client_;
  const ManagedCertificatesConfig config_;
  CertStore& store_;
  WallClock clock_;
  CertificatePolicy policy_;
  WebhookCaBundle ca_bundle_;
  std::unique_ptr<kube::Informer<std::string>> watch_;  // wakes the loop when the Secret changes

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::string problem_;  // the last pass's, for readiness; "" when it went well
  std::thread thread_;
  int failures_ = 0;  // in a row, for the retry backoff; the loop's thread only
};

}  // namespace hostadm::server
