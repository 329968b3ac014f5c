// The host-harness subcommands. Each takes its own arguments (after the subcommand name) and
// returns the process exit code: 0 success, 1 a denial or a failed case, 2 bad usage or
// unreadable input (the message names the file and line).
#pragma once

#include <string>
#include <vector>

#include "webhook/cli/flags.hpp"

namespace hostadm::harness {

using Args = std::vector<std::string>;

int cmd_replay(const Args& args);           // replay.cpp
int cmd_test(const Args& args);             // suite.cpp
int cmd_serve_inventory(const Args& args);  // serve_inventory.cpp
int cmd_serve_kube(const Args& args);       // serve_kube.cpp
int cmd_send(const Args& args);             // send.cpp
int cmd_snapshot(const Args& args);         // snapshot.cpp
int cmd_rules(const Args& args);            // rules_command.cpp
int cmd_audit(const Args& args);            // audit_command.cpp

// Each command's flag table, for its --help and the reference page (`host-harness
// --help=markdown`).
const cli::Command& replay_command();
const cli::Command& test_command();
const cli::Command& serve_inventory_command();
const cli::Command& serve_kube_command();
const cli::Command& send_command();
const cli::Command& snapshot_command();
const cli::Command& rules_command();
const cli::Command& audit_command();

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

}  // namespace hostadm::harness
