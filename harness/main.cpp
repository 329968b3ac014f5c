#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "harness/commands.hpp"
#include "webhook/build_info.hpp"

namespace {

constexpr const char* kUsage = R"(host-harness: Forklift Host admission decisions without a cluster

usage:
  host-harness replay --inventory FIXTURE [--policy FILE] [--namespace NS] [-o table|json|yaml|junit] [--fail-on-warnings] PATH...
  host-harness replay --inventory-url URL [--token-file F] [--ca F | --insecure-skip-tls] [...] PATH...   (audit a live inventory)
  host-harness test SUITE... [-o table|json|junit]
  host-harness serve-inventory --inventory FIXTURE [--listen 127.0.0.1:0] [--tls-cert F --tls-key F] [--token T]
  host-harness send --webhook https://HOST:PORT --ca FILE [--tls-server-name NAME] [--dry-run] [--repeat N --concurrency C] [-o ...] PATH...
  host-harness snapshot --inventory-url URL [--token-file F] [--ca F | --insecure-skip-tls] [--namespace NS] [--provider NAME]
  host-harness rules [-o table|json|markdown]

  host-harness --version

exit codes: 0 success, 1 a denial or a failed case, 2 bad usage, unreadable input or nothing checked
)";

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  using namespace hostadm::harness;
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  std::string cmd = argv[1];
  Args args(argv + 2, argv + argc);
  try {
    if (cmd == "replay") return cmd_replay(args);
    if (cmd == "test") return cmd_test(args);
    if (cmd == "serve-inventory") return cmd_serve_inventory(args);
    if (cmd == "send") return cmd_send(args);
    if (cmd == "snapshot") return cmd_snapshot(args);
    if (cmd == "rules") return cmd_rules(args);
    if (cmd == "--version" || cmd == "version") {
      std::cout << hostadm::version_line("host-harness") << "\n";
      return kExitOk;
    }
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::cout << kUsage;
      return kExitOk;
    }
    std::cerr << "host-harness: unknown command '" << cmd << "'\n\n" << kUsage;
    return kExitUsage;
  } catch (const std::exception& e) {
    // Commands report their own errors; this is the last line of defence against a crash.
    std::cerr << "host-harness " << cmd << ": " << e.what() << "\n";
    return kExitUsage;
  }
}
