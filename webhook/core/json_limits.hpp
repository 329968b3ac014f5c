// Bounded JSON parsing for bytes that come from the network. nlohmann parses deep nesting
// iteratively, but copying or walking the result recurses: a 200 KB body of 100,000 '['
// overflowed a worker thread's stack and killed host-webhook. Kubernetes objects are nowhere
// near this deep, so anything deeper is refused before a DOM is built.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hostadm {

inline constexpr size_t kMaxJsonDepth = 256;

struct JsonTooDeep : std::invalid_argument {
  size_t byte;  // offset of the bracket that went past the limit
  JsonTooDeep(size_t at, size_t limit);
};

// Depth of the deepest array/object in `text` (strings and escapes skipped); stops counting and
// throws JsonTooDeep past `limit`. Linear, no allocation; does not validate the JSON.
void check_json_depth(std::string_view text, size_t limit = kMaxJsonDepth);

// check_json_depth, then nlohmann::json::parse (which throws json::parse_error on bad JSON).
nlohmann::json parse_json_bounded(std::string_view text, size_t limit = kMaxJsonDepth);

}  // namespace hostadm
