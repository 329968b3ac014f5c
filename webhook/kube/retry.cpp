#include "webhook/kube/retry.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace hostadm::kube {

const char* to_string(Verb v) {
  switch (v) {
    case Verb::Get:
      return "get";
    case Verb::List:
      return "list";
    case Verb::Watch:
      return "watch";
    case Verb::Create:
      return "create";
    case Verb::Update:
      return "update";
    case Verb::Patch:
      return "patch";
    case Verb::Delete:
      return "delete";
  }
  return "unknown";
}

std::chrono::milliseconds backoff_delay(const BackoffPolicy& p, int attempt, double random01) {
  const double cap = static_cast<double>(p.cap.count());
  double ms = static_cast<double>(p.initial.count()) * std::pow(p.factor, std::max(attempt, 0));
  ms = std::min(ms, cap);
  const double spread = std::clamp(random01, 0.0, 1.0) * 2.0 - 1.0;  // -1 .. 1
  ms *= 1.0 + std::clamp(p.jitter, 0.0, 1.0) * spread;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(std::max(ms, 0.0))));
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view h) {
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  if (h.empty() || h.size() > 9) return std::nullopt;
  long long s = 0;
  for (char c : h) {
    if (c < '0' || c > '9') return std::nullopt;
    s = s * 10 + (c - '0');
  }
  return std::chrono::seconds(std::min<long long>(s, 3600));
}

bool idempotent(Verb v) {
  return v == Verb::Get || v == Verb::List || v == Verb::Watch || v == Verb::Update ||
         v == Verb::Delete;
}

bool retryable_answer(Verb verb, int code, bool has_retry_after) {
  if (code == 429) return true;
  if (code < 500 || code > 599) return false;
  return has_retry_after || idempotent(verb);
}

bool retryable_stale_connection(Verb verb, bool nothing_sent) {
  return nothing_sent || idempotent(verb);
}

}  // namespace hostadm::kube
