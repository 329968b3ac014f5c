// Shared by the libFuzzer targets: the one rule they enforce is that the core's documented error
// types are the ONLY way bad input may leave it. Anything else (a nlohmann type_error, a
// std::out_of_range, a yaml-cpp exception) reaches a user as an unexplained 500 or an unclear
// message, so the targets abort on it and libFuzzer keeps the input as a finding.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

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

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace hostadm::fuzz
