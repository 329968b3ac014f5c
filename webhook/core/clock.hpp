// Time as the webhook measures it: the monotonic clock, the moment an answer is due, and the
// replaceable clock that cache ages are read from. Types only: the core itself never reads the
// time (a deadline reaches it inside an InventoryView).
#pragma once

#include <chrono>
#include <memory>

namespace hostadm {

using SteadyClock = std::chrono::steady_clock;
// When the caller stops waiting: an inventory fetch or an admission answer must be done by then.
using Deadline = SteadyClock::time_point;

// Ages of cache entries come from here so tests can move time without sleeping. Deadlines stay
// on the real steady clock: they bound how long a request thread may block.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyClock::time_point now() const = 0;
};

// The monotonic clock itself, for the edges (the inventory and Secret caches, the endpoint
// checker, the Lease) when no test clock is given; the core never calls it.
inline std::shared_ptr<Clock> system_clock() {
  struct Steady final : Clock {
    SteadyClock::time_point now() const override { return SteadyClock::now(); }
  };
  static const std::shared_ptr<Clock> clock = std::make_shared<Steady>();
  return clock;
}

}  // namespace hostadm
