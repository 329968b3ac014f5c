// The command-line front of every host-harness command: its flag table goes through the shared
// parser, `--help` prints the usage generated from it, bad usage prints one line naming the flag
// and the fix.
#pragma once

#include <optional>

#include "harness/commands.hpp"
#include "webhook/cli/flags.hpp"

namespace hostadm::harness {

// Prints the parser's warnings (an old flag spelling) as "PROGRAM: warning: ..." on stderr.
void print_warnings(const cli::Command& command, const cli::Parsed& parsed);

// The parsed flags, or nothing when the command is done: after --help (`exit_code` 0) or on bad
// usage (`exit_code` 2, the message on stderr as "PROGRAM: what; fix").
std::optional<cli::Parsed> read_command_line(const cli::Command& command, const Args& args,
                                             int& exit_code);

// Prints "PROGRAM: message" to stderr and returns kExitUsage.
int usage_error(const cli::Command& command, const std::string& message);

// What a PATH operand of replay and send may be.
inline constexpr const char* kPathNote =
    "PATH: a manifest file, a directory (every `*.yaml`, `*.yml` or `*.json` below it) or `-` "
    "(stdin)";

// The `-o/--output` row every command with more than one output format has.
cli::Flag output_flag(std::vector<std::string> formats);

}  // namespace hostadm::harness
