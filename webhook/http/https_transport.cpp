#include "webhook/http/https_transport.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

namespace hostadm::http {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The kernel caps it at net.core.somaxconn; connections wait there only while the loop is busy.
constexpr int kListenBacklog = 4096;
constexpr size_t kReadChunk = 16 * 1024;  // one TLS record
// After refusing a request, keep reading (and dropping) what the client still sends for this
// long, so closing does not reset the connection before the client has read the refusal.
constexpr milliseconds kLingerTime{2'000};
// Buffers a busy connection keeps between requests; a rare multi-megabyte review does not pin
// its size for the rest of the connection. A parked idle connection keeps none.
constexpr size_t kKeepBytes = 64 * 1024;
// How long a worker waits for the next request on the connection it just answered before
// parking it: a busy client's next request is then served without a trip through the loop (a
// park and a dispatch cost two more thread wake-ups and four system calls). The wait ends at once
// when a request is waiting for a worker (the demand eventfd) or on stop(), so a worker held
// here never delays another connection's answer. Measured on 2 cores under wrk: with 1 ms, a
// third of the requests were parked, the client being descheduled for longer than that.
constexpr int kNextRequestWaitMs = 20;
constexpr int kMaxEvents = 256;
constexpr int kAcceptBatch = 256;
// The loop wakes at least this often, to pick up the deadlines of connections workers parked.
constexpr milliseconds kLoopTick{100};
// Out of descriptors or memory with nothing idle to close: stop accepting this long.
constexpr milliseconds kAcceptPause{100};

constexpr const char* kStateNames[kConnStateCount] = {"handshake", "idle", "reading", "busy",
                                                      "closing"};
constexpr const char* kReasonNames[kCloseReasonCount] = {
    "handshake-timeout", "handshake-failed", "idle-timeout",
    "read-timeout",      "write-timeout",    "limit",
    "refused",           "client-closed",    "bad-request",
    "connection-close",  "shutdown",         "tls-error"};

std::string errno_text(int err) {
  return std::strerror(err);
}

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : static_cast<int>(left);
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
  // A parked connection with nothing buffered keeps no buffer.
  void release() {
    if (begin_ == end_) {
      data_.reset();
      cap_ = begin_ = end_ = 0;
    }
  }
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

// One request read incrementally from whatever bytes have arrived, by the loop or a worker.
class RequestReader {
 public:
  Request req;
  Refusal refusal;

  // Done when req is whole or refused (refusal.status set); Incomplete when more bytes are
  // needed. send_continue: the client waits for "100 Continue" before sending the body.
  Parse advance(InBuffer& in, const TransportOptions& o, bool& send_continue) {
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
    req.body.assign(in.view().substr(0, req.content_length));
    in.consume(req.content_length);
    return Parse::Done;
  }

  // Ready for the next request on the connection.
  void reset() {
    phase_ = Phase::Head;
    chunked_.reset();
    refusal = Refusal();
    if (req.body.capacity() > kKeepBytes) std::string().swap(req.body);
  }
  bool started(const InBuffer& in) const { return phase_ != Phase::Head || !in.empty(); }

 private:
  enum class Phase { Head, Length, Chunked };
  Phase phase_ = Phase::Head;
  std::optional<ChunkedDecoder> chunked_;
};

// After an SSL call returned rc <= 0: the events to wait for, or why the connection is over.
struct SslWait {
  uint32_t events = 0;  // EPOLLIN or EPOLLOUT; 0: closed for `reason`
  CloseReason reason = CloseReason::ClientClosed;
};

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

}  // namespace

const char* to_string(ConnState s) {
  return kStateNames[static_cast<size_t>(s)];
}
const char* to_string(CloseReason r) {
  return kReasonNames[static_cast<size_t>(r)];
}

// One accepted connection. Owned by the loop while parked (in the list of its state), by one
// worker while busy.
struct HttpsTransport::Conn {
  int fd = -1;
  SSL* ssl = nullptr;  // created when the first bytes arrive: a silent connection costs no TLS
  ConnState state = ConnState::Handshake;
  Clock::time_point since;  // start of the current state's deadline
  Conn* prev = nullptr;
  Conn* next = nullptr;
  uint32_t want = EPOLLIN;
  bool registered = false;  // in the epoll set
  bool dead = false;        // closed by the loop; freed after the current batch of events
  InBuffer in;
  RequestReader reader;
  std::optional<CloseReason> reason;  // decided earlier (e.g. a 408), counted at the close
};

// Idle workers wait on their own condition variable; the loop hands a request to the worker
// that became idle last (a stack, not a queue). Under steady load the same few threads do all
// the work and the others stay asleep: their stacks and malloc arenas never grow.
struct HttpsTransport::Worker {
  std::condition_variable wake;
  Conn* conn = nullptr;
};

void HttpsTransport::ConnList::push_back(Conn* c) {
  c->prev = tail;
  c->next = nullptr;
  (tail ? tail->next : head) = c;
  tail = c;
}

void HttpsTransport::ConnList::remove(Conn* c) {
  (c->prev ? c->prev->next : head) = c->next;
  (c->next ? c->next->prev : tail) = c->prev;
  c->prev = c->next = nullptr;
}

HttpsTransport::HttpsTransport(TransportOptions options, SSL_CTX* ctx, RequestHandler handler)
    : options_(std::move(options)), ctx_(ctx), handler_(std::move(handler)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  demand_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0 || demand_fd_ < 0) throw std::runtime_error("eventfd: " + errno_text(errno));
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::runtime_error("epoll: " + errno_text(errno));
  for (auto& n : counts_) n = 0;
}

HttpsTransport::~HttpsTransport() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  if (demand_fd_ >= 0) ::close(demand_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  SSL_CTX_free(ctx_);
}

std::array<int64_t, kConnStateCount> HttpsTransport::connections() const {
  std::array<int64_t, kConnStateCount> out{};
  for (size_t i = 0; i < kConnStateCount; ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

void HttpsTransport::log(LogLevel level, const std::string& message, int err) const {
  if (options_.log) options_.log(level, message, err ? errno_text(err) : std::string());
}

void HttpsTransport::fail(const char* what, int err) {
  log(LogLevel::Error, what, err);
  failed_ = true;
  stop();
}

void HttpsTransport::stop() {
  stopping_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof one);
}

// Under mu_. The eventfd wakes workers waiting for their connection's next request; the flag
// saves them a system call when nothing waits.
void HttpsTransport::set_demand(bool on) {
  demand_.store(on, std::memory_order_relaxed);
  uint64_t v = 1;
  [[maybe_unused]] const ssize_t n =
      on ? ::write(demand_fd_, &v, sizeof v) : ::read(demand_fd_, &v, sizeof v);
}

milliseconds HttpsTransport::timeout_of(ConnState s) const {
  switch (s) {
    case ConnState::Handshake:
      return options_.handshake_timeout;
    case ConnState::Idle:
      return options_.keep_alive_timeout;
    case ConnState::Reading:
      return options_.read_timeout;
    case ConnState::Closing:
      return kLingerTime;
    case ConnState::Busy:
      break;
  }
  return milliseconds::max();
}

void HttpsTransport::set_state(Conn* c, ConnState s) {
  counts_[static_cast<size_t>(c->state)].fetch_sub(1, std::memory_order_relaxed);
  counts_[static_cast<size_t>(s)].fetch_add(1, std::memory_order_relaxed);
  c->state = s;
}

void HttpsTransport::close_conn(Conn* c, CloseReason reason, bool free_now) {
  if (c->ssl) SSL_free(c->ssl);
  c->ssl = nullptr;
  ::close(c->fd);
  counts_[static_cast<size_t>(c->state)].fetch_sub(1, std::memory_order_relaxed);
  open_.fetch_sub(1, std::memory_order_relaxed);
  if (options_.closed) options_.closed(c->reason.value_or(reason));
  if (free_now) {
    delete c;
    return;
  }
  // The loop may hold an event for it in the batch it is handling.
  c->dead = true;
  dead_.push_back(c);
}

bool HttpsTransport::run() {
  if (listen_fd_ < 0) return false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &listen_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) != 0)
    throw std::runtime_error("epoll_ctl: " + errno_text(errno));
  listening_ = true;
  ev.data.ptr = &stop_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd_, &ev) != 0)
    throw std::runtime_error("epoll_ctl: " + errno_text(errno));

  std::vector<std::unique_ptr<Worker>> pool;
  std::vector<std::thread> threads;
  pool.reserve(static_cast<size_t>(options_.threads));
  threads.reserve(static_cast<size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i) {
    pool.push_back(std::make_unique<Worker>());
    threads.emplace_back([this, w = pool.back().get()] { work(*w); });
  }
  loop();
  {
    std::lock_guard<std::mutex> lk(mu_);
    exiting_ = true;
    for (auto& w : pool) w->wake.notify_one();
  }
  for (auto& t : threads) t.join();
  // Closed only now: a listener closed earlier would reset connections still being accepted.
  ::close(listen_fd_);
  listen_fd_ = -1;
  return !failed_;
}

void HttpsTransport::loop() {
  epoll_event events[kMaxEvents];
  bool stop_seen = false;
  for (;;) {
    take_returned();
    if (stopping_ && !stop_seen) {
      stop_seen = true;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, stop_fd_, nullptr);  // it stays readable
      if (listening_) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
      listening_ = false;
      close_all_idle();
    }
    for (Conn* c : dead_) delete c;
    dead_.clear();
    if (stop_seen && open_.load() == 0) return;
    auto now = Clock::now();
    expire(now);
    if (!stop_seen && !listening_ && now >= accept_paused_until_) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = &listen_fd_;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
      listening_ = true;
    }
    const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, next_wake_ms(now));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("the event loop failed", errno);
      stop_seen = false;  // handled at the top, as a stop
      continue;
    }
    // Connections a worker parked since the last look, before their events are handled.
    take_returned();
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &listen_fd_) {
        if (!stopping_) accept_all();
      } else if (tag != &stop_fd_) {
        if (auto* c = static_cast<Conn*>(tag); !c->dead) on_ready(c);
      }
    }
    for (Conn* c : dead_) delete c;
    dead_.clear();
  }
}

int HttpsTransport::next_wake_ms(Clock::time_point now) const {
  auto wake = now + kLoopTick;
  for (size_t s = 0; s < kConnStateCount; ++s)
    if (const Conn* c = parked_[s].head)
      wake = std::min(wake, c->since + timeout_of(static_cast<ConnState>(s)));
  if (!listening_ && !stopping_) wake = std::min(wake, accept_paused_until_);
  return ms_until(wake);
}

void HttpsTransport::expire(Clock::time_point now) {
  // Each list is in deadline order: a state's timeout is the same for all its connections and a
  // connection joins at the back when it enters the state.
  const auto due = [&](ConnState s) -> Conn* {
    Conn* c = parked_[static_cast<size_t>(s)].head;
    return c && now >= c->since + timeout_of(s) ? c : nullptr;
  };
  while (Conn* c = due(ConnState::Handshake)) close_parked(c, CloseReason::HandshakeTimeout, false);
  while (Conn* c = due(ConnState::Idle)) close_parked(c, CloseReason::IdleTimeout, true);
  while (Conn* c = due(ConnState::Closing)) close_parked(c, CloseReason::BadRequest, false);
  while (Conn* c = due(ConnState::Reading)) {
    // Out of the epoll set: a worker owns it next, and no event may reach the loop meanwhile.
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
    c->registered = false;
    unpark(c);
    c->reader.refusal = refuse(RefusalKind::ReadTimeout,
                               "the request did not arrive within the read timeout (" +
                                   std::to_string(options_.read_timeout.count()) + " ms)");
    c->reason = CloseReason::ReadTimeout;
    dispatch(c);
  }
}

void HttpsTransport::accept_all() {
  for (int i = 0; i < kAcceptBatch; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      switch (errno) {
        case EAGAIN:
          return;
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
          continue;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
          if (evict_idle()) continue;
          // The connection waits in the backlog until some close.
          log(LogLevel::Warn, "cannot accept a connection now; retrying", errno);
          ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
          listening_ = false;
          accept_paused_until_ = Clock::now() + kAcceptPause;
          return;
        default:
          fail("the listener failed", errno);
          return;
      }
    }
    if (static_cast<size_t>(open_.load(std::memory_order_relaxed)) >= options_.max_connections &&
        !evict_idle()) {
      ::close(fd);
      if (options_.closed) options_.closed(CloseReason::Refused);
      continue;
    }
    int yes = 1;
    // Without it every keep-alive answer waits ~40 ms for a delayed ACK.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto* c = new Conn;
    c->fd = fd;
    open_.fetch_add(1, std::memory_order_relaxed);
    counts_[static_cast<size_t>(ConnState::Handshake)].fetch_add(1, std::memory_order_relaxed);
    c->since = Clock::now();
    parked_[static_cast<size_t>(ConnState::Handshake)].push_back(c);
    if (!arm(c)) close_parked(c, CloseReason::HandshakeFailed, false);
  }
}

bool HttpsTransport::evict_idle() {
  Conn* c = parked_[static_cast<size_t>(ConnState::Idle)].head;
  if (!c) return false;
  close_parked(c, CloseReason::Limit, true);
  return true;
}

void HttpsTransport::close_all_idle() {
  for (ConnState s : {ConnState::Idle, ConnState::Handshake})
    while (Conn* c = parked_[static_cast<size_t>(s)].head)
      close_parked(c, CloseReason::Shutdown, s == ConnState::Idle);
}

void HttpsTransport::unpark(Conn* c) {
  parked_[static_cast<size_t>(c->state)].remove(c);
}

void HttpsTransport::park_in_loop(Conn* c, ConnState state) {
  if (c->state != ConnState::Busy) unpark(c);
  set_state(c, state);
  c->since = Clock::now();
  parked_[static_cast<size_t>(state)].push_back(c);
}

void HttpsTransport::close_parked(Conn* c, CloseReason reason, bool polite) {
  unpark(c);
  if (polite && c->ssl) {
    ERR_clear_error();
    SSL_shutdown(c->ssl);  // a close_notify if the socket takes it now; no waiting
  }
  close_conn(c, reason, false);
}

bool HttpsTransport::arm(Conn* c) {
  epoll_event ev{};
  ev.events = c->want | EPOLLONESHOT;
  ev.data.ptr = c;
  const bool ok =
      ::epoll_ctl(epoll_fd_, c->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev) == 0;
  c->registered = c->registered || ok;
  return ok;
}

void HttpsTransport::on_ready(Conn* c) {
  switch (c->state) {
    case ConnState::Handshake:
      return handshake(c);
    case ConnState::Idle:
    case ConnState::Reading:
      return read_parked(c);
    case ConnState::Closing:
      return drain(c);
    case ConnState::Busy:
      return;
  }
}

void HttpsTransport::handshake(Conn* c) {
  if (!c->ssl) {
    c->ssl = SSL_new(ctx_);
    if (!c->ssl) return close_parked(c, CloseReason::HandshakeFailed, false);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                             SSL_MODE_RELEASE_BUFFERS);
    // Read whole records (and the next request's start) in one system call.
    SSL_set_read_ahead(c->ssl, 1);
  }
  ERR_clear_error();
  const int rc = SSL_accept(c->ssl);
  if (rc == 1) {
    park_in_loop(c, ConnState::Idle);
    return read_parked(c);  // the request may have come with the handshake's last flight
  }
  const SslWait w = ssl_wait(c->ssl, rc, true);
  if (!w.events) return close_parked(c, w.reason, false);
  c->want = w.events;
  arm(c);
}

void HttpsTransport::read_parked(Conn* c) {
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(c->ssl, c->in.space(kReadChunk), static_cast<int>(kReadChunk));
    if (n <= 0) {
      const SslWait w = ssl_wait(c->ssl, n, false);
      if (!w.events) return close_parked(c, w.reason, false);
      if (c->state == ConnState::Idle) c->in.release();
      c->want = w.events;
      arm(c);
      return;
    }
    c->in.commit(static_cast<size_t>(n));
    if (c->state == ConnState::Idle) park_in_loop(c, ConnState::Reading);  // its first byte
    bool send_continue = false;
    const Parse state = c->reader.advance(c->in, options_, send_continue);
    if (send_continue) {
      // Small and into an empty socket buffer: written whole at once, or the client is gone.
      ERR_clear_error();
      const int len = static_cast<int>(kContinue.size());
      if (SSL_write(c->ssl, kContinue.data(), len) != len)
        return close_parked(c, CloseReason::ClientClosed, false);
      park_in_loop(c, ConnState::Reading);  // the client waited for us: its deadline restarts
    }
    if (state == Parse::Done) {
      unpark(c);
      return dispatch(c);
    }
  }
}

void HttpsTransport::drain(Conn* c) {
  char sink[kReadChunk];
  for (;;) {
    const ssize_t n = ::read(c->fd, sink, sizeof sink);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      c->want = EPOLLIN;
      arm(c);
      return;
    }
    return close_parked(c, CloseReason::BadRequest, false);  // the reason was set before
  }
}

void HttpsTransport::dispatch(Conn* c) {
  set_state(c, ConnState::Busy);
  std::lock_guard<std::mutex> lk(mu_);
  if (idle_workers_.empty()) {
    if (ready_.empty()) set_demand(true);
    ready_.push_back(c);
    return;
  }
  Worker* w = idle_workers_.back();
  idle_workers_.pop_back();
  w->conn = c;
  w->wake.notify_one();
}

void HttpsTransport::take_returned() {
  std::vector<Conn*> back;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (returned_.empty()) return;
    back.swap(returned_);
  }
  for (Conn* c : back) {
    const ConnState s = c->state;
    c->state = ConnState::Busy;  // counted already; only the list is new
    parked_[static_cast<size_t>(s)].push_back(c);
    c->state = s;
    if (stopping_ && s == ConnState::Idle) close_parked(c, CloseReason::Shutdown, true);
  }
}

void HttpsTransport::give_back(Conn* c) {
  const ConnState s = c->reader.started(c->in) ? ConnState::Reading : ConnState::Idle;
  if (s == ConnState::Idle) c->in.release();
  set_state(c, s);
  c->since = Clock::now();
  // Under the lock, so the loop sees the connection in returned_ before any event for it, and
  // cannot close it before it is armed.
  std::lock_guard<std::mutex> lk(mu_);
  returned_.push_back(c);
  arm(c);
}

void HttpsTransport::work(Worker& self) {
  for (;;) {
    Conn* c;
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (!ready_.empty()) {
        c = ready_.front();
        ready_.pop_front();
        if (ready_.empty()) set_demand(false);
      } else {
        idle_workers_.push_back(&self);
        self.wake.wait(lk, [&] { return exiting_ || self.conn; });
        if (!self.conn) return;
        c = self.conn;
        self.conn = nullptr;
      }
    }
    serve(c);
  }
}

namespace {

// Writes all of data, waiting up to the deadline for the client to take it.
std::optional<CloseReason> write_all(SSL* ssl, int fd, std::string_view data,
                                     milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    ERR_clear_error();
    const int chunk = static_cast<int>(std::min<size_t>(data.size(), INT_MAX));
    const int n = SSL_write(ssl, data.data(), chunk);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    const SslWait w = ssl_wait(ssl, n, false);
    if (!w.events) return w.reason;
    pollfd p{fd, static_cast<short>(w.events == EPOLLIN ? POLLIN : POLLOUT), 0};
    int rc;
    while ((rc = ::poll(&p, 1, ms_until(deadline))) < 0 && errno == EINTR) {
    }
    if (rc == 0) return CloseReason::WriteTimeout;
    if (rc < 0) return CloseReason::ClientClosed;
  }
  return std::nullopt;
}

}  // namespace

void HttpsTransport::serve(Conn* c) {
  Response res;
  std::string out;
  for (;;) {
    RequestReader& r = c->reader;
    res = Response();
    handler_(r.req, r.refusal, res);
    const bool refused = r.refusal.status != 0;
    const bool close = refused || !r.req.keep_alive || res.close || stopping_;
    out.clear();
    append_response(out, res, close, r.req.method == "HEAD" && !refused);
    if (auto failed = write_all(c->ssl, c->fd, out, options_.write_timeout))
      return close_conn(c, *failed, true);
    if (close) {
      ERR_clear_error();
      SSL_shutdown(c->ssl);
      if (!refused)
        return close_conn(c, stopping_ ? CloseReason::Shutdown : CloseReason::ConnectionClose,
                          true);
      // Read what the client still sends (in the loop) so closing does not reset the refusal.
      if (!c->reason) c->reason = CloseReason::BadRequest;
      ::shutdown(c->fd, SHUT_WR);
      c->want = EPOLLIN;
      set_state(c, ConnState::Closing);
      c->since = Clock::now();
      std::lock_guard<std::mutex> lk(mu_);
      returned_.push_back(c);
      arm(c);
      return;
    }
    r.reset();
    c->in.shrink_if_empty(kKeepBytes);
    if (out.capacity() > kKeepBytes) std::string().swap(out);

    // The next request: already buffered (pipelined), or arriving right after the answer.
    bool waited = false;
    // Right after an answer the client has rarely sent more: wait for it instead of a read that
    // fails, unless TLS already holds bytes the socket will not signal again.
    bool try_read = !c->in.empty() || SSL_has_pending(c->ssl);
    Parse state = Parse::Incomplete;
    for (;;) {
      if (!c->in.empty()) {
        bool send_continue = false;
        state = r.advance(c->in, options_, send_continue);
        if (send_continue)
          if (auto failed = write_all(c->ssl, c->fd, kContinue, options_.write_timeout))
            return close_conn(c, *failed, true);
        if (state == Parse::Done) break;
      }
      if (try_read) {
        ERR_clear_error();
        const int n = SSL_read(c->ssl, c->in.space(kReadChunk), static_cast<int>(kReadChunk));
        if (n > 0) {
          c->in.commit(static_cast<size_t>(n));
          continue;
        }
        const SslWait w = ssl_wait(c->ssl, n, false);
        if (!w.events) return close_conn(c, w.reason, true);
        c->want = w.events;
        if (waited || w.events != EPOLLIN || r.started(c->in)) break;
      } else {
        c->want = EPOLLIN;
      }
      // Others wait for a worker, or the server stops: do not hold this one.
      if (stopping_ || demand_.load(std::memory_order_relaxed)) break;
      waited = try_read = true;
      pollfd p[3] = {{c->fd, POLLIN, 0}, {demand_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(p, 3, kNextRequestWaitMs) <= 0 || !p[0].revents) break;
    }
    if (state != Parse::Done) {
      if (stopping_ && !r.started(c->in)) return close_conn(c, CloseReason::Shutdown, true);
      return give_back(c);
    }
  }
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

}  // namespace hostadm::http
