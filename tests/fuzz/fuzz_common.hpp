// Shared by the libFuzzer targets: the one rule they enforce is that the core's documented error
// types are the ONLY way bad input may leave it. Anything else (a nlohmann type_error, a
// std::out_of_range, a yaml-cpp exception) reaches a user as an unexplained 500 or an unclear
// message, so the targets abort on it and libFuzzer keeps the input as a finding.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "webhook/core/yaml.hpp"

namespace hostadm::fuzz {

[[noreturn]] inline void fail(const char* where, const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING in %s: %s\n", where, what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs `body`; any exception escaping it is a finding.
template <class F>
void no_throw(const char* where, F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    fail(where, std::string("unexpected exception: ") + e.what());
  } catch (...) {
    fail(where, "unexpected non-std exception");
  }
}

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
inline bool valid_utf8(std::string_view s) {
  static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;  // continuation bytes
    if (c < 0x80)
      n = 0;
    else if ((c >> 5) == 0x6)
      n = 1;
    else if ((c >> 4) == 0xE)
      n = 2;
    else if ((c >> 3) == 0x1E)
      n = 3;
    else
      return false;
    if (i + n >= s.size() && n > 0) return false;
    uint32_t cp = n == 0 ? c : c & (0x3F >> n);
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// HOSTADM_FUZZ_ASSUME_UTF8=1 skips inputs that are not UTF-8, so a run can look past the known
// "invalid UTF-8 is accepted" finding for others. Never set in make test or make fuzz.
inline bool skip_non_utf8(std::string_view s) {
  static const bool assume = [] {
    const char* v = std::getenv("HOSTADM_FUZZ_ASSUME_UTF8");
    return v && *v == '1';
  }();
  return assume && !valid_utf8(s);
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The YAML documents of an input, or none when the reader refuses it with its documented error
// (that is an answer, not a finding); any other exception is a finding.
inline std::vector<YamlDoc> yaml_docs_or_none(const uint8_t* data, size_t size) {
  if (skip_non_utf8(as_text(data, size))) return {};
  try {
    return parse_yaml_stream(as_text(data, size));
  } catch (const YamlError&) {
    return {};
  } catch (const std::exception& e) {
    fail("parse_yaml_stream", std::string("undocumented exception: ") + e.what());
  }
  return {};
}

}  // namespace hostadm::fuzz
