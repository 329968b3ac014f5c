#include "webhook/endpoint/tls_stream.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "webhook/endpoint/thumbprint.hpp"

namespace hostadm::endpoint {

namespace {

// OpenSSL writes to the socket with write(): to a peer that has gone, that raises SIGPIPE, which
// kills a process that has not ignored it. The webhook ignores it; a library must not rely on
// that, so each TLS call runs with SIGPIPE blocked in its thread and a SIGPIPE it raised is
// taken off the thread's pending set before the mask is restored.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};

// One client context for every probe. No verification: the certificate is pinned by thumbprint
// afterwards. Security level 1 and TLS 1.2 as the floor accept what Forklift's Go client accepts
// from an ESXi host (an older host's RSA-1024 or SHA-1-signed certificate is still the one the
// inventory pins). An EOF without close_notify ends a stream like a clean close: every answer
// read through it is framed by Content-Length or chunks, so a cut is seen anyway.
SSL_CTX* client_context() {
  static SSL_CTX* const ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (!c) return c;
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_security_level(c, 1);
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    return c;
  }();
  return ctx;
}

// Milliseconds left until `deadline`, rounded up so that a wait never ends just short of it.
int ms_until(Deadline deadline) {
  const auto left = deadline - SteadyClock::now();
  if (left <= SteadyClock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<long long>(ms, 1 << 30));
}

// Waits until `fd` is ready for `events`; false when the deadline passed first.
bool wait_fd(int fd, short events, Deadline deadline) {
  for (;;) {
    const int ms = ms_until(deadline);
    if (ms == 0) return false;
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, ms);
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return true;  // let the next call report the error
  }
}

struct Connected {
  int fd = -1;
  int error = 0;  // errno of the failure; 0 with fd < 0 means the deadline passed
};

Connected connect_one(const SocketAddress& address, Deadline deadline) {
  Connected out;
  const int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.error = errno;
    return out;
  }
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.size);
  if (rc != 0 && errno != EINPROGRESS) {
    out.error = errno;
    ::close(fd);
    return out;
  }
  if (rc != 0) {
    if (!wait_fd(fd, POLLOUT, deadline)) {
      ::close(fd);
      return out;
    }
    int so_error = 0;
    socklen_t size = sizeof so_error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &size) != 0) so_error = errno;
    if (so_error != 0) {
      out.error = so_error;
      ::close(fd);
      return out;
    }
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  out.fd = fd;
  return out;
}

// Why the last TLS call failed, in OpenSSL's words, with a hint for the common causes.
std::string tls_failure(SSL* ssl, int rc, int saved_errno) {
  const int err = SSL_get_error(ssl, rc);
  if (err == SSL_ERROR_ZERO_RETURN) return "the server closed the connection";
  if (err == SSL_ERROR_SYSCALL) {
    if (ERR_peek_last_error() == 0)
      return saved_errno ? std::strerror(saved_errno) : "the server closed the connection";
  }
  const unsigned long e = ERR_peek_last_error();
  if (e == 0) return "TLS error " + std::to_string(err);
  const char* reason = ERR_reason_error_string(e);
  std::string text = reason ? reason : "error " + std::to_string(ERR_GET_REASON(e));
  if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
    return "the server closed the connection (" + text + ")";
  if (ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER)
    return text + " (the server does not speak TLS on this port)";
  return text;
}

// After a TLS call that did not complete: the socket readiness OpenSSL waits for (POLLIN or
// POLLOUT), or 0 when the call failed for good.
short wanted_events(SSL* ssl, int rc) {
  const int err = SSL_get_error(ssl, rc);
  return err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
}

// The end of a read or write that did not complete: waits for the socket and says to try again
// (true), or leaves in `out` why it failed or that the deadline passed (false).
bool retry_io(SSL* ssl, int fd, int rc, int saved_errno, Deadline deadline, IoResult& out) {
  const short events = wanted_events(ssl, rc);
  if (events == 0) {
    out = {Io::Error, tls_failure(ssl, rc, saved_errno)};
    ERR_clear_error();
    return false;
  }
  if (wait_fd(fd, events, deadline)) return true;
  out = {Io::Timeout, ""};
  return false;
}

Dial failed(Outcome outcome, std::string message) {
  Dial d;
  d.outcome = outcome;
  d.message = std::move(message);
  return d;
}

Dial handshake(int fd, const Target& target, Deadline deadline, const std::string& budget) {
  SSL* ssl = SSL_new(client_context());
  if (!ssl || SSL_set_fd(ssl, fd) != 1 ||
      (target.is_name && SSL_set_tlsext_host_name(ssl, target.host.c_str()) != 1)) {
    SSL_free(ssl);
    ::close(fd);
    return failed(Outcome::TlsError, "cannot start TLS with " + target.shown);
  }
  SSL_set_connect_state(ssl);
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int rc = SSL_do_handshake(ssl);
    const int saved_errno = errno;
    if (rc == 1) break;
    const short events = wanted_events(ssl, rc);
    if (events != 0 && wait_fd(fd, events, deadline)) continue;
    std::string why = events != 0 ? "" : tls_failure(ssl, rc, saved_errno);
    ERR_clear_error();
    SSL_free(ssl);
    ::close(fd);
    if (events != 0)
      return failed(Outcome::Timeout, "TCP to " + target.shown +
                                          " is up, but the TLS handshake did not finish within " +
                                          budget + " (timeout)");
    return failed(Outcome::TlsError, "TLS handshake with " + target.shown + " failed: " + why);
  }
  X509* cert = SSL_get1_peer_certificate(ssl);
  std::string thumbprint = sha1_thumbprint(cert);
  X509_free(cert);
  if (thumbprint.empty()) {
    SSL_free(ssl);
    ::close(fd);
    return failed(Outcome::TlsError, target.shown + " sent no certificate in the TLS handshake");
  }
  Dial d;
  d.outcome = Outcome::ReachOk;
  d.stream = std::make_unique<TlsStream>(fd, ssl, std::move(thumbprint));
  return d;
}

Dial connect_failure(const Target& target, int error, const std::string& budget) {
  if (error == 0)
    return failed(Outcome::Timeout,
                  "no TCP connection to " + target.shown + " within " + budget + " (timeout)");
  if (error == ECONNREFUSED)
    return failed(Outcome::Refused, target.shown +
                                        " refused the TCP connection (nothing listens "
                                        "on port " +
                                        std::to_string(target.port) + ")");
  return failed(Outcome::Unreachable,
                "cannot connect to " + target.shown + ": " + std::strerror(error));
}

}  // namespace

std::string shown_duration(SteadyClock::duration d) {
  const long long ms =
      std::max<long long>(0, std::chrono::round<std::chrono::milliseconds>(d).count());
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  std::string tenths = std::to_string((ms + 50) / 100);
  return tenths.substr(0, tenths.size() - 1) + "." + tenths.back() + "s";
}

Dial dial(const Target& target, Deadline deadline, Progress* progress) {
  SigpipeGuard guard;
  const std::string budget = shown_duration(deadline - SteadyClock::now());
  Resolved resolved = resolve(target, deadline);
  if (resolved.addresses.empty())
    return failed(
        resolved.timed_out ? Outcome::Timeout : Outcome::Unreachable,
        resolved.timed_out ? resolved.error + " (within " + budget + ")" : resolved.error);
  // The most telling failure wins: a refusal or an error over a silent timeout.
  int error = 0;
  for (const SocketAddress& address : resolved.addresses) {
    const Connected c = connect_one(address, deadline);
    if (c.fd >= 0) {
      if (progress) progress->stage = Stage::Handshake;
      return handshake(c.fd, target, deadline, budget);
    }
    if (c.error != 0) error = c.error;
    if (ms_until(deadline) == 0) break;
  }
  return connect_failure(target, error, budget);
}

TlsStream::TlsStream(int fd, SSL* ssl, std::string thumbprint)
    : fd_(fd), ssl_(ssl), thumbprint_(std::move(thumbprint)) {}

TlsStream::~TlsStream() {
  {
    SigpipeGuard guard;
    ERR_clear_error();
    SSL_shutdown(ssl_);  // one try: close_notify if the socket takes it now, no waiting
    ERR_clear_error();
  }
  SSL_free(ssl_);
  ::close(fd_);
}

IoResult TlsStream::write_all(std::string_view bytes, Deadline deadline) {
  SigpipeGuard guard;
  while (!bytes.empty()) {
    ERR_clear_error();
    errno = 0;
    size_t written = 0;
    const int rc = SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written);
    const int saved_errno = errno;
    if (rc == 1) {
      bytes.remove_prefix(written);
      continue;
    }
    IoResult failed;
    if (!retry_io(ssl_, fd_, rc, saved_errno, deadline, failed)) return failed;
  }
  return {};
}

IoResult TlsStream::read_some(std::string& out, size_t max, Deadline deadline) {
  SigpipeGuard guard;
  char buf[16384];
  const size_t want = std::min(max, sizeof buf);
  if (want == 0) return {};
  for (;;) {
    ERR_clear_error();
    errno = 0;
    size_t got = 0;
    const int rc = SSL_read_ex(ssl_, buf, want, &got);
    const int saved_errno = errno;
    if (rc == 1) {
      out.append(buf, got);
      return {};
    }
    if (SSL_get_error(ssl_, rc) == SSL_ERROR_ZERO_RETURN) return {Io::Closed, ""};
    IoResult failed;
    if (!retry_io(ssl_, fd_, rc, saved_errno, deadline, failed)) return failed;
  }
}

}  // namespace hostadm::endpoint
