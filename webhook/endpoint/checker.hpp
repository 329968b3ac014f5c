// The endpoint checks an admission asks for, cached and shared: one result per (address, port,
// expected thumbprint, mode, Secret and its resourceVersion) kept for a TTL (longer for a
// success than for a failure), at most one probe per key in flight, and a caller that waits no
// longer than its own deadline. A probe that outlives the caller goes on in the background,
// bounded by the budget it was started with, and fills the cache for the next admission.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "webhook/core/clock.hpp"
#include "webhook/endpoint/prober.hpp"
#include "webhook/endpoint/result.hpp"

namespace hostadm::endpoint {

struct CheckerConfig {
  // A success (ReachOk, LoginOk) answers from memory this long; a failure for negative_ttl, so
  // an endpoint that was down or a Host fixed by the admin is checked again soon.
  std::chrono::seconds ttl{std::chrono::minutes(5)};
  std::chrono::seconds negative_ttl{30};
  // Probes running at once (each holds a thread); a check past this is Skipped, not queued.
  size_t max_in_flight = 32;
};

// Hooks for metrics; default no-op.
class Observer {
 public:
  virtual ~Observer() = default;
  // A probe ended: its outcome and how long it ran.
  virtual void probed(Outcome /*outcome*/, double /*seconds*/) {}
  // How a check was answered: "hit" (cached), "miss" (it started the probe and got its result),
  // "shared" (it waited on a probe another check started), "gave_up" (its deadline came first:
  // a provisional result), "skipped" (max_in_flight probes were running).
  virtual void looked_up(const char* /*result*/) {}
};

// The cache key of a request: the credentials are never part of it.
std::string cache_key(const Request& request);

class Checker {
 public:
  // Defaults: network_prober(), no observer, the steady clock for cache ages.
  explicit Checker(CheckerConfig config = {}, std::shared_ptr<Prober> prober = nullptr,
                   std::shared_ptr<Observer> observer = nullptr,
                   std::shared_ptr<Clock> clock = nullptr);
  // Waits for the probes still running; each ends within the budget it was started with.
  ~Checker();
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  // The result for `request`, waiting at most until min(deadline, now + budget). A probe started
  // here runs for `budget` (the policy's endpointTimeout). When the wait ends first, the result
  // is provisional (Timeout, or LoginError once the login had started) and the probe goes on.
  Result check(Request request, std::chrono::milliseconds budget, Deadline deadline);

  // Probes running now.
  size_t in_flight() const;

  struct State;

 private:
  // Everything the probe threads use, shared with them: a probe may outlive the check that
  // started it.
  std::shared_ptr<State> state_;
};

}  // namespace hostadm::endpoint
