// Signals and shutdown. Signals are blocked in every thread and taken by one sigwait thread, so
// handlers run as ordinary code: SIGHUP reloads the certificate; SIGTERM/SIGINT drain (readiness
// fails while requests are still served, so endpoints can move away), then stop the server, with
// a hard exit deadline in case something hangs.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace hostadm::server {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread, ignores SIGPIPE (TLS writes use send()
// without MSG_NOSIGNAL). Call before any thread starts so every thread inherits the mask.
void block_signals();

// Raises the soft limit on open files to the hard limit (as Go programs do at start): every
// connection is a descriptor. Returns the soft limit now in force.
long long raise_open_file_limit();

struct LifecycleHooks {
  std::function<void()> reload;       // SIGHUP
  std::function<void()> begin_drain;  // first SIGTERM/SIGINT
  std::function<void()> stop;         // after the drain delay (or a second signal)
};

class SignalLoop {
 public:
  SignalLoop(LifecycleHooks hooks, std::chrono::milliseconds drain_delay,
             std::chrono::milliseconds shutdown_timeout);
  ~SignalLoop();
  void start();
  // Ends the loop when the server stopped for another reason; joins the thread.
  void finish();

 private:
  void run();

  LifecycleHooks hooks_;
  std::chrono::milliseconds drain_delay_, shutdown_timeout_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace hostadm::server
