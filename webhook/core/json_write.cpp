#include "webhook/core/json_write.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "webhook/core/text.hpp"

namespace hostadm::json_write {

using nlohmann::json;

namespace {

// What a byte needs in a JSON string: 0 nothing (plain ASCII), 1 an escape, 2 a UTF-8 check.
constexpr std::array<unsigned char, 256> kByteClass = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}();

}  // namespace

// One pass copies runs of plain bytes; the rare rest (escapes, and any non-ASCII text, whose
// replacement or error nlohmann's dump defines) is handled where it appears.
void append_string(std::string& out, std::string_view s, InvalidUtf8 invalid) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t start = out.size();
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  bool checked = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const unsigned char kind = kByteClass[c];
    if (kind == 0) continue;
    if (kind == 2) {
      if (!checked && !text::utf8_valid(s)) {
        out.resize(start);
        const json j = std::string(s);
        out += invalid == InvalidUtf8::Replace
                   ? j.dump(-1, ' ', false, json::error_handler_t::replace)
                   : j.dump();
        return;
      }
      checked = true;
      continue;
    }
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

}  // namespace hostadm::json_write
