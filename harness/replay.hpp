// `host-harness replay`: Host manifests and AdmissionReviews through the
// apiserver's admission path against a fixture inventory, without a cluster.
#pragma once

#include <string>
#include <vector>

#include "harness/commands.hpp"
#include "harness/live_inventory.hpp"
#include "harness/results.hpp"
#include "webhook/cli/flags.hpp"

namespace hostadm::harness {

using cli::UsageError;

struct ReplayOptions {
  std::string inventory;      // fixture file; or, exclusively:
  LiveInventoryOptions live;  // audit mode: the live inventory at live.url
  std::string policy;         // optional policy file
  std::string ns;             // namespace for documents without one ("" -> "default")
  Format format = Format::Table;
  bool fail_on_warnings = false;
  std::vector<std::string> paths;
};

// Throws UsageError naming the flag and what it expects.
ReplayOptions parse_replay_args(const Args& args);

// Loads the fixture (once) and the policy, reads every document and runs each through the
// pipeline. Throws hostadm::InputError ("FILE:LINE: ...") for unreadable input.
std::vector<DocResult> replay(const ReplayOptions& options);

// 2 when no Host was checked (every document skipped, or none at all): CI must not pass on
// nothing. Else 1 on any denial (or any warning with `fail_on_warnings`), else 0.
int replay_exit_code(const std::vector<DocResult>& results, bool fail_on_warnings = false);

// Why a run checked nothing, for the exit-2 message: "3 documents, all skipped (kind
// ConfigMap: 2, no kind: 1)".
std::string nothing_checked_reason(const std::vector<DocResult>& results);

}  // namespace hostadm::harness
