// The webhook's router: its HTTPS endpoints (admission, health, readiness, metrics) and the
// answers to refused requests, served by HttpsTransport with the certificates of a CertStore.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "webhook/http/https_transport.hpp"
#include "webhook/http/wire.hpp"
#include "webhook/server/config.hpp"
#include "webhook/server/handlers.hpp"
#include "webhook/server/metrics.hpp"
#include "webhook/server/tls.hpp"

namespace hostadm::server {

class Router {
 public:
  Router(const ServerConfig& config, CertStore& certs, AdmissionHandler& admission,
         Metrics& metrics);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // False when the TLS context could not be set up (the cause is logged).
  bool valid() const;
  // Binds --listen and returns the bound port; throws std::runtime_error naming the address and
  // the cause (e.g. "address already in use").
  int bind();
  // Serves until stop(); returns false if the accept loop failed.
  bool run();
  void stop();

  // After SIGTERM: /readyz answers 503 and answers ask clients to close their connections.
  void set_draining() { draining_ = true; }
  // Something else /readyz waits for (a watch's first list, the self-managed certificate): the
  // check returns "" when met, else why not, which /readyz answers with 503. Add before run().
  void add_readiness_check(std::function<std::string()> check);
  // "" when ready, else why not.
  std::string not_ready_reason() const;

 private:
  void route(const http::Request& req, const http::Refusal& refusal, http::Response& res);
  void refuse(const http::Request& req, const http::Refusal& refusal, http::Response& res);

  const ServerConfig& config_;
  CertStore& certs_;
  AdmissionHandler& admission_;
  Metrics& metrics_;
  std::unique_ptr<http::HttpsTransport> transport_;
  std::atomic<bool> draining_{false};
  std::vector<std::function<std::string()>> readiness_checks_;
};

}  // namespace hostadm::server
