#include "webhook/core/json_escapes.hpp"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hostadm {
namespace {

// The escapes whose two bytes may become kBlank: every one JSON allows but `\u`.
struct SimpleEscapes {
  bool is[256] = {};
  constexpr SimpleEscapes() {
    for (unsigned char c : {'"', '\\', '/', 'b', 'f', 'n', 'r', 't'}) is[c] = true;
  }
};
constexpr SimpleEscapes kSimple{};

// The backslash at text[at], unless the escape before it took it (it is no longer a backslash
// then: the escaped byte of a blanked pair is kBlank's second). A backslash escapes the byte
// after it wherever it stands, as the parser's first stage reads it, so an escape that is not
// blanked (`\u`, or invalid) leaves its second byte as it is, and that byte is no backslash.
inline size_t blank_at(char* text, size_t size, size_t at) {
  if (text[at] != '\\' || at + 1 >= size) return 0;
  if (!kSimple.is[static_cast<unsigned char>(text[at + 1])]) return 0;
  text[at] = kBlank[0];
  text[at + 1] = kBlank[1];
  return 1;
}

}  // namespace

size_t blank_escapes(char* text, size_t size) {
  size_t count = 0;
  size_t at = 0;
#if defined(__SSE2__)
  // Sixteen bytes to a compare, and one test for 64 of them: most of a review holds no backslash.
  const __m128i backslash = _mm_set1_epi8('\\');
  const auto backslashes = [&](size_t from) {
    return _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text + from)),
                          backslash);
  };
  const auto bits = [](__m128i found) {
    return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(found)));
  };
  for (; at + 64 <= size; at += 64) {
    const __m128i a = backslashes(at), b = backslashes(at + 16), c = backslashes(at + 32),
                  d = backslashes(at + 48);
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) == 0) continue;
    uint64_t found = bits(a) | bits(b) << 16 | bits(c) << 32 | bits(d) << 48;
    for (; found; found &= found - 1)
      count += blank_at(text, size, at + static_cast<size_t>(__builtin_ctzll(found)));
  }
  for (; at + 16 <= size; at += 16) {
    for (uint64_t found = bits(backslashes(at)); found; found &= found - 1)
      count += blank_at(text, size, at + static_cast<size_t>(__builtin_ctzll(found)));
  }
#endif
  for (; at < size; ++at) count += blank_at(text, size, at);
  return count;
}

bool has_blank(std::string_view s) {
  return s.find(kBlank[0]) != std::string_view::npos;
}

}  // namespace hostadm
