// Small text helpers shared by the core, the server, the transport and the harness, so each
// rule (how a list is written, how a JSON pointer escapes a key, where UTF-8 may be cut, how
// user text is quoted) is written once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hostadm::text {

// "a, b, c" (or with `sep`); works for any range of strings or C strings.
template <class Range>
std::string join(const Range& items, std::string_view sep = ", ") {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += sep;
    out += std::string_view(item);
    first = false;
  }
  return out;
}

// `s` without the leading and trailing characters found in `chars`.
std::string_view trim(std::string_view s, std::string_view chars = " \t\r\n");

// One reference token of a JSON pointer: '~' -> "~0", '/' -> "~1".
std::string json_pointer_token(std::string_view key);
// `pointer` + "/" + the escaped `key`.
std::string json_pointer_child(const std::string& pointer, std::string_view key);

// Levenshtein distance (insertions, deletions, substitutions), for "did you mean" on a mistyped
// flag or rule id.
size_t edit_distance(std::string_view a, std::string_view b);

// The length of the well-formed UTF-8 sequence starting at s[i] (1 to 4), or 0 when the bytes
// there are not one (a stray continuation byte, a truncated sequence, an overlong form, a
// surrogate, or a value past U+10FFFF). `code_point` receives the decoded value.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t* code_point = nullptr);
// True when all of `s` is well-formed UTF-8.
bool utf8_valid(std::string_view s);
// The largest length <= `budget` at which `s` can be cut without splitting a UTF-8 sequence
// (s.size() when it already fits).
size_t utf8_cut(std::string_view s, size_t budget);

// User text quoted in a message a user reads (a denial, a warning): at most
// kMessageQuoteBytes bytes, cut on a UTF-8 boundary, with the real length appended when cut
// ("abc... (4194304 bytes)"), so a megabyte value cannot flood the apiserver's events and
// audit log while the user still sees that it was cut.
constexpr size_t kMessageQuoteBytes = 128;
std::string shown_in_message(std::string_view s);
// The same, appended to `out` (no string of its own for the common short value).
void append_shown(std::string& out, std::string_view s);

// Client text quoted in a line that is also logged: printable ASCII only (anything else is
// '.'), at most kLogQuoteBytes bytes, and nothing after a '?', where a query could carry a
// credential; "..." marks a cut.
constexpr size_t kLogQuoteBytes = 64;
std::string shown_in_log(std::string_view s);

}  // namespace hostadm::text
