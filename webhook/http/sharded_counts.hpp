// Counters that every request adds to, kept in shards so that threads on different cores do not
// write the same cache line, and summed when they are read (a scrape of /metrics).
//
// Under wrk on 2 cores a counter every thread writes costs more in the cache line moving between
// the cores than in the add: prometheus-cpp's series (one atomic double each, six to eight
// compare-and-swaps per /mutate) took 1.2 % of the webhook's CPU in Gauge::Change alone, and the
// transport's connection counts (two adds at each of a request's two state changes) 0.8 % in
// set_state. A shard's lines are written by the threads that map to it (one each, with up to
// kShards threads counting), so the adds stay in the writer's cache. Here rather than in the
// server so the transport can count with it too.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace hostadm {

class ShardedCounts {
 public:
  static constexpr size_t kShards = 16;

  explicit ShardedCounts(size_t series)
      : stride_((series + kPerLine - 1) / kPerLine), lines_(new Line[stride_ * kShards]) {}

  // Adds to `series` in this thread's shard. Unsigned and modular: a gauge's -1 is added as
  // 2^64 - 1 and its total read back as a signed value.
  void add(size_t series, uint64_t n = 1) {
    lines_[shard() * stride_ + series / kPerLine].v[series % kPerLine].fetch_add(
        n, std::memory_order_relaxed);
  }

  // The sum over the shards: adds made before the call are in it (relaxed: a scrape needs no
  // order between series).
  uint64_t total(size_t series) const {
    uint64_t sum = 0;
    for (size_t s = 0; s < kShards; ++s)
      sum += lines_[s * stride_ + series / kPerLine].v[series % kPerLine].load(
          std::memory_order_relaxed);
    return sum;
  }

 private:
  static constexpr size_t kPerLine = 8;
  struct alignas(64) Line {
    std::atomic<uint64_t> v[kPerLine] = {};
  };

  // Threads take shards in the order they first count; past kShards they share, which the
  // atomic adds keep correct.
  static size_t shard() {
    static std::atomic<size_t> next{0};
    thread_local const size_t index = next.fetch_add(1, std::memory_order_relaxed) % kShards;
    return index;
  }

  size_t stride_;  // lines per shard
  std::unique_ptr<Line[]> lines_;
};

}  // namespace hostadm
