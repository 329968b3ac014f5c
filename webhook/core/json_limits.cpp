#include "webhook/core/json_limits.hpp"

#include <string>

namespace hostadm {

JsonTooDeep::JsonTooDeep(size_t at, size_t limit)
    : std::invalid_argument("JSON nested deeper than " + std::to_string(limit) +
                            " levels (at byte " + std::to_string(at) +
                            "); no Kubernetes object is that deep"),
      byte(at) {}

void check_json_depth(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limit) throw JsonTooDeep(i, limit);
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
}

nlohmann::json parse_json_bounded(std::string_view text, size_t limit) {
  check_json_depth(text, limit);
  return nlohmann::json::parse(text);
}

}  // namespace hostadm
