#include "webhook/core/json_write.hpp"

#include <algorithm>

#include "webhook/core/text.hpp"

namespace hostadm::json_write {

using nlohmann::json;

// The valid UTF-8 case is a scan that copies runs of plain bytes; the rare rest is left to
// nlohmann, so that its replacement and its error stay the reference.
void append_string(std::string& out, std::string_view s, InvalidUtf8 invalid) {
  // Most strings are ASCII: a byte loop is cheaper than a call to the vectorised check.
  const bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
  if (!ascii && !text::utf8_valid(s)) {
    const json j = std::string(s);
    out += invalid == InvalidUtf8::Replace ? j.dump(-1, ' ', false, json::error_handler_t::replace)
                                           : j.dump();
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void append_value(std::string& out, const json& value, InvalidUtf8 invalid) {
  switch (value.type()) {
    case json::value_t::null:
      out += "null";
      return;
    case json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case json::value_t::string:
      append_string(out, value.get_ref<const std::string&>(), invalid);
      return;
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_ref<const json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_string(out, key, invalid);
        out += ':';
        append_value(out, item, invalid);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_ref<const json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        append_value(out, item, invalid);
      }
      out += ']';
      return;
    }
    default:  // numbers (their formatting is nlohmann's own), binary, discarded
      out += invalid == InvalidUtf8::Replace
                 ? value.dump(-1, ' ', false, json::error_handler_t::replace)
                 : value.dump();
      return;
  }
}

}  // namespace hostadm::json_write
