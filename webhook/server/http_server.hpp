// The webhook's HTTPS endpoints: the admission, health, readiness and metrics routes and the
// answers to refused requests, served by HttpsTransport with the certificates of a CertStore.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "webhook/http/wire.hpp"
#include "webhook/server/config.hpp"
#include "webhook/server/handlers.hpp"
#include "webhook/server/https_transport.hpp"
#include "webhook/server/metrics.hpp"
#include "webhook/server/tls.hpp"

namespace hostadm::server {

class HttpServer {
 public:
  HttpServer(const ServerConfig& config, CertStore& certs, AdmissionHandler& admission,
             Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

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
  bool ready() const;

 private:
  void route(const http::Request& req, const http::Refusal& refusal, http::Response& res);
  void refuse(const http::Request& req, const http::Refusal& refusal, http::Response& res);

  const ServerConfig& config_;
  CertStore& certs_;
  AdmissionHandler& admission_;
  Metrics& metrics_;
  std::unique_ptr<HttpsTransport> transport_;
  std::atomic<bool> draining_{false};
};

}  // namespace hostadm::server
