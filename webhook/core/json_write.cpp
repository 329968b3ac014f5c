#include "webhook/core/json_write.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Whether any of the eight bytes at `p` needs care: a byte below 0x20, a quote, a backslash or
// a byte with the high bit set. Exact for "is there one in this word", which is all it is asked.
bool word_needs_care(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  uint64_t v;
  std::memcpy(&v, p, 8);
  const uint64_t control = (v - kOnes * 0x20) & ~v & kHigh;
  return (control | has_zero(v ^ (kOnes * '"')) | has_zero(v ^ (kOnes * '\\')) | (v & kHigh)) != 0;
}

#if defined(__SSE2__)
// The bytes of a 16-byte block that need care, one bit each: compared as signed bytes, those
// with the high bit set are negative, so "below 0x20" finds them with the control bytes.
unsigned block_care_mask(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i care = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
      _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
  return static_cast<unsigned>(_mm_movemask_epi8(care));
}
#endif

// How many bytes at the start of `s` are known plain (kByteClass 0): all of them when none needs
// care, else at most the offset of the first that does (the escaping loop starts there). Every
// string the answer and the patch write passes through here, the admission's hottest loop: 16
// bytes at a time where SSE2 is there (every x86-64), else 8, and the last block overlapping the
// one before instead of a loop over the remaining bytes.
size_t plain_prefix(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  size_t i = 0;
  if (n < 8) {
    while (i < n && kByteClass[static_cast<unsigned char>(p[i])] == 0) ++i;
    return i;
  }
#if defined(__SSE2__)
  if (n >= 16) {
    for (; i + 16 <= n; i += 16)
      if (const unsigned mask = block_care_mask(p + i)) return i + __builtin_ctz(mask);
    return i == n || block_care_mask(p + n - 16) == 0 ? n : n - 16;
  }
#endif
  for (; i + 8 <= n; i += 8)
    if (word_needs_care(p + i)) return i;
  return i == n || !word_needs_care(p + n - 8) ? n : n - 8;
}

// `s` as nlohmann's dump writes a string that is not valid UTF-8: U+FFFD for the bad bytes, or
// its type_error 316.
void append_invalid_utf8(std::string& out, std::string_view s, InvalidUtf8 invalid) {
  const json j = std::string(s);
  out += invalid == InvalidUtf8::Replace ? j.dump(-1, ' ', false, json::error_handler_t::replace)
                                         : j.dump();
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
  }
}

// The quoted text of `s` from its first byte that needs care (`plain` bytes in): runs of plain
// bytes are copied whole, escapes written where they appear, and any non-ASCII text checked once.
void append_escaped(std::string& out, std::string_view s, size_t plain, InvalidUtf8 invalid) {
  const size_t start = out.size();
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
        return append_invalid_utf8(out, s, invalid);
      }
      checked = true;
      continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    append_escape(out, c);
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace

bool is_plain(std::string_view s) {
  return plain_prefix(s) == s.size();
}

void append_string(std::string& out, std::string_view s, InvalidUtf8 invalid) {
  const size_t plain = plain_prefix(s);
  if (plain != s.size()) return append_escaped(out, s, plain, invalid);
  out += '"';  // nearly every string the webhook writes
  out.append(s.data(), s.size());
  out += '"';
}

}  // namespace hostadm::json_write
