// The HTTPS/1.1 server under the webhook's routes: an acceptor and a fixed set of worker threads,
// each serving one keep-alive TLS connection at a time, with one poll, one read and one write per
// request in the common case (cpp-httplib 0.11.4 made twelve system calls, half of them polls,
// and capped /mutate near 0.3x nginx; bench/README.md has the measurements).
//
// Deadlines: a request must arrive whole within read_timeout of its first byte and its answer
// leave within write_timeout; a connection idle for keep_alive_timeout is closed. stop() closes
// the listener and every idle connection at once; a request in progress is answered with
// "Connection: close". Connections beyond the worker count wait in the listen backlog.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "webhook/http/wire.hpp"

namespace hostadm::server {

struct TransportOptions {
  int threads = 64;
  size_t max_head_bytes = 8192;
  size_t max_body_bytes = 7u << 20;
  std::chrono::milliseconds keep_alive_timeout{5'000};
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
};

// Answers one request. A request the transport refused (bad framing, too large, too slow) comes
// with refusal.status set and an empty body; the handler writes the answer the client sees.
using RequestHandler =
    std::function<void(const http::Request&, const http::Refusal&, http::Response&)>;

class HttpsTransport {
 public:
  // Takes ownership of ctx (configured by the caller: certificates, client CA, protocols).
  HttpsTransport(TransportOptions options, SSL_CTX* ctx, RequestHandler handler);
  ~HttpsTransport();
  HttpsTransport(const HttpsTransport&) = delete;
  HttpsTransport& operator=(const HttpsTransport&) = delete;

  // Binds and listens; returns the port. Throws std::runtime_error with the system's reason.
  int bind(const std::string& host, int port);
  // Accepts on the calling thread and serves on the workers until stop(); false if the listener
  // failed.
  bool run();
  // Safe from any thread, also before run().
  void stop();

 private:
  struct Worker;
  void accept_loop();
  void work(Worker& self);
  void serve(int fd);
  void fail(const char* what);

  TransportOptions options_;
  SSL_CTX* ctx_;
  RequestHandler handler_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // an eventfd: readable once stop() ran, waking every poll
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::condition_variable idle_changed_;
  std::vector<Worker*> idle_;  // most recently idle last
};

}  // namespace hostadm::server
