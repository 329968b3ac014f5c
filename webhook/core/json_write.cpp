#include "webhook/core/json_write.hpp"

#include <array>
#include <cstdint>
#include <cstring>

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

// How many bytes at the start of `s` are plain (kByteClass 0), eight at a time: a byte below
// 0x20, a quote, a backslash or a byte with the high bit set stops the word. The tests are exact
// for "is there one in this word", which is all they are asked; the byte loop finds which.
size_t plain_prefix(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, s.data() + i, 8);
    const uint64_t control = (v - kOnes * 0x20) & ~v & kHigh;
    if ((control | has_zero(v ^ (kOnes * '"')) | has_zero(v ^ (kOnes * '\\')) | (v & kHigh)) != 0)
      break;
  }
  while (i < s.size() && kByteClass[static_cast<unsigned char>(s[i])] == 0) ++i;
  return i;
}

}  // namespace

bool is_plain(std::string_view s) {
  return plain_prefix(s) == s.size();
}

// Runs of plain bytes are copied whole; the rare rest (escapes, and any non-ASCII text, whose
// replacement or error nlohmann's dump defines) is handled where it appears.
void append_string(std::string& out, std::string_view s, InvalidUtf8 invalid) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t start = out.size();
  const size_t plain = plain_prefix(s);
  if (plain == s.size()) {  // nearly every string the webhook writes
    out += '"';
    out.append(s.data(), s.size());
    out += '"';
    return;
  }
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  bool checked = false;
  for (size_t i = plain; i < s.size(); ++i) {
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
