#include "webhook/kube/rate_limiter.hpp"

#include <algorithm>

namespace hostadm::kube {

TokenBucket::TokenBucket(double qps, int burst)
    : qps_(qps), burst_(std::max(burst, 1)), tokens_(std::max(burst, 1)) {}

std::optional<SteadyClock::time_point> TokenBucket::reserve(SteadyClock::time_point now,
                                                            Deadline deadline) {
  if (qps_ <= 0) return now;
  std::lock_guard<std::mutex> lk(mu_);
  // Refill for the time since the last reservation; a clock read out of order adds nothing.
  if (last_ && now > *last_) {
    const double elapsed = std::chrono::duration<double>(now - *last_).count();
    tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
  }
  if (!last_ || now > *last_) last_ = now;
  const double after = tokens_ - 1;
  if (after >= 0) {
    tokens_ = after;
    return now;
  }
  // Wait until the refill brings this reservation's token: -after tokens at qps per second,
  // counted from the last refill.
  const auto wait = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(-after / qps_));
  const auto at = *last_ + wait;
  if (at > deadline) return std::nullopt;
  tokens_ = after;
  return at;
}

}  // namespace hostadm::kube
