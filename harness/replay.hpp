// `host-harness replay`: Host manifests and AdmissionReviews through the
// apiserver's admission path against a fixture inventory, without a cluster.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "harness/commands.hpp"
#include "harness/results.hpp"

namespace hostadm::harness {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ReplayOptions {
  std::string inventory;  // fixture file (required)
  std::string policy;     // optional policy file
  std::string ns;         // namespace for documents without one ("" -> "default")
  Format format = Format::Table;
  std::vector<std::string> paths;
};

// Throws UsageError naming the flag and what it expects.
ReplayOptions parse_replay_args(const Args& args);

// Loads the fixture (once) and the policy, reads every document and runs each through the
// pipeline. Throws hostadm::InputError ("FILE:LINE: ...") for unreadable input.
std::vector<DocResult> replay(const ReplayOptions& options);

// 0 all admitted (skips do not count), 1 any denial.
int replay_exit_code(const std::vector<DocResult>& results);

}  // namespace hostadm::harness
