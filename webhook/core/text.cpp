#include "webhook/core/text.hpp"

#include <algorithm>
#include <vector>

#include <simdjson.h>

namespace hostadm::text {

std::string_view trim(std::string_view s, std::string_view chars) {
  const size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(chars);
  return s.substr(b, e - b + 1);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string json_pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string json_pointer_child(const std::string& pointer, std::string_view key) {
  return pointer + "/" + json_pointer_token(key);
}

size_t utf8_sequence(std::string_view s, size_t i, uint32_t* code_point) {
  if (i >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    if (code_point) *code_point = c;
    return 1;
  }
  const size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  if (code_point) *code_point = cp;
  return len;
}

bool utf8_valid(std::string_view s) {
  // The same rules as utf8_sequence (RFC 3629), checked many bytes at a time: this runs on
  // every string of every admission answer.
  return simdjson::validate_utf8(s.data(), s.size());
}

size_t utf8_cut(std::string_view s, size_t budget) {
  if (s.size() <= budget) return s.size();
  size_t cut = budget;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

std::string shown_in_message(std::string_view s) {
  std::string out;
  append_shown(out, s);
  return out;
}

void append_shown(std::string& out, std::string_view s) {
  if (s.size() <= kMessageQuoteBytes) {
    out += s;
    return;
  }
  out += s.substr(0, utf8_cut(s, kMessageQuoteBytes));
  out += "... (";
  out += std::to_string(s.size());
  out += " bytes)";
}

std::string shown_in_log(std::string_view s) {
  const size_t query = s.find('?');
  const bool cut = query != std::string_view::npos || s.size() > kLogQuoteBytes;
  s = s.substr(0, std::min(query, kLogQuoteBytes));
  std::string out;
  out.reserve(s.size() + 3);
  for (char c : s) out += (c >= 0x20 && c < 0x7f) ? c : '.';
  if (cut) out += "...";
  return out;
}

}  // namespace hostadm::text
