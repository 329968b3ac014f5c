// simdjson DOM values -> nlohmann::json, for the readers that validate with simdjson and build
// only the values they need (review_reader.cpp, inventory.cpp).
#pragma once

#include <simdjson.h>
#include <nlohmann/json.hpp>

namespace hostadm {

// Thrown by to_nlohmann(e, /*numbers=*/false) on a number: the text of a number is gone after
// parsing ("-0" and "0", "1E2" and "100.0"), so a reader that may quote values back declines.
struct NumberDeclined {};

// Duplicate keys keep the last value, as nlohmann's own parser does. Recursion is bounded by the
// parser's max depth.
nlohmann::json to_nlohmann(simdjson::dom::element e, bool numbers);

}  // namespace hostadm
