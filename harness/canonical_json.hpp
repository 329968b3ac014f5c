// The JSON text `snapshot` writes a host as: compact, every object's keys sorted, exactly what
// nlohmann's dump() writes for the same value. Read with simdjson and written straight out, it
// costs a fifth of building an nlohmann tree per page and dumping it, which was most of a
// real-size snapshot's time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hostadm::harness {

// Each item of the JSON list `body` as that text, with the key `drop` removed from the items
// that are objects. Answers that simdjson declines (too deep, numbers it does not take) go
// through nlohmann and give the same bytes; throws what parse_json_bounded throws for text that
// is not JSON, and std::invalid_argument when it is not a list.
std::vector<std::string> canonical_items(std::string_view body, std::string_view drop);

}  // namespace hostadm::harness
