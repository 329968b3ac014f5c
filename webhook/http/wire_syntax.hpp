// The HTTP/1.1 grammar the head parser and the chunked decoder share (RFC 9110 5.6, RFC 9112 5
// and 7.1.1): tokens, case-insensitive names, list elements, header and trailer lines, chunk
// extensions. Internal to webhook/http.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace hostadm::http::syntax {

inline constexpr std::string_view kCrlf = "\r\n";

// tchar (RFC 9110 5.6.2): a table, since every byte of every method and header name is one.
inline constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();
inline bool is_tchar(char c) {
  return kTchar[static_cast<unsigned char>(c)];
}
char lower(char c);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string_view trim_ows(std::string_view s);
int hex_value(char c);
// Client text quoted in a refusal, which is also logged.
std::string shown(std::string_view s);

// Calls f(element) for each non-empty element of a comma-separated header list.
template <typename F>
void for_each_element(std::string_view list, F f) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view element = trim_ows(list.substr(0, comma));
    if (!element.empty()) f(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

enum class Field { Ok, Folded, NoName, BadName, ControlCharacter };

// One header or trailer line, "Name: value" (RFC 9112 5): a token name right before the colon,
// a value without control characters; a line starting with whitespace is obsolete folding.
Field check_field(std::string_view field, std::string_view& name, std::string_view& value);

// What follows a chunk size up to its CRLF (RFC 9112 7.1.1):
//   *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), a value a token or a
//   quoted-string. Ignored once read, but a line another parser would split differently is how
//   a body gets framed two ways.
bool valid_chunk_ext(std::string_view s);

}  // namespace hostadm::http::syntax
