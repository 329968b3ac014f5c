// What the event loop and the workers share about one connection: its buffers, the request
// being read from them, and the TLS reads and writes around them. Internal to the transport.
#pragma once

#include <sys/epoll.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "webhook/http/https_transport.hpp"
#include "webhook/http/wire.hpp"

namespace hostadm::http {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kReadChunk = 16 * 1024;  // one TLS record
// After refusing a request, keep reading (and dropping) what the client still sends for this
// long, so closing does not reset the connection before the client has read the refusal.
constexpr milliseconds kLingerTime{2'000};
// How long after a request last waited for a worker the workers waiting on a connection count
// against the active limit (see dispatch).
constexpr milliseconds kCongestion{100};
// How long requests must have kept waiting for a worker before that counts as a saturated CPU.
// A burst (h2load's 8 clients firing together) is answered within a fraction of a millisecond;
// taking it for saturation sent every request of the next 100 ms through the loop.
constexpr milliseconds kSaturatedAfter{2};
// The process counts as loaded once it used this share of the CPU it may use over at least
// kCpuSample, and as unloaded again after kUnloadAfter below kUnloadedShare (see
// HttpsTransport::sample_cpu). Under wrk -c32 on 2 cores the webhook uses about 65 % of them;
// at 5,000 req/s about 12 %.
constexpr milliseconds kCpuSample{10};
constexpr double kLoadedShare = 0.5;
constexpr double kUnloadedShare = 0.35;
constexpr milliseconds kUnloadAfter{1'000};
// Buffers a busy connection keeps between requests; a rare multi-megabyte review does not pin
// its size for the rest of the connection. A parked idle connection keeps none once it has been
// idle for TransportOptions::hold_buffers.
constexpr size_t kKeepBytes = 64 * 1024;

std::string errno_text(int err);
// Milliseconds left until deadline, for poll(): 0 when past.
int ms_until(Clock::time_point deadline);

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
        // new char[], not make_unique: the bytes are read into, zeroing 16 KiB per request
        // (a parked connection's buffer is released) was 2 % of the server's CPU.
        std::unique_ptr<char[]> bigger(new char[cap]);
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
  Parse advance(InBuffer& in, const TransportOptions& o, bool& send_continue);

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

// Before an SSL call whose failure SSL_get_error explains: the thread's error queue must hold
// nothing from earlier calls. ERR_clear_error walks every slot of the queue even when it is
// empty (1.5 % of the webhook's CPU under load, three calls per request); the queue is nearly
// always empty, and a peek is one lookup.
inline void clear_ssl_errors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

// After an SSL call returned rc <= 0: the events to wait for, or why the connection is over.
struct SslWait {
  uint32_t events = 0;  // EPOLLIN or EPOLLOUT; 0: closed for `reason`
  CloseReason reason = CloseReason::ClientClosed;
};

SslWait ssl_wait(SSL* ssl, int rc, bool handshaking);

// Writes all of data; once a write has to wait, the client has `timeout` to take the rest.
std::optional<CloseReason> write_all(SSL* ssl, int fd, std::string_view data, milliseconds timeout);

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
  // The loop's only: in its lists (from accept, or once take_returned saw it come back), not
  // handed to a worker. An event for a connection a worker armed but has not yet returned
  // waits for it (see HttpsTransport::on_event and take_returned).
  bool in_loop = true;
  Conn* returned_next = nullptr;  // the returned_ stack's link
  // Handed to a worker with its next request still unread (see HttpsTransport::hand_unread).
  bool unread = false;
  // The loop's only: parked idle with its buffers, in the holding_ list (see hold()).
  bool holding = false;
  Conn* hold_prev = nullptr;
  Conn* hold_next = nullptr;
  InBuffer in;
  RequestReader reader;
  std::optional<CloseReason> reason;  // decided earlier (e.g. a 408), counted at the close
};

// Idle workers wait on their own condition variable; the loop hands a request to the worker
// that became idle last (a stack, not a queue). Under steady load the same few threads do all
// the work and the others stay asleep: their stacks and malloc arenas never grow.
//
// The workers past active_threads are the reserve. While the CPU is loaded the loop wakes one
// only when the others stalled (rescue_stalled), and it gives its connection back after each
// answer instead of waiting for the next request; unloaded, a reserve worker is like any other.
struct HttpsTransport::Worker {
  std::condition_variable wake;
  Conn* conn = nullptr;
  bool reserve = false;
};

}  // namespace hostadm::http
