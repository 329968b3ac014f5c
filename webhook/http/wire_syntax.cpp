#include "webhook/http/wire_syntax.hpp"

#include "webhook/core/text.hpp"

namespace hostadm::http::syntax {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string shown(std::string_view s) {
  return text::shown_in_log(s);
}

// One header or trailer line, "Name: value" (RFC 9112 5): a token name right before the colon,
// a value without control characters; a line starting with whitespace is obsolete folding.
Field check_field(std::string_view field, std::string_view& name, std::string_view& value) {
  if (!field.empty() && (field.front() == ' ' || field.front() == '\t')) return Field::Folded;
  const size_t colon = field.find(':');
  if (colon == std::string_view::npos || colon == 0) return Field::NoName;
  name = field.substr(0, colon);
  for (char c : name)
    if (!is_tchar(c)) return Field::BadName;
  value = trim_ows(field.substr(colon + 1));
  for (char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      return Field::ControlCharacter;
  return Field::Ok;
}

// What follows a chunk size up to its CRLF (RFC 9112 7.1.1):
//   *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), a value a token or a
//   quoted-string. Ignored once read, but a line another parser would split differently is how
//   a body gets framed two ways.
bool valid_chunk_ext(std::string_view s) {
  size_t i = 0;
  auto bws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  auto token = [&] {
    const size_t from = i;
    while (i < s.size() && is_tchar(s[i])) ++i;
    return i > from;
  };
  auto quoted = [&] {
    if (i >= s.size() || s[i] != '"') return false;
    for (++i; i < s.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"') {
        ++i;
        return true;
      }
      if (c == '\\') {
        if (++i >= s.size()) return false;
        const unsigned char q = static_cast<unsigned char>(s[i]);
        if (q != '\t' && (q < 0x20 || q == 0x7f)) return false;
      } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
        return false;
      }
    }
    return false;
  };
  while (i < s.size()) {
    bws();
    if (i == s.size() || s[i] != ';') return false;  // whitespace only before ';' or '='
    ++i;
    bws();
    if (!token()) return false;
    const size_t name_end = i;
    bws();
    if (i < s.size() && s[i] == '=') {
      ++i;
      bws();
      if (!token() && !quoted()) return false;
    } else if (i != name_end && (i == s.size() || s[i] != ';')) {
      return false;
    }
  }
  return true;
}

}  // namespace hostadm::http::syntax
