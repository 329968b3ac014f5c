#include "webhook/http/https_transport.hpp"

#include "webhook/http/connection.hpp"
#include "webhook/http/cpu_budget.hpp"

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
#include <ctime>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

namespace hostadm::http {
namespace {

// The kernel caps it at net.core.somaxconn; connections wait there only while the loop is busy.
constexpr int kListenBacklog = 4096;
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

}  // namespace

const char* to_string(ConnState s) {
  return kStateNames[static_cast<size_t>(s)];
}
const char* to_string(CloseReason r) {
  return kReasonNames[static_cast<size_t>(r)];
}

struct HttpsTransport::StateLinks {
  static Conn*& prev(Conn* c) { return c->prev; }
  static Conn*& next(Conn* c) { return c->next; }
};
struct HttpsTransport::HoldLinks {
  static Conn*& prev(Conn* c) { return c->hold_prev; }
  static Conn*& next(Conn* c) { return c->hold_next; }
};

template <class Links>
void HttpsTransport::ConnListOf<Links>::push_back(Conn* c) {
  Links::prev(c) = tail;
  Links::next(c) = nullptr;
  (tail ? Links::next(tail) : head) = c;
  tail = c;
}

template <class Links>
void HttpsTransport::ConnListOf<Links>::remove(Conn* c) {
  (Links::prev(c) ? Links::next(Links::prev(c)) : head) = Links::next(c);
  (Links::next(c) ? Links::prev(Links::next(c)) : tail) = Links::prev(c);
  Links::prev(c) = Links::next(c) = nullptr;
}

HttpsTransport::HttpsTransport(TransportOptions options, SSL_CTX* ctx, RequestHandler handler)
    : options_(std::move(options)), ctx_(ctx), handler_(std::move(handler)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  demand_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0 || demand_fd_ < 0) throw std::runtime_error("eventfd: " + errno_text(errno));
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::runtime_error("epoll: " + errno_text(errno));
  // The cgroup files are read only when the caller left a number to the transport.
  CpuBudget budget;
  if (options_.active_threads <= 0 || options_.cpu_capacity <= 0) budget = cpu_budget();
  cpu_capacity_ = options_.cpu_capacity > 0 ? options_.cpu_capacity : budget.capacity();
  active_limit_ = resolve_active_threads(options_.active_threads, options_.threads, budget.cores);
}

int resolve_active_threads(int requested, int threads, int cores) {
  return std::clamp(requested > 0 ? requested : 2 * std::max(1, cores), 1, std::max(1, threads));
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
  // Read state by state while connections change state (as the single counters were): a
  // connection may be missed or counted twice for that instant, and a count never shows below 0.
  for (size_t i = 0; i < kConnStateCount; ++i)
    out[i] = std::max<int64_t>(0, static_cast<int64_t>(counts_.total(i)));
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
  counts_.add(static_cast<size_t>(c->state), uint64_t(-1));
  counts_.add(static_cast<size_t>(s));
  c->state = s;
}

// A connection parked idle keeps its buffers for options_.hold_buffers, its next request likely
// on the way. One a worker waits on keeps them too: SSL_MODE_RELEASE_BUFFERS would allocate and
// free both on every request.
void HttpsTransport::hold(Conn* c) {
  if (c->holding) return;
  c->holding = true;
  holding_.push_back(c);
  held_.fetch_add(1, std::memory_order_relaxed);
}

// Then it gives back its input buffer and its TLS record buffers (about 16 KiB each way, more
// with read-ahead), so thousands of idle keep-alive connections cost little more than their
// sockets. SSL_free_buffers keeps a buffer that still holds bytes. The list is in the order the
// connections were parked, which is their `since` order to within a worker's give-back.
void HttpsTransport::release_held(Clock::time_point now) {
  while (Conn* c = holding_.head) {
    if (now - c->since < options_.hold_buffers) return;
    holding_.remove(c);
    c->holding = false;
    held_.fetch_sub(1, std::memory_order_relaxed);
    c->in.release();
    if (c->ssl) SSL_free_buffers(c->ssl);
  }
}

void HttpsTransport::close_conn(Conn* c, CloseReason reason, bool free_now) {
  if (c->ssl) SSL_free(c->ssl);
  c->ssl = nullptr;
  ::close(c->fd);
  counts_.add(static_cast<size_t>(c->state), uint64_t(-1));
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
    pool.back()->reserve = i >= active_limit_;
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
    sample_cpu(now);
    expire(now);
    release_held(now);
    hand_over();
    rescue_stalled(now);
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
        on_event(static_cast<Conn*>(tag));
      }
    }
    hand_over();
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
  if (const Conn* c = holding_.head) wake = std::min(wake, c->since + options_.hold_buffers);
  if (demand_.load(std::memory_order_relaxed)) wake = std::min(wake, now + options_.stall_after);
  // A worker armed them and was descheduled before returning them: rare, and soon back.
  if (!early_.empty()) wake = std::min(wake, now + milliseconds(1));
  return ms_until(wake);
}

// The process's CPU time over the last kCpuSample or more, against what it may use: at least
// kLoadedShare makes it loaded, and only kUnloadAfter spent under kUnloadedShare unloads it. The
// cap moves the share it is decided on (capped, a saturated webhook spends less CPU per
// request), so a state that followed every sample could flip back and forth; a second keeps it
// steady, and a load that starts is capped within a sample. All threads count, the loop's and
// the workers'.
void HttpsTransport::sample_cpu(Clock::time_point now) {
  if (now - cpu_sampled_ < kCpuSample) return;
  timespec ts{};
  if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return;
  const int64_t used_ns = int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  if (cpu_used_ns_ >= 0) {
    const double wall_ns = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - cpu_sampled_).count());
    const double share = static_cast<double>(used_ns - cpu_used_ns_) / (wall_ns * cpu_capacity_);
    const bool loaded = cpu_loaded_.load(std::memory_order_relaxed);
    if (!loaded && share >= kLoadedShare) {
      cpu_loaded_.store(true, std::memory_order_relaxed);
      cpu_low_since_.reset();
    } else if (loaded && share >= kUnloadedShare) {
      cpu_low_since_.reset();
    } else if (loaded) {
      if (!cpu_low_since_) cpu_low_since_ = now;
      if (now - *cpu_low_since_ >= kUnloadAfter)
        cpu_loaded_.store(false, std::memory_order_relaxed);
    }
  }
  cpu_used_ns_ = used_ns;
  cpu_sampled_ = now;
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
    counts_.add(static_cast<size_t>(ConnState::Handshake));
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
  if (c->holding) {
    holding_.remove(c);
    c->holding = false;
    held_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void HttpsTransport::park_in_loop(Conn* c, ConnState state) {
  if (c->state != ConnState::Busy) unpark(c);
  set_state(c, state);
  c->since = Clock::now();
  parked_[static_cast<size_t>(state)].push_back(c);
  if (state == ConnState::Idle) hold(c);
}

void HttpsTransport::close_parked(Conn* c, CloseReason reason, bool polite) {
  unpark(c);
  if (polite && c->ssl) {
    clear_ssl_errors();
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
      return hand_unread(c);
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
    // Not SSL_MODE_RELEASE_BUFFERS: idle connections free their buffers (set_state).
    SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Read whole records (and the next request's start) in one system call.
    SSL_set_read_ahead(c->ssl, 1);
  }
  clear_ssl_errors();
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
    clear_ssl_errors();
    const int n = SSL_read(c->ssl, c->in.space(kReadChunk), static_cast<int>(kReadChunk));
    if (n <= 0) {
      const SslWait w = ssl_wait(c->ssl, n, false);
      if (!w.events) return close_parked(c, w.reason, false);
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
      clear_ssl_errors();
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

// An idle connection's next request, handed to a worker before it is read: the worker decrypts,
// parses and answers it on one core, where the loop's read left the request, its buffers and
// the TLS state in the other core's cache for the worker (the handler costs 4 us per /mutate in
// process, 6.5 us in the server). A request that has not arrived whole goes back to the loop as
// after an answer (next_request), so a slow client holds no worker, and costs a worker one trip
// at most: the loop reads the rest of a started request itself.
void HttpsTransport::hand_unread(Conn* c) {
  unpark(c);
  c->unread = true;
  dispatch(c);
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

// The connections workers gave back, in the order they came (the stack is last first), then
// the events that came for them before they did.
void HttpsTransport::take_returned() {
  Conn* top = returned_.exchange(nullptr, std::memory_order_acquire);
  Conn* in_order = nullptr;
  while (top) {
    Conn* next = top->returned_next;
    top->returned_next = in_order;
    in_order = top;
    top = next;
  }
  // A connection closed here is freed only after the loop's turn, so its link stays readable.
  for (Conn* c = in_order; c; c = c->returned_next) {
    const ConnState s = c->state;
    c->state = ConnState::Busy;  // counted already; only the list is new
    parked_[static_cast<size_t>(s)].push_back(c);
    c->state = s;
    c->in_loop = true;
    if (s == ConnState::Idle) hold(c);
    if (stopping_ && s == ConnState::Idle) close_parked(c, CloseReason::Shutdown, true);
  }
  if (early_.empty()) return;
  std::vector<Conn*> due;
  due.swap(early_);
  for (Conn* c : due) on_event(c);
}

// An event for c: handled if it is the loop's, else kept until a worker's give-back arrives.
void HttpsTransport::on_event(Conn* c) {
  if (c->dead) return;
  if (!c->in_loop) return early_.push_back(c);
  on_ready(c);
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
