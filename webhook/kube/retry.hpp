// When a Kubernetes API call is tried again, and after how long: the arithmetic only (no clock,
// no randomness of its own), so it is tested exactly; the client and the watch cache apply it.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace hostadm::kube {

// The API verbs this client speaks (the words of RBAC and of the request metrics).
enum class Verb { Get, List, Watch, Create, Update, Patch, Delete };
inline constexpr size_t kVerbCount = 7;
const char* to_string(Verb v);

// Capped exponential backoff: initial * factor^attempt, at most `cap`, then spread by up to
// ±jitter (a fraction) so that replicas that failed together do not retry together.
struct BackoffPolicy {
  std::chrono::milliseconds initial{100};
  double factor = 2.0;
  std::chrono::milliseconds cap{2000};
  double jitter = 0.2;
};

// The delay before retry number `attempt` (0: the first retry). `random01` is a number in
// [0, 1) from the caller's generator; 0.5 means no spread.
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int attempt, double random01);

// `Retry-After: SECONDS` as the apiserver writes it (an integer; the HTTP-date form is not
// used by Kubernetes and reads as absent). Values over an hour are clipped to an hour.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view header);

// Whether an answer with this HTTP code is worth another try of this verb:
// - 429: the server refused before doing anything (API Priority and Fairness, max in-flight), so
//   every verb is retried;
// - a 5xx that carries Retry-After: the server asks to come back (a shutting-down or overloaded
//   apiserver), so every verb is retried, as client-go does;
// - another 5xx: only idempotent verbs (get, list, update, delete); a create or a patch may have
//   been applied before the failure, and the caller decides.
bool retryable_answer(Verb verb, int code, bool has_retry_after);

// A connection the server closed while it sat idle in the pool, found out only on reuse: a verb
// is resent when the request cannot have been applied (`nothing_sent`) or when it is idempotent.
bool retryable_stale_connection(Verb verb, bool nothing_sent);

// Idempotent verbs: sending them twice has the effect of sending them once.
bool idempotent(Verb verb);

}  // namespace hostadm::kube
