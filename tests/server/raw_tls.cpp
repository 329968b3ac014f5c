// The raw TLS client and socket probes of the transport tests (raw_tls.hpp).
#include "server/raw_tls.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace hostadm::servertest {

RawTls::RawTls(int port) {
  fd_ = connect_loopback(port);
  if (fd_ < 0) throw std::runtime_error("connect failed");
  ctx_ = SSL_CTX_new(TLS_client_method());
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    // The destructor does not run for a constructor that throws.
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
    throw std::runtime_error("TLS handshake failed");
  }
  // A TLS 1.3 server sends its session tickets after the handshake: with auto-retry a blocking
  // SSL_read that polled readable for them would then wait for an answer that may never come,
  // so a test expecting one hung instead of failing after its limit.
  SSL_clear_mode(ssl_, SSL_MODE_AUTO_RETRY);
}

RawTls::~RawTls() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
  ::close(fd_);
}

void RawTls::send(const std::string& bytes) {
  ASSERT_EQ(SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())),
            static_cast<int>(bytes.size()));
}

std::string RawTls::read_until_quiet(std::chrono::milliseconds quiet) {
  std::string got;
  char buf[16384];
  for (;;) {
    if (SSL_pending(ssl_) == 0) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(quiet.count())) == 0) return got;
    }
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0 && SSL_get_error(ssl_, n) == SSL_ERROR_WANT_READ) {
      ERR_clear_error();
      continue;  // a record that was not data (a session ticket): poll again
    }
    if (n <= 0) {
      closed_ = true;
      ERR_clear_error();
      return got;
    }
    got.append(buf, static_cast<size_t>(n));
  }
}

std::string RawTls::read_answers(int count, std::chrono::milliseconds limit) {
  std::string got;
  const auto end = std::chrono::steady_clock::now() + limit;
  while (answers_in(got) < count && !closed_ && std::chrono::steady_clock::now() < end)
    got += read_until_quiet(200ms);
  return got;
}

int RawTls::answers_in(const std::string& s) {
  int n = 0;
  size_t at = 0;
  for (;;) {
    const size_t head_end = s.find("\r\n\r\n", at);
    if (head_end == std::string::npos) return n;
    const std::string head = s.substr(at, head_end - at);
    if (head.rfind("HTTP/1.1 100", 0) == 0) {
      at = head_end + 4;
      continue;
    }
    const size_t cl = head.find("Content-Length: ");
    const size_t len = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
    if (s.size() < head_end + 4 + len) return n;
    at = head_end + 4 + len;
    ++n;
  }
}

int silent_tcp(int port) {
  return connect_loopback(port);
}

bool closed_by_server(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
  char b[256];
  return ::recv(fd, b, sizeof b, MSG_DONTWAIT) <= 0;
}

double metric(int port, const fs::path& ca, const std::string& sample) {
  auto res = client_for(port, ca)->Get("/metrics");
  if (!res || res->status != 200) return -1;
  const size_t at = res->body.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(res->body.substr(at + sample.size() + 2));
}

size_t open_fds(pid_t pid) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++n;
  return n;
}

}  // namespace hostadm::servertest
