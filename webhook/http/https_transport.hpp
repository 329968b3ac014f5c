// The HTTPS/1.1 server under the webhook's routes: one event loop (epoll, non-blocking OpenSSL)
// holds every connection that is not being answered, and a set of worker threads answers
// requests.
//
// A connection costs a worker only while a request it sent is being read or answered: TLS
// handshakes, idle keep-alive connections and requests still arriving wait in the loop, so a
// flood of connections that send nothing (or send slowly) cannot starve the workers. An idle
// connection whose socket has bytes goes to a worker unread; the worker reads the request and
// answers it, or gives the connection back at once when the request is not whole. After an
// answer the worker tries the connection's next request at once (one read, one write per request
// on a busy keep-alive connection) and parks the connection in the loop when none comes.
//
// Deadlines, all kept by the loop: a TLS handshake within handshake_timeout of the accept; a
// request whole within read_timeout of its first byte (else 408); an idle keep-alive connection
// closed after keep_alive_timeout; an answer written within write_timeout. At max_connections the
// longest-idle keep-alive connection is closed to admit a new one; with none idle the new one is
// closed at once. stop() stops accepting and closes idle connections; a request in progress is
// answered with "Connection: close".
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "webhook/http/sharded_counts.hpp"
#include "webhook/http/transport_limits.hpp"
#include "webhook/http/wire.hpp"

namespace hostadm::http {

// What an open connection is doing. Closing: answered a refusal, reading what the client still
// sends before closing so the refusal is not lost to a reset.
enum class ConnState { Handshake = 0, Idle, Reading, Busy, Closing };
inline constexpr size_t kConnStateCount = 5;
const char* to_string(ConnState s);

// Why a connection was closed.
enum class CloseReason {
  HandshakeTimeout = 0,
  HandshakeFailed,  // not TLS, or a TLS handshake the policy refused
  IdleTimeout,
  ReadTimeout,      // a request did not arrive whole in time (answered 408)
  WriteTimeout,     // the client did not read its answer in time
  Limit,            // the longest-idle connection, closed to admit a new one at max_connections
  Refused,          // a new connection at max_connections with none idle to close
  ClientClosed,     // the client closed or reset the connection
  BadRequest,       // the request was refused (4xx) and the connection closed after the answer
  ConnectionClose,  // the client asked (Connection: close, HTTP/1.0) or the server is draining
  Shutdown,         // stop() closed an idle or handshaking connection
  TlsError,         // a TLS error after the handshake
};
inline constexpr size_t kCloseReasonCount = 12;
const char* to_string(CloseReason r);

// The transport reports through these instead of a logging library of its own.
enum class LogLevel { Warn, Error };
using TransportLog =
    std::function<void(LogLevel level, const std::string& message, const std::string& error)>;

// The limits (transport_limits.hpp) and where the transport reports.
struct TransportOptions : TransportLimits {
  TransportLog log;                         // optional
  std::function<void(CloseReason)> closed;  // optional; called on the thread that closed
  // How long a worker waits for the next request on the connection it just answered before
  // giving it back to the loop. Not a flag: tests stretch it to see which workers wait.
  std::chrono::milliseconds next_request_wait{20};
  // Requests waiting while the running workers took none for this long wake one more worker
  // (see rescue_stalled). Not a flag: tests stretch it to see which workers answer.
  std::chrono::milliseconds stall_after{1};
  // How long a connection parked idle keeps its input buffer and its TLS record buffers (about
  // 50 KB): under load a connection no worker could wait on goes through the loop, idle for well
  // under a millisecond, and releasing them at once made each such request allocate, fault in
  // and free them again (4 % of the requests per second under wrk, side by side). Not a flag:
  // tests stretch and shrink it.
  std::chrono::milliseconds hold_buffers{20};
  // The CPU time the process may use per second (CpuBudget::capacity()), against which the loop
  // tells a loaded process (see wait_readable); 0: read by the transport (cpu_budget()).
  double cpu_capacity = 0;
};

// What active_threads comes to: `requested`, or two per usable core when 0, within 1..threads.
int resolve_active_threads(int requested, int threads, int cores);

// Answers one request. A request the transport refused (bad framing, too large, too slow) comes
// with refusal.status set and an empty body; the handler writes the answer the client sees.
using RequestHandler = std::function<void(const Request&, const Refusal&, Response&)>;

class HttpsTransport {
 public:
  // Takes ownership of ctx (configured by the caller: certificates, client CA, protocols).
  HttpsTransport(TransportOptions options, SSL_CTX* ctx, RequestHandler handler);
  ~HttpsTransport();
  HttpsTransport(const HttpsTransport&) = delete;
  HttpsTransport& operator=(const HttpsTransport&) = delete;

  // Binds and listens; returns the port. Throws std::runtime_error with the system's reason.
  int bind(const std::string& host, int port);
  // Runs the event loop on the calling thread and answers on the workers until stop() and every
  // connection is closed; false if the listener failed.
  bool run();
  // Safe from any thread, also before run().
  void stop();

  // Open connections by state, at this moment.
  std::array<int64_t, kConnStateCount> connections() const;
  // Whether the process counts as loaded: it used half the CPU it may use over one of the loop's
  // samples (every 10 ms while it runs, at least every 100 ms) and has not spent a second under
  // 35 % since. Only then are the workers waiting on their connections' next requests capped at
  // active_threads.
  bool cpu_loaded() const { return cpu_loaded_.load(std::memory_order_relaxed); }
  // Connections parked idle that still hold their buffers (see TransportOptions::hold_buffers).
  int64_t holding_buffers() const { return held_.load(std::memory_order_relaxed); }

 private:
  struct Conn;
  struct Worker;
  // Connections linked through the pair of Conn's pointers that Links names (https_transport.cpp).
  template <class Links>
  struct ConnListOf {
    Conn* head = nullptr;
    Conn* tail = nullptr;
    void push_back(Conn* c);
    void remove(Conn* c);
  };
  struct StateLinks;
  struct HoldLinks;
  // The loop's connections in one state, in the order they entered it.
  using ConnList = ConnListOf<StateLinks>;
  // The connections parked idle that still hold their buffers, oldest first (see hold()).
  using HoldList = ConnListOf<HoldLinks>;

  // event loop (its thread only)
  void loop();
  void accept_all();
  bool evict_idle();
  void on_event(Conn* c);
  void on_ready(Conn* c);
  void handshake(Conn* c);
  void read_parked(Conn* c);
  void hand_unread(Conn* c);
  void drain(Conn* c);
  void expire(std::chrono::steady_clock::time_point now);
  int next_wake_ms(std::chrono::steady_clock::time_point now) const;
  void take_returned();
  void rescue_stalled(std::chrono::steady_clock::time_point now);
  void sample_cpu(std::chrono::steady_clock::time_point now);
  void close_all_idle();
  void park_in_loop(Conn* c, ConnState state);
  void unpark(Conn* c);
  void hold(Conn* c);
  void release_held(std::chrono::steady_clock::time_point now);
  void close_parked(Conn* c, CloseReason reason, bool polite);
  bool arm(Conn* c);
  void dispatch(Conn* c);
  void hand_over();
  std::chrono::milliseconds timeout_of(ConnState s) const;

  // workers
  void work(Worker& self);
  bool serve(Conn* c, bool reserve, Response& res, std::string& out);
  // serve()'s steps for every request, always_inline: cut out for reading, not to cost a call.
  [[gnu::always_inline]] inline bool answer(Conn* c, Response& res, std::string& out);
  void close_after_answer(Conn* c, bool refused);
  [[gnu::always_inline]] inline bool next_request(Conn* c, bool& waited, bool reserve,
                                                  bool readable);
  bool wait_readable(Conn* c, bool reserve);
  bool yield_to_answering(Conn* c);
  void give_back(Conn* c);
  void return_to_loop(Conn* c);

  // any thread
  void set_state(Conn* c, ConnState s);
  // free_now false: in the loop, freed after the batch of events being handled.
  void close_conn(Conn* c, CloseReason reason, bool free_now);
  void fail(const char* what, int err);
  void set_demand(bool on);
  void call_lingerers();
  bool congested(std::chrono::steady_clock::time_point now) const;
  bool may_wake() const;
  void wake_idle(Conn* c);
  void enqueue(Conn* c, std::chrono::steady_clock::time_point now, bool at_limit);
  Conn* take_ready(std::chrono::steady_clock::time_point now);
  void log(LogLevel level, const std::string& message, int err) const;

  TransportOptions options_;
  SSL_CTX* ctx_;
  RequestHandler handler_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // an eventfd: readable once stop() ran
  // An eventfd: readable while a whole request waits for a worker and the workers waiting on
  // their connections were called to it (call_lingerers).
  int demand_fd_ = -1;
  std::atomic<bool> demand_{false};
  int epoll_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failed_{false};
  std::atomic<int64_t> open_{0};
  ShardedCounts counts_{kConnStateCount};  // by state; signed, added modulo 2^64

  // loop-owned
  std::array<ConnList, kConnStateCount> parked_;
  HoldList holding_;
  std::atomic<int64_t> held_{0};  // holding_'s length, for holding_buffers()
  bool listening_ = false;
  std::chrono::steady_clock::time_point accept_paused_until_{};
  std::vector<Conn*> dead_;
  double cpu_capacity_ = 1;   // options_.cpu_capacity, resolved
  int64_t cpu_used_ns_ = -1;  // the process's CPU time at cpu_sampled_; -1: not read yet
  std::chrono::steady_clock::time_point cpu_sampled_{};
  // Loaded, and under kUnloadedShare since (see sample_cpu).
  std::optional<std::chrono::steady_clock::time_point> cpu_low_since_;

  // shared between the loop and the workers
  std::mutex mu_;
  // Idle workers, most recently idle last: the first active_limit_ of them, and the reserve.
  std::vector<Worker*> idle_workers_;
  std::vector<Worker*> idle_reserve_;
  int active_limit_ = 0;  // options_.active_threads, resolved
  // Workers with a request in hand (not those idle or waiting on their connection's next request).
  std::atomic<int> answering_{0};
  // Workers waiting for their own connection's next request: at most active_limit_ while the
  // CPU is loaded (see wait_readable).
  std::atomic<int> waiting_{0};
  std::atomic<bool> cpu_loaded_{false};  // written by the loop (sample_cpu)
  std::deque<Conn*> ready_;              // whole requests waiting for a worker
  bool lingerers_called_ = false;        // demand_fd_ written since ready_ became non-empty
  // Until when the CPU counts as saturated (see dispatch), in steady_clock ticks: the workers
  // waiting on their connection read it without the lock.
  std::atomic<int64_t> congested_until_{0};
  // When ready_ last became non-empty.
  std::chrono::steady_clock::time_point queued_since_{};
  // When a worker last took from ready_, or ready_ last became non-empty.
  std::chrono::steady_clock::time_point progress_{};

  // Connections workers gave back, not yet in the loop's lists: a stack workers push to without
  // a lock, which the loop takes whole. Under a lock (first the queue's, then one of its own)
  // the workers giving back contended for it, holding it across their epoll_ctl: two to three
  // futex calls per request under wrk (strace).
  std::atomic<Conn*> returned_{nullptr};
  std::vector<Conn*> handing_;  // the loop's: whole requests of this turn, for hand_over
  std::vector<Conn*> early_;    // the loop's: events for connections not yet taken from returned_
  bool exiting_ = false;
};

}  // namespace hostadm::http
