// Which of the two admission webhooks a request came to: /mutate may answer with a patch,
// /validate only judges. The decision core, the server's routing and its metrics share it.
#pragma once

#include <cstddef>

namespace hostadm {

enum class Phase { Mutate = 0, Validate = 1 };
inline constexpr std::size_t kPhaseCount = 2;

// The metric label and log field: "mutate" or "validate".
inline const char* to_string(Phase p) {
  return p == Phase::Mutate ? "mutate" : "validate";
}

}  // namespace hostadm
