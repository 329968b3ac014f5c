// A raw TLS client for the transport tests: sends bytes exactly as given and reads answers as
// they come, plus plain TCP connections that never start TLS and a reader for one metric.
#pragma once

#include <openssl/ssl.h>

#include "server/server_support.hpp"

namespace hostadm::servertest {

// A TLS connection that sends bytes as given and reads answers as they come.
class RawTls {
 public:
  explicit RawTls(int port);
  ~RawTls();
  RawTls(const RawTls&) = delete;
  RawTls& operator=(const RawTls&) = delete;

  void send(const std::string& bytes);

  // Everything that arrives until the server closes the connection or `quiet` passes without a
  // byte; closed() tells which.
  std::string read_until_quiet(std::chrono::milliseconds quiet = 3s);
  // Reads until `count` whole answers (Content-Length framed) have arrived.
  std::string read_answers(int count, std::chrono::milliseconds limit = 10s);
  bool closed() const { return closed_; }
  int fd() const { return fd_; }

  static int answers_in(const std::string& s);

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool closed_ = false;
};

// A TCP connection that never sends a byte (not even a TLS ClientHello); -1 when connect failed.
int silent_tcp(int port);

// True once the server closed fd (EOF or reset), waiting up to `limit`.
bool closed_by_server(int fd, std::chrono::milliseconds limit);

// The value of one sample line of GET /metrics ("name{labels}"), -1 when absent or no answer.
double metric(int port, const fs::path& ca, const std::string& sample);

// Open file descriptors of a process.
size_t open_fds(pid_t pid);

}  // namespace hostadm::servertest
