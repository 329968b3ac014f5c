#include "webhook/http/connection.hpp"

#include <poll.h>
#include <sys/epoll.h>

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

namespace hostadm::http {

std::string errno_text(int err) {
  return std::strerror(err);
}

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

Parse RequestReader::advance(InBuffer& in, const TransportOptions& o, bool& send_continue) {
  send_continue = false;
  if (phase_ == Phase::Head) {
    const HeadResult head = parse_head(in.view(), o.max_head_bytes, o.max_body_bytes, req);
    if (head.state == Parse::Incomplete) return head.state;
    if (head.state == Parse::Error) {
      refusal = head.refusal;
      return Parse::Done;
    }
    in.consume(head.consumed);
    req.body.clear();
    send_continue = req.expect_continue && (req.chunked || req.content_length > 0) && in.empty();
    phase_ = req.chunked ? Phase::Chunked : Phase::Length;
    if (req.chunked) chunked_.emplace(o.max_body_bytes);
  }
  if (phase_ == Phase::Chunked) {
    size_t used = 0;
    const Parse state = chunked_->feed(in.view(), used, req.body);
    in.consume(used);
    if (state == Parse::Error) refusal = chunked_->refusal();
    return state == Parse::Incomplete ? state : Parse::Done;
  }
  if (in.size() < req.content_length) return Parse::Incomplete;
  req.body.append(in.view().data(), req.content_length);  // cleared above; its buffer is reused
  in.consume(req.content_length);
  return Parse::Done;
}

SslWait ssl_wait(SSL* ssl, int rc, bool handshaking) {
  switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ:
      return {EPOLLIN};
    case SSL_ERROR_WANT_WRITE:
      return {EPOLLOUT};
    case SSL_ERROR_ZERO_RETURN:
    case SSL_ERROR_SYSCALL:
      return {0, CloseReason::ClientClosed};
    default: {
      const unsigned long err = ERR_peek_error();
      if (ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        return {0, CloseReason::ClientClosed};
      return {0, handshaking ? CloseReason::HandshakeFailed : CloseReason::TlsError};
    }
  }
}

// Writes all of data, waiting up to the deadline for the client to take it.
std::optional<CloseReason> write_all(SSL* ssl, int fd, std::string_view data,
                                     milliseconds timeout) {
  // From the first write that has to wait: most answers go out in one SSL_write, and reading the
  // clock for each was one of ten reads per /mutate.
  std::optional<Clock::time_point> deadline;
  while (!data.empty()) {
    clear_ssl_errors();
    const int chunk = static_cast<int>(std::min<size_t>(data.size(), INT_MAX));
    const int n = SSL_write(ssl, data.data(), chunk);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    const SslWait w = ssl_wait(ssl, n, false);
    if (!w.events) return w.reason;
    if (!deadline) deadline = Clock::now() + timeout;
    pollfd p{fd, static_cast<short>(w.events == EPOLLIN ? POLLIN : POLLOUT), 0};
    int rc;
    while ((rc = ::poll(&p, 1, ms_until(*deadline))) < 0 && errno == EINTR) {
    }
    if (rc == 0) return CloseReason::WriteTimeout;
    if (rc < 0) return CloseReason::ClientClosed;
  }
  return std::nullopt;
}

}  // namespace hostadm::http
