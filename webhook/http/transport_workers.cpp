// The worker half of the transport: a worker takes a connection with a whole request, answers
// it, serves the requests that follow at once, and gives the connection back to the loop.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <mutex>

#include "webhook/http/connection.hpp"

namespace hostadm::http {
namespace {

// How long a worker waits for the next request on the connection it just answered before
// parking it: a busy client's next request is then served without a trip through the loop (a
// park and a dispatch cost two more thread wake-ups and four system calls). The wait ends at once
// when a request is waiting for a worker (the demand eventfd) or on stop(), so a worker held
// here never delays another connection's answer. Measured on 2 cores under wrk: with 1 ms, a
// third of the requests were parked, the client being descheduled for longer than that.
constexpr int kNextRequestWaitMs = 20;

}  // namespace

// Under mu_. The eventfd wakes workers waiting for their connection's next request; the flag
// saves them a system call when nothing waits.
void HttpsTransport::set_demand(bool on) {
  demand_.store(on, std::memory_order_relaxed);
  uint64_t v = 1;
  [[maybe_unused]] const ssize_t n =
      on ? ::write(demand_fd_, &v, sizeof v) : ::read(demand_fd_, &v, sizeof v);
}

// Under mu_: hands `c` to the worker that became idle last.
void HttpsTransport::wake_idle(Conn* c) {
  Worker* w = idle_workers_.back();
  idle_workers_.pop_back();
  w->conn = c;
  w->wake.notify_one();
}

// A wake-up per request cost more than the answer on 2 cores: past active_limit_ running
// workers, a request waits for one of them to finish (it takes the next without sleeping).
void HttpsTransport::dispatch(Conn* c) {
  set_state(c, ConnState::Busy);
  std::lock_guard<std::mutex> lk(mu_);
  // Workers not idle are running (or starting up, which counts the same).
  const auto running = static_cast<size_t>(options_.threads) - idle_workers_.size();
  if (!idle_workers_.empty() && running < static_cast<size_t>(active_limit_)) return wake_idle(c);
  if (ready_.empty()) {
    set_demand(true);
    progress_ = Clock::now();
  }
  ready_.push_back(c);
}

// The loop, at least every kStall while requests wait: when the running workers took none for
// that long (they wait on the inventory, or on a client that reads its answer slowly), one more
// worker is woken, up to `threads`. So the limit costs throughput nothing when they are busy,
// and a slow inventory cannot hold every other request.
void HttpsTransport::rescue_stalled(Clock::time_point now) {
  if (!demand_.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lk(mu_);
  if (ready_.empty() || idle_workers_.empty() || now - progress_ < kStall) return;
  Conn* c = ready_.front();
  ready_.pop_front();
  if (ready_.empty()) set_demand(false);
  progress_ = now;
  wake_idle(c);
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
        progress_ = Clock::now();
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

}  // namespace hostadm::http
