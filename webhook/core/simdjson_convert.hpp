// simdjson DOM values -> nlohmann::json, for the readers that validate with simdjson and build
// only the values they need (review_reader.cpp, inventory.cpp).
#pragma once

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "webhook/core/json_limits.hpp"

namespace hostadm {

// The depth a simdjson reader accepts: below kMaxJsonDepth, so whatever simdjson reads the
// nlohmann path's depth check accepts too; documents between the two take the nlohmann path and
// get its answer or its precise error.
inline constexpr size_t kSimdjsonMaxDepth = kMaxJsonDepth / 2;

// Thrown by to_nlohmann(e, /*numbers=*/false) on a number: the text of a number is gone after
// parsing ("-0" and "0", "1E2" and "100.0"), so a reader that may quote values back declines.
struct NumberDeclined {};

// Duplicate keys keep the last value, as nlohmann's own parser does. Recursion is bounded by the
// parser's max depth.
nlohmann::json to_nlohmann(simdjson::dom::element e, bool numbers);

}  // namespace hostadm
