// Client-side rate limit of the Kubernetes API client: a token bucket of `burst` tokens refilled
// at `qps` per second, as client-go's default limiter. Time is passed in, so the arithmetic is
// tested without a clock; the client waits for the answer it gets.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

namespace hostadm::kube {

using SteadyClock = std::chrono::steady_clock;
// The moment a caller stops waiting; every API call is bounded by one.
using Deadline = SteadyClock::time_point;

class TokenBucket {
 public:
  // qps <= 0 turns the limit off; burst < 1 counts as 1. The bucket starts full.
  TokenBucket(double qps, int burst);

  // Takes one token and returns when the caller may send: `now` when one is there, later when
  // the bucket is empty. Returns nothing, and takes nothing, when that moment is after
  // `deadline`: waiting for a token counts against the call's deadline.
  std::optional<SteadyClock::time_point> reserve(SteadyClock::time_point now, Deadline deadline);

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  const double qps_;
  const int burst_;
  std::mutex mu_;
  double tokens_;  // negative when callers are already queued for future tokens
  std::optional<SteadyClock::time_point> last_;
};

}  // namespace hostadm::kube
