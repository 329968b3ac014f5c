#include "webhook/core/yaml_scalar.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

namespace hostadm::yaml_scalar {

using nlohmann::json;

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s, size_t from, int base) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i) {
    char c = s[i];
    bool ok = base == 16  ? std::isxdigit(static_cast<unsigned char>(c)) != 0
              : base == 8 ? (c >= '0' && c <= '7')
                          : is_digit(c);
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool is_null_word(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool bool_word(std::string_view s, bool* out) {
  if (s == "true" || s == "True" || s == "TRUE") return *out = true, true;
  if (s == "false" || s == "False" || s == "FALSE") return *out = false, true;
  return false;
}

bool looks_float(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < n && is_digit(s[i])) ++i, ++int_digits;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < n && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == n;
}

bool parse_int(std::string_view s, json* out) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  int base = 10;
  if (s.size() > i + 1 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o')) {
    base = s[i + 1] == 'x' ? 16 : 8;
    i += 2;
  }
  if (!all_digits(s, i, base)) return false;
  const std::string digits(s.substr(i));
  errno = 0;
  unsigned long long magnitude = std::strtoull(digits.c_str(), nullptr, base);
  if (errno == ERANGE) {
    double d = std::strtod(std::string(s).c_str(), nullptr);
    if (base != 10 || !std::isfinite(d)) return false;
    *out = d;
    return true;
  }
  if (!negative) {
    if (magnitude <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()))
      *out = static_cast<int64_t>(magnitude);
    else
      *out = static_cast<uint64_t>(magnitude);
    return true;
  }
  if (magnitude <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
    *out = -static_cast<int64_t>(magnitude);
  } else if (magnitude ==
             static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1) {
    *out = std::numeric_limits<int64_t>::min();
  } else {
    *out = -static_cast<double>(magnitude);
  }
  return true;
}

bool parse_float(std::string_view s, json* out) {
  if (!looks_float(s)) return false;
  errno = 0;
  double d = std::strtod(std::string(s).c_str(), nullptr);
  // JSON has no inf: an overflowing literal stays the text the user wrote.
  if (!std::isfinite(d)) return false;
  *out = d;
  return true;
}

json resolve_plain(std::string_view s) {
  if (is_null_word(s)) return nullptr;
  bool b;
  if (bool_word(s, &b)) return b;
  json number;
  if (parse_int(s, &number) || parse_float(s, &number)) return number;
  return std::string(s);  // .inf, .nan and everything else
}

}  // namespace hostadm::yaml_scalar
