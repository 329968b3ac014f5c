#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "harness/commands.hpp"
#include "webhook/build_info.hpp"

namespace {

using namespace hostadm::harness;

struct Entry {
  const char* name;
  int (*run)(const Args&);
  const hostadm::cli::Command& (*command)();
};

const Entry kCommands[] = {
    {"replay", cmd_replay, replay_command},
    {"test", cmd_test, test_command},
    {"serve-inventory", cmd_serve_inventory, serve_inventory_command},
    {"serve-kube", cmd_serve_kube, serve_kube_command},
    {"send", cmd_send, send_command},
    {"snapshot", cmd_snapshot, snapshot_command},
    {"rules", cmd_rules, rules_command},
    {"audit", cmd_audit, audit_command},
};

// The synopses come from each command's flag table, so this list cannot drift from them.
std::string usage() {
  std::string out = "host-harness: Forklift Host admission decisions without a cluster\n\nusage:\n";
  for (const auto& e : kCommands)
    for (const auto& line : hostadm::cli::synopsis(e.command())) out += "  " + line + "\n";
  out +=
      "\n  host-harness COMMAND --help    the command's flags\n"
      "  host-harness --version\n\n"
      "exit codes: 0 success, 1 a denial or a failed case, 2 bad usage, unreadable input or "
      "nothing checked\n";
  return out;
}

// Every command's flag table as Markdown, the source of the flags reference page.
std::string markdown() {
  std::string out = "# host-harness\n\n";
  for (const auto& e : kCommands) out += hostadm::cli::markdown(e.command()) + "\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    std::cerr << usage();
    return kExitUsage;
  }
  std::string cmd = argv[1];
  Args args(argv + 2, argv + argc);
  try {
    for (const auto& e : kCommands)
      if (cmd == e.name) return e.run(args);
    if (cmd == "--version" || cmd == "version") {
      std::cout << hostadm::version_line("host-harness") << "\n";
      return kExitOk;
    }
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::cout << usage();
      return kExitOk;
    }
    if (cmd == "--help=markdown") {
      std::cout << markdown();
      return kExitOk;
    }
    std::cerr << "host-harness: unknown command '" << cmd << "'\n\n" << usage();
    return kExitUsage;
  } catch (const std::exception& e) {
    // Commands report their own errors; this is the last line of defence against a crash.
    std::cerr << "host-harness " << cmd << ": " << e.what() << "\n";
    return kExitUsage;
  }
}
