#include "webhook/server/https_transport.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kListenBacklog = 1024;
constexpr size_t kReadChunk = 16 * 1024;  // one TLS record
// After refusing a request, keep reading (and dropping) what the client still sends for this
// long, so closing does not reset the connection before the client has read the refusal.
constexpr milliseconds kLingerTime{2'000};
// Buffers a connection keeps between requests; a rare multi-megabyte review does not pin its
// size for the rest of the connection.
constexpr size_t kKeepBytes = 64 * 1024;

// Ok: go on (the socket is ready, or the request is read); Closed: the peer left or the socket
// failed; Timeout: the deadline passed; Stopped: stop() ran while waiting.
enum class Io { Ok, Closed, Timeout, Stopped };

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

// Waits for `events` on fd until the deadline; with stop_fd >= 0 also returns when stop() ran,
// unless fd is ready at the same moment (a request that arrived is still served).
Io wait_for(int fd, short events, int stop_fd, Clock::time_point deadline) {
  pollfd p[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
  const nfds_t n = stop_fd >= 0 ? 2 : 1;
  for (;;) {
    const int rc = ::poll(p, n, ms_until(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Io::Closed;
    if (rc == 0) {
      if (Clock::now() < deadline) continue;  // poll() waits at most INT_MAX ms at a time
      return Io::Timeout;
    }
    if (p[0].revents) return Io::Ok;  // errors and hang-ups surface in the next read
    return Io::Stopped;
  }
}

// Unread request bytes of one connection.
class InBuffer {
 public:
  std::string_view view() const { return {data_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Room for at least n more bytes at the end.
  char* space(size_t n) {
    if (cap_ - end_ < n) {
      if (begin_ > 0) {
        std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      if (cap_ - end_ < n) {
        size_t cap = cap_ ? cap_ : kReadChunk;
        while (cap - end_ < n) cap *= 2;
        auto bigger = std::make_unique<char[]>(cap);
        if (end_) std::memcpy(bigger.get(), data_.get(), end_);
        data_ = std::move(bigger);
        cap_ = cap;
      }
    }
    return data_.get() + end_;
  }
  void commit(size_t n) { end_ += n; }
  // After a large request: give the memory back rather than keep it for the connection's life.
  void shrink_if_empty(size_t keep) {
    if (begin_ == end_ && cap_ > keep) {
      data_.reset();
      cap_ = begin_ = end_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0, begin_ = 0, end_ = 0;
};

// One accepted TLS connection, served request by request on the calling thread.
class Connection {
 public:
  Connection(int fd, SSL* ssl, int stop_fd, const TransportOptions& options)
      : fd_(fd), ssl_(ssl), stop_fd_(stop_fd), options_(options) {}

  Io handshake() {
    const auto deadline = Clock::now() + options_.read_timeout;
    for (;;) {
      ERR_clear_error();
      const int rc = SSL_accept(ssl_);
      if (rc == 1) return Io::Ok;
      if (Io io = wait_after(rc, deadline, stop_fd_); io != Io::Ok) return io;
    }
  }

  // Waits for the next request; Ok once some of it is buffered.
  Io await_request() {
    if (!in_.empty() || SSL_has_pending(ssl_)) return Io::Ok;
    return wait_for(fd_, POLLIN, stop_fd_, Clock::now() + options_.keep_alive_timeout);
  }

  // Reads one whole request into req: Ok with refusal.status 0 to answer it, Ok with a refusal
  // (bad framing, too large, or 408 when the read deadline passed) to refuse it and close, or
  // the I/O result when there is nobody left to answer.
  Io read_request(http::Request& req, http::Refusal& refusal) {
    auto deadline = Clock::now() + options_.read_timeout;
    http::HeadResult head;
    Io io = Io::Ok;
    while (
        (head = http::parse_head(in_.view(), options_.max_head_bytes, options_.max_body_bytes, req))
            .state == http::Parse::Incomplete)
      if ((io = read_more(deadline)) != Io::Ok) return timed_out(io, refusal);
    if (head.state == http::Parse::Error) {
      refusal = std::move(head.refusal);
      return Io::Ok;
    }
    in_.consume(head.consumed);
    req.body.clear();
    if (req.expect_continue && (req.chunked || req.content_length > 0) && in_.empty()) {
      if (!write_all(http::kContinue)) return Io::Closed;
      deadline = Clock::now() + options_.read_timeout;  // the client waited for us
    }
    if (req.chunked) {
      http::ChunkedDecoder decoder(options_.max_body_bytes);
      for (;;) {
        size_t used = 0;
        const http::Parse state = decoder.feed(in_.view(), used, req.body);
        in_.consume(used);
        if (state == http::Parse::Error) refusal = decoder.refusal();
        if (state != http::Parse::Incomplete) return Io::Ok;
        if ((io = read_more(deadline)) != Io::Ok) return timed_out(io, refusal);
      }
    }
    while (in_.size() < req.content_length)
      if ((io = read_more(deadline)) != Io::Ok) return timed_out(io, refusal);
    req.body.assign(in_.view().substr(0, req.content_length));
    in_.consume(req.content_length);
    return Io::Ok;
  }

  // Reads whatever is available (at least one byte) into the buffer.
  Io read_more(Clock::time_point deadline) {
    for (;;) {
      ERR_clear_error();
      const int n = SSL_read(ssl_, in_.space(kReadChunk), static_cast<int>(kReadChunk));
      if (n > 0) {
        in_.commit(static_cast<size_t>(n));
        return Io::Ok;
      }
      if (Io io = wait_after(n, deadline, -1); io != Io::Ok) return io;
    }
  }

  bool write_all(std::string_view data) {
    const auto deadline = Clock::now() + options_.write_timeout;
    while (!data.empty()) {
      ERR_clear_error();
      const int chunk = static_cast<int>(std::min<size_t>(data.size(), INT_MAX));
      const int n = SSL_write(ssl_, data.data(), chunk);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (wait_after(n, deadline, -1) != Io::Ok) return false;
    }
    return true;
  }

  // A polite end: close_notify, then (after a refusal) drain what the client still sends so the
  // kernel does not answer it with a reset that can destroy the refusal in flight.
  void finish(bool linger) {
    ERR_clear_error();
    SSL_shutdown(ssl_);
    if (!linger) return;
    ::shutdown(fd_, SHUT_WR);
    const auto until = Clock::now() + kLingerTime;
    char sink[kReadChunk];
    while (wait_for(fd_, POLLIN, -1, until) == Io::Ok) {
      const ssize_t n = ::read(fd_, sink, sizeof sink);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
    }
  }

  InBuffer& in() { return in_; }

 private:
  // A request cut off by the read deadline is refused with 408; any other failure has nobody to
  // answer.
  Io timed_out(Io io, http::Refusal& refusal) const {
    if (io != Io::Timeout) return io;
    refusal = {408, "the request did not arrive within the read timeout (" +
                        std::to_string(options_.read_timeout.count()) + " ms)"};
    return Io::Ok;
  }

  // After an SSL call returned rc <= 0: Ok when it should be retried (the socket became ready).
  Io wait_after(int rc, Clock::time_point deadline, int stop_fd) {
    short events;
    switch (SSL_get_error(ssl_, rc)) {
      case SSL_ERROR_WANT_READ:
        events = POLLIN;
        break;
      case SSL_ERROR_WANT_WRITE:
        events = POLLOUT;
        break;
      default:  // peer closed, reset, or a TLS error: nothing more to do on this connection
        return Io::Closed;
    }
    return wait_for(fd_, events, stop_fd, deadline);
  }

  int fd_;
  SSL* ssl_;
  int stop_fd_;
  const TransportOptions& options_;
  InBuffer in_;
};

std::string errno_text(int err) {
  return std::strerror(err);
}

}  // namespace

HttpsTransport::HttpsTransport(TransportOptions options, SSL_CTX* ctx, RequestHandler handler)
    : options_(options), ctx_(ctx), handler_(std::move(handler)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw std::runtime_error("eventfd: " + errno_text(errno));
}

HttpsTransport::~HttpsTransport() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  SSL_CTX_free(ctx_);
}

int HttpsTransport::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
      rc != 0)
    throw std::runtime_error(std::string("cannot resolve the host: ") + gai_strerror(rc));
  std::string cause = "no address to listen on";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      cause = errno_text(errno);
      continue;
    }
    // SO_REUSEADDR without SO_REUSEPORT: restarts reuse the port at once, while a second
    // instance on the same port is an error rather than a silent traffic split.
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, kListenBacklog) == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof bound;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      listen_fd_ = fd;
      port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      break;
    }
    cause = errno_text(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (listen_fd_ < 0) throw std::runtime_error(cause);
  return port;
}

// Each worker waits on its own condition variable for a connection; the acceptor hands every new
// connection to the worker that became idle last (a stack, not a queue). Under steady load the
// same few threads do all the work and the others stay asleep: their stacks and malloc arenas
// never grow, so memory follows the number of concurrent connections, not --threads.
struct HttpsTransport::Worker {
  std::condition_variable wake;
  int fd = -1;
};

bool HttpsTransport::run() {
  if (listen_fd_ < 0) return false;
  std::vector<std::unique_ptr<Worker>> pool;
  std::vector<std::thread> threads;
  pool.reserve(static_cast<size_t>(options_.threads));
  threads.reserve(static_cast<size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i) {
    pool.push_back(std::make_unique<Worker>());
    threads.emplace_back([this, w = pool.back().get()] { work(*w); });
  }
  accept_loop();
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& w : pool) w->wake.notify_one();
  }
  for (auto& t : threads) t.join();
  // Closed only now: a listener closed earlier would reset connections still being accepted.
  ::close(listen_fd_);
  listen_fd_ = -1;
  return !failed_;
}

void HttpsTransport::stop() {
  stopping_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof one);
  std::lock_guard<std::mutex> lk(mu_);
  idle_changed_.notify_all();
}

void HttpsTransport::fail(const char* what) {
  log_error(what, {{"error", errno_text(errno)}});
  failed_ = true;
  stop();
}

void HttpsTransport::accept_loop() {
  // A worker is reserved before accepting: connections beyond --threads stay queued in the
  // kernel's backlog, not in ours.
  Worker* next = nullptr;
  while (!stopping_) {
    if (!next) {
      std::unique_lock<std::mutex> lk(mu_);
      idle_changed_.wait(lk, [this] { return stopping_ || !idle_.empty(); });
      if (stopping_) break;
      next = idle_.back();
      idle_.pop_back();
    }
    const Io ready = wait_for(listen_fd_, POLLIN, stop_fd_, Clock::time_point::max());
    if (ready == Io::Stopped) break;
    if (ready != Io::Ok) {
      fail("the listener failed");
      break;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      std::lock_guard<std::mutex> lk(mu_);
      next->fd = fd;
      next->wake.notify_one();
      next = nullptr;
      continue;
    }
    switch (errno) {
      case EAGAIN:
      case EINTR:
      case ECONNABORTED:
      case EPROTO:
        break;
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM:
        // Out of descriptors or memory: the connection waits in the backlog until some close.
        log_warn("cannot accept a connection now; retrying", {{"error", errno_text(errno)}});
        std::this_thread::sleep_for(milliseconds(100));
        break;
      default:
        fail("the listener failed");
        break;
    }
  }
  if (next) {
    std::lock_guard<std::mutex> lk(mu_);
    idle_.push_back(next);
  }
}

void HttpsTransport::work(Worker& self) {
  for (;;) {
    int fd;
    {
      std::unique_lock<std::mutex> lk(mu_);
      idle_.push_back(&self);
      idle_changed_.notify_one();
      self.wake.wait(lk, [&] { return stopping_ || self.fd >= 0; });
      if (self.fd < 0) return;  // stopping, nothing handed over
      fd = self.fd;
      self.fd = -1;
    }
    serve(fd);
  }
}

void HttpsTransport::serve(int fd) {
  int yes = 1;
  // Without it every keep-alive answer waits ~40 ms for a delayed ACK (cpp-stack.md section 5).
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) {
    ::close(fd);
    return;
  }
  SSL_set_fd(ssl, fd);
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read whole records (and the next request's start) in one system call, not header then body.
  SSL_set_read_ahead(ssl, 1);

  Connection conn(fd, ssl, stop_fd_, options_);
  bool clean = false, linger = false;
  if (conn.handshake() == Io::Ok) {
    http::Request req;
    http::Response res;
    std::string out;
    for (;;) {
      if (conn.await_request() != Io::Ok) {
        clean = true;  // idle timeout, stop() or the client closed: no request is lost
        break;
      }
      http::Refusal refusal;
      if (conn.read_request(req, refusal) != Io::Ok) break;  // the client went away mid-request
      res = http::Response();
      handler_(req, refusal, res);
      const bool close = refusal.status != 0 || !req.keep_alive || res.close || stopping_;
      out.clear();
      http::append_response(out, res, close, req.method == "HEAD" && refusal.status == 0);
      if (!conn.write_all(out)) break;
      conn.in().shrink_if_empty(kKeepBytes);
      if (req.body.capacity() > kKeepBytes) std::string().swap(req.body);
      if (out.capacity() > kKeepBytes) std::string().swap(out);
      if (close) {
        clean = true;
        linger = refusal.status != 0;
        break;
      }
    }
  }
  if (clean) conn.finish(linger);
  SSL_free(ssl);
  ::close(fd);
}

}  // namespace hostadm::server
