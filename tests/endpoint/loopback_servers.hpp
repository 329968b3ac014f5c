// Servers for the endpoint check's tests, all on loopback: VMware's ESXi simulator (esxsim, a
// child process stopped by pid), a listener that accepts TCP and never speaks, a port with
// nothing behind it, and an in-process TLS server whose answers a test scripts.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/child_process.hpp"

namespace hostadm::endpointtest {

using servertest::Child;
using servertest::TempDir;
using namespace std::chrono_literals;

std::string esxsim_bin();

// esxsim on `listen` with user root and `password`; `extra` adds -login-delay, -close.
class EsxSim {
 public:
  explicit EsxSim(const std::string& password, std::vector<std::string> extra = {},
                  const std::string& listen = "127.0.0.1:0");
  int port() const { return port_; }
  // The certificate's SHA-1 thumbprint as govmomi computes it (soap.ThumbprintSHA1).
  const std::string& thumbprint() const { return thumbprint_; }
  // The SOAP calls the simulator answered, in order: "Login 500", ...
  std::vector<std::string> calls() const;

 private:
  TempDir dir_;
  std::unique_ptr<Child> proc_;
  int port_ = 0;
  std::string thumbprint_;
};

// A TCP listener on 127.0.0.1 that never accepts: the kernel completes the TCP handshake, and
// a TLS ClientHello then waits for an answer that never comes.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port on 127.0.0.1 that was free a moment ago: connecting to it is refused.
int closed_port();

// Accepts connections on 127.0.0.1 and hands each, in a thread of its own, to `serve` (raw
// socket) until destroyed.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(int fd)> serve);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;
  int port() const { return listener_port_; }

 private:
  void loop();
  int bind_listener();

  std::function<void(int)> serve_;
  int listen_fd_ = -1;
  int listener_port_ = bind_listener();
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
  std::thread thread_;
};

// A TLS server context with certs/make-certs.sh's localhost certificate; `configure` may narrow it
// (e.g. to an old protocol version).
SSL_CTX* tls_server_context(const TempDir& dir,
                            const std::function<void(SSL_CTX*)>& configure = {});

// Accepts TLS on a socket (blocking, with a receive timeout so a broken test cannot hang it).
SSL* accept_tls(SSL_CTX* ctx, int fd);

// Reads one HTTP request head and its Content-Length body from `ssl`; "" when none arrived.
std::string read_request(SSL* ssl);

}  // namespace hostadm::endpointtest
