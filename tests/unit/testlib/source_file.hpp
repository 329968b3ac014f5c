// A file of this repository (bench/review3k.json, examples/...), as bytes: "" when unreadable,
// which the caller's assertions then report.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace hostadm::testing {

// `path` from the repository's root, starting with '/'.
inline std::string source_file(const std::string& path) {
  std::ifstream in(std::string(HOSTADM_SOURCE_DIR) + path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace hostadm::testing
