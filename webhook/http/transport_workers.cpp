// The worker half of the transport: a worker takes a connection with a whole request, answers
// it, serves the requests that follow at once, and gives the connection back to the loop.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "webhook/http/connection.hpp"

namespace hostadm::http {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first
namespace {

int64_t ticks(Clock::time_point t) {
  return t.time_since_epoch().count();
}

}  // namespace

bool HttpsTransport::congested(Clock::time_point now) const {
  return ticks(now) < congested_until_.load(std::memory_order_relaxed);
}

// Under mu_. The flag tells a worker that has just answered to serve the queue instead of
// waiting on its own connection.
void HttpsTransport::set_demand(bool on) {
  demand_.store(on, std::memory_order_relaxed);
  if (on || !lingerers_called_) return;
  lingerers_called_ = false;
  uint64_t v;
  [[maybe_unused]] const ssize_t n = ::read(demand_fd_, &v, sizeof v);
}

// Under mu_, ready_ not empty: the eventfd ends the wait of the workers waiting for their
// connection's next request, and they serve the queue. Only when nothing else would serve it
// soon: no worker is idle, or the CPU is saturated (then few threads serve the queue without
// sleeping). In a burst the workers finishing an answer take the queue, and the others keep
// their connections: waking them all parked every connection.
void HttpsTransport::call_lingerers() {
  if (lingerers_called_) return;
  lingerers_called_ = true;
  uint64_t v = 1;
  [[maybe_unused]] const ssize_t n = ::write(demand_fd_, &v, sizeof v);
}

// Under mu_: whether the loop may hand a request to an idle worker. On a loaded CPU, not to the
// reserve: a request there waits for one of the first active_limit_ workers, whether answering
// or waiting on its connection (call_lingerers). Side by side under wrk -c32 on 2 cores, waking
// the reserve whenever those were waiting cost 5 to 12 % of the requests per second (as
// `--threads 4` showed, docs/design/performance.md).
bool HttpsTransport::may_wake() const {
  return !idle_workers_.empty() ||
         (!idle_reserve_.empty() && !cpu_loaded_.load(std::memory_order_relaxed));
}

// Under mu_: hands `c` to the worker that became idle last, of the first active_limit_ if one
// is idle, else of the reserve.
void HttpsTransport::wake_idle(Conn* c) {
  auto& idle = idle_workers_.empty() ? idle_reserve_ : idle_workers_;
  Worker* w = idle.back();
  idle.pop_back();
  w->conn = c;
  answering_.fetch_add(1, std::memory_order_relaxed);
  w->wake.notify_one();
}

// A wake-up per request cost more than the answer on 2 cores: past active_limit_ workers
// answering, a request waits for one of them to finish (it takes the next without sleeping).
// Once requests have kept waiting for kSaturatedAfter (a saturated CPU, not a burst), for
// kCongestion the workers waiting on their own connection's next request count against the
// limit too and are called to the queue, so it is served by few threads. Otherwise they do not
// count: they use no CPU, and each connection keeping its worker costs a request one wake-up
// instead of the loop's two.
//
// The loop collects the whole requests of one turn (dispatch) and hands them over under one lock
// (hand_over): a turn under wrk -c32 brings about ten, and each lock taken was one more the
// workers taking from the queue could meet.
void HttpsTransport::dispatch(Conn* c) {
  c->in_loop = false;
  set_state(c, ConnState::Busy);
  handing_.push_back(c);
}

void HttpsTransport::hand_over() {
  if (handing_.empty()) return;
  const auto now = Clock::now();
  std::lock_guard<std::mutex> lk(mu_);
  for (Conn* c : handing_) {
    const int not_idle =
        options_.threads - static_cast<int>(idle_workers_.size() + idle_reserve_.size());
    if (answering_.load(std::memory_order_relaxed) >= active_limit_)
      enqueue(c, now, true);
    else if (!may_wake() || (congested(now) && not_idle >= active_limit_))
      enqueue(c, now, false);
    else
      wake_idle(c);
  }
  handing_.clear();
}

// Under mu_. at_limit: active_limit_ workers are answering. That opens the saturated window
// only when requests have kept waiting for kSaturatedAfter: a burst drains sooner.
void HttpsTransport::enqueue(Conn* c, Clock::time_point now, bool at_limit) {
  if (ready_.empty()) {
    set_demand(true);
    progress_ = now;
    queued_since_ = now;
  } else if (at_limit && now - queued_since_ >= kSaturatedAfter) {
    congested_until_.store(ticks(now + kCongestion), std::memory_order_relaxed);
  }
  ready_.push_back(c);
  if (!may_wake() || congested(now)) call_lingerers();
}

// Under mu_, ready_ not empty: the oldest waiting request.
HttpsTransport::Conn* HttpsTransport::take_ready(Clock::time_point now) {
  Conn* c = ready_.front();
  ready_.pop_front();
  if (ready_.empty()) set_demand(false);
  progress_ = now;
  return c;
}

// A worker whose connection's next request arrived while it waited answers it unless more than
// active_limit_ workers (itself counted) already are. Then the request waits for one of them, as
// the loop's would, and the worker goes idle.
bool HttpsTransport::yield_to_answering(Conn* c) {
  if (answering_.load(std::memory_order_relaxed) <= active_limit_) return false;
  answering_.fetch_sub(1, std::memory_order_relaxed);
  const auto now = Clock::now();
  std::lock_guard<std::mutex> lk(mu_);
  enqueue(c, now, true);
  return true;
}

// The loop, at least every stall_after while requests wait: when the running workers took none
// for that long (they wait on the inventory, or on a client that reads its answer slowly), one
// more worker is woken, the reserve's too, up to `threads`. So the limit costs throughput
// nothing when they are busy, and a slow inventory cannot hold every other request.
void HttpsTransport::rescue_stalled(Clock::time_point now) {
  if (!demand_.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lk(mu_);
  if (ready_.empty() || now - progress_ < options_.stall_after) return;
  if (idle_workers_.empty() && idle_reserve_.empty()) return call_lingerers();
  wake_idle(take_ready(now));
}

void HttpsTransport::give_back(Conn* c) {
  const ConnState s = c->reader.started(c->in) ? ConnState::Reading : ConnState::Idle;
  set_state(c, s);
  c->since = Clock::now();
  return_to_loop(c);
}

void HttpsTransport::work(Worker& self) {
  // One answer's buffers for every request this worker answers: under load most requests reach
  // a worker through the loop, one serve() each, and buffers per serve() were allocated and
  // freed per request.
  Response res;
  std::string out;
  bool left_request = false;
  for (;;) {
    Conn* c;
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (!left_request && !ready_.empty()) {
        c = take_ready(Clock::now());
        answering_.fetch_add(1, std::memory_order_relaxed);
      } else {
        (self.reserve ? idle_reserve_ : idle_workers_).push_back(&self);
        self.wake.wait(lk, [&] { return exiting_ || self.conn; });
        if (!self.conn) return;
        c = self.conn;
        self.conn = nullptr;
      }
    }
    left_request = !serve(c, self.reserve, res, out);
    if (!left_request) answering_.fetch_sub(1, std::memory_order_relaxed);
  }
}

// Counted in answering_ except while it waits for the connection's next request. False: that
// request was left in ready_ for the workers answering (see yield_to_answering), uncounted.
bool HttpsTransport::serve(Conn* c, bool reserve, Response& res, std::string& out) {
  // Handed over unread (hand_unread): read as the next request after an answer is, from a
  // socket that said it has bytes.
  bool readable = std::exchange(c->unread, false);
  for (;;) {
    if (!readable && !answer(c, res, out)) return true;
    bool waited = false;
    if (!next_request(c, waited, reserve, readable)) return true;
    if (waited && yield_to_answering(c)) return false;
    readable = false;
  }
}

// Answers the request c->reader holds. False: the connection is closed, or handed to the loop
// to close.
bool HttpsTransport::answer(Conn* c, Response& res, std::string& out) {
  RequestReader& r = c->reader;
  res.reset();
  handler_(r.req, r.refusal, res);
  const bool refused = r.refusal.status != 0;
  const bool close = refused || !r.req.keep_alive || res.close || stopping_;
  out.clear();
  append_response(out, res, close, r.req.method == "HEAD"sv && !refused);
  if (auto failed = write_all(c->ssl, c->fd, out, options_.write_timeout)) {
    close_conn(c, *failed, true);
    return false;
  }
  if (close) {
    close_after_answer(c, refused);
    return false;
  }
  r.reset();
  c->in.shrink_if_empty(kKeepBytes);
  if (out.capacity() > kKeepBytes) std::string().swap(out);
  if (res.body.capacity() > kKeepBytes) std::string().swap(res.body);
  return true;
}

void HttpsTransport::close_after_answer(Conn* c, bool refused) {
  clear_ssl_errors();
  SSL_shutdown(c->ssl);
  if (!refused)
    return close_conn(c, stopping_ ? CloseReason::Shutdown : CloseReason::ConnectionClose, true);
  // Read what the client still sends (in the loop) so closing does not reset the refusal.
  if (!c->reason) c->reason = CloseReason::BadRequest;
  ::shutdown(c->fd, SHUT_WR);
  c->want = EPOLLIN;
  set_state(c, ConnState::Closing);
  c->since = Clock::now();
  return_to_loop(c);
}

// Armed first, then pushed: once the loop can take it, this worker no longer touches it (the
// loop may close it at once, on stop()). An event the loop sees in between waits in early_.
void HttpsTransport::return_to_loop(Conn* c) {
  arm(c);
  c->returned_next = returned_.load(std::memory_order_relaxed);
  while (!returned_.compare_exchange_weak(c->returned_next, c, std::memory_order_release,
                                          std::memory_order_relaxed)) {
  }
}

// The next request: already buffered (pipelined), arriving right after the answer, or (readable)
// on a connection the loop handed over unread. True: it is whole in c->reader. False: the
// connection is closed or given back to the loop. `waited`: the worker waited for it, uncounted in
// answering_.
bool HttpsTransport::next_request(Conn* c, bool& waited, bool reserve, bool readable) {
  RequestReader& r = c->reader;
  // Right after an answer the client has rarely sent more: wait for it instead of a read that
  // fails, unless the socket said it has bytes or TLS already holds some the socket will not
  // signal again.
  bool try_read = readable || !c->in.empty() || SSL_has_pending(c->ssl);
  for (;;) {
    if (!c->in.empty()) {
      bool send_continue = false;
      const Parse state = r.advance(c->in, options_, send_continue);
      if (send_continue)
        if (auto failed = write_all(c->ssl, c->fd, kContinue, options_.write_timeout)) {
          close_conn(c, *failed, true);
          return false;
        }
      if (state == Parse::Done) return true;
    }
    if (try_read) {
      clear_ssl_errors();
      const int n = SSL_read(c->ssl, c->in.space(kReadChunk), static_cast<int>(kReadChunk));
      if (n > 0) {
        c->in.commit(static_cast<size_t>(n));
        continue;
      }
      const SslWait w = ssl_wait(c->ssl, n, false);
      if (!w.events) {
        close_conn(c, w.reason, true);
        return false;
      }
      c->want = w.events;
      if (waited || w.events != EPOLLIN || r.started(c->in)) break;
    } else {
      c->want = EPOLLIN;
    }
    // Others wait for a worker, or the server stops: do not hold this one.
    if (stopping_ || demand_.load(std::memory_order_relaxed)) break;
    waited = try_read = true;
    if (!wait_readable(c, reserve)) break;
  }
  if (stopping_ && !r.started(c->in)) {
    close_conn(c, CloseReason::Shutdown, true);
    return false;
  }
  give_back(c);
  return false;
}

// Up to options_.next_request_wait, uncounted in answering_; false: nothing arrived, or the wait
// was cut short (a request waits for a worker, or the server stops), or did not start because
// as many workers as may wait are waiting already, or this is a reserve worker on a loaded CPU
// (woken for a stall, it goes back to sleep after each answer).
//
// Waiting here spares a busy client's next request a trip through the loop (a park and a
// dispatch: two more thread wake-ups and four system calls); with 1 ms, a third of the requests
// under wrk on 2 cores were parked, the client being descheduled for longer than that. But every
// waiting worker is woken for its own connection's every request: with one waiting per
// connection (32 under wrk -c32, each with its own thread) a request cost a context switch (0.9
// per request); with at most active_limit_ waiting, the other connections' requests reach the
// workers through the loop in batches (0.35 per request, and 11 % more requests per second
// against the build before, side by side: docs/design/performance.md).
//
// That cap is for a loaded CPU only (sample_cpu). Below it a request through the loop costs two
// wake-ups in a row (the loop's, then a worker's) where a waiting worker costs one; at 5,000
// req/s on 8 connections with 4 waiting, the other connections' requests went through the loop.
// When every connection could keep its worker, /mutate's p99 went from 0.61 to 0.42 ms (median
// of 5 rounds, side by side), at the same saturated throughput. A few workers stay free for the
// loop.
bool HttpsTransport::wait_readable(Conn* c, bool reserve) {
  if (reserve && cpu_loaded_.load(std::memory_order_relaxed)) return false;
  const int cap = cpu_loaded_.load(std::memory_order_relaxed)
                      ? active_limit_
                      : std::max(active_limit_, options_.threads - active_limit_);
  if (waiting_.fetch_add(1, std::memory_order_relaxed) >= cap) {
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  pollfd p[3] = {{c->fd, POLLIN, 0}, {demand_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  answering_.fetch_sub(1, std::memory_order_relaxed);
  const int ready = ::poll(p, 3, static_cast<int>(options_.next_request_wait.count()));
  answering_.fetch_add(1, std::memory_order_relaxed);
  waiting_.fetch_sub(1, std::memory_order_relaxed);
  return ready > 0 && p[0].revents;
}

}  // namespace hostadm::http
