// The transport's limits and timeouts, with their defaults written here only: TransportOptions
// carries them, and host-webhook's flags start from them and show them in --help (and so in the
// flag reference), so the three cannot disagree.
#pragma once

#include <chrono>
#include <cstddef>

namespace hostadm::http {

struct TransportLimits {
  int threads = 64;
  // Requests are handed to idle workers only while fewer than this many run; past it they queue
  // for the running ones, which take the next without sleeping. 0: two per core the process
  // may use (cpu_budget()).
  int active_threads = 0;
  size_t max_connections = 10'000;
  size_t max_head_bytes = 8192;
  // object + oldObject, each at most ~1.5 MiB as etcd stores it (its request limit).
  size_t max_body_bytes = 3u << 20;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds keep_alive_timeout{5'000};
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
};

}  // namespace hostadm::http
