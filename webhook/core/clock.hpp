// Time as the webhook measures it: the monotonic clock, the moment an answer is due, and the
// replaceable clock that cache ages are read from. Types only: the core itself never reads the
// time (a deadline reaches it inside an InventoryView).
#pragma once

#include <chrono>

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

}  // namespace hostadm
