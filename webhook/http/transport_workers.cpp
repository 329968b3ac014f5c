// The worker half of the transport: a worker takes a connection with a whole request, answers
// it, serves the requests that follow at once, and gives the connection back to the loop.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <mutex>

#include "webhook/http/connection.hpp"

namespace hostadm::http {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first

// Under mu_: hands `c` to the worker that became idle last.
void HttpsTransport::wake_idle(Conn* c) {
  Worker* w = idle_workers_.back();
  idle_workers_.pop_back();
  w->conn = c;
  answering_.fetch_add(1, std::memory_order_relaxed);
  w->wake.notify_one();
}

// A wake-up per request cost more than the answer on 2 cores: past active_limit_ workers
// answering, a request waits for one of them to finish (it takes the next without sleeping).
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
    if (answering_.load(std::memory_order_relaxed) >= active_limit_ || idle_workers_.empty())
      enqueue(c, now);
    else
      wake_idle(c);
  }
  handing_.clear();
}

// Under mu_.
void HttpsTransport::enqueue(Conn* c, Clock::time_point now) {
  if (ready_.empty()) {
    queued_.store(true, std::memory_order_relaxed);
    progress_ = now;
  }
  ready_.push_back(c);
}

// Under mu_, ready_ not empty: the oldest waiting request.
HttpsTransport::Conn* HttpsTransport::take_ready(Clock::time_point now) {
  Conn* c = ready_.front();
  ready_.pop_front();
  if (ready_.empty()) queued_.store(false, std::memory_order_relaxed);
  progress_ = now;
  return c;
}

// The loop, at least every kStall while requests wait: when the running workers took none for
// that long (they wait on the inventory, or on a client that reads its answer slowly), one more
// worker is woken, up to `threads`. So the limit costs throughput nothing when they are busy,
// and a slow inventory cannot hold every other request.
void HttpsTransport::rescue_stalled(Clock::time_point now) {
  if (!queued_.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lk(mu_);
  if (ready_.empty() || now - progress_ < kStall || idle_workers_.empty()) return;
  wake_idle(take_ready(now));
}

void HttpsTransport::give_back(Conn* c) {
  const ConnState s = c->reader.started(c->in) ? ConnState::Reading : ConnState::Idle;
  if (s == ConnState::Idle) c->in.release();
  set_state(c, s);
  c->since = Clock::now();
  return_to_loop(c);
}

void HttpsTransport::work(Worker& self) {
  for (;;) {
    Conn* c;
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (!ready_.empty()) {
        c = take_ready(Clock::now());
        answering_.fetch_add(1, std::memory_order_relaxed);
      } else {
        idle_workers_.push_back(&self);
        self.wake.wait(lk, [&] { return exiting_ || self.conn; });
        if (!self.conn) return;
        c = self.conn;
        self.conn = nullptr;
      }
    }
    serve(c);
    answering_.fetch_sub(1, std::memory_order_relaxed);
  }
}

// Answers c's request and the ones the client already sent after it (pipelined), then gives the
// connection back to the loop, or closes it.
void HttpsTransport::serve(Conn* c) {
  // One answer's buffers for every request of the connection.
  Response res;
  std::string out;
  while (answer(c, res, out) && next_request(c)) {
  }
}

// Answers the request c->reader holds. False: the connection is closed, or handed to the loop
// to close.
bool HttpsTransport::answer(Conn* c, Response& res, std::string& out) {
  RequestReader& r = c->reader;
  res = Response();
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

// The next request, when the client sent it with the last one (pipelined) or TLS already holds
// its bytes. True: it is whole in c->reader. False: the connection is closed or given back to
// the loop, which waits for the rest.
//
// A worker used to wait here up to 20 ms for a busy client's next request, to spare it a trip
// through the loop. Since the loop hands a turn's whole requests over at once, that trip costs
// no more than the wait did: without the wait, under wrk -c32 on 2 cores, requests per second
// were the same within the noise side by side, context switches per request 0.38 -> 0.30 (perf),
// and the p99 at 5,000 req/s the same (docs/design/transport.md).
bool HttpsTransport::next_request(Conn* c) {
  RequestReader& r = c->reader;
  bool try_read = !c->in.empty() || SSL_has_pending(c->ssl);
  c->want = EPOLLIN;
  while (try_read) {
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
    try_read = false;
  }
  if (stopping_ && !r.started(c->in)) {
    close_conn(c, CloseReason::Shutdown, true);
    return false;
  }
  give_back(c);
  return false;
}

}  // namespace hostadm::http
