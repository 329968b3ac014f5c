// `host-harness test`: the command line, then load every suite, run every case, report.
#include <iostream>
#include <sstream>

#include "harness/command_line.hpp"
#include "harness/output.hpp"
#include "harness/suite.hpp"

namespace hostadm::harness {

const cli::Command& test_command() {
  static const cli::Command kCommand = [] {
    cli::Command c;
    c.program = "host-harness test";
    c.operands = "SUITE...";
    c.synopsis = {"SUITE... [-o table|json|junit]"};
    c.summary =
        "Runs suites of cases with expectations (like `gator verify` or `kyverno test`) through "
        "the same pipeline as replay.";
    c.notes = {
        "SUITE: a YAML file with `inventory:`, optional `policy:` and `cases:` (see docs/ci.md)"};
    c.flags = {output_flag({"table", "json", "junit"})};
    c.footer = "Exit codes: 0 every case passed, 1 a case failed, 2 bad usage or a bad suite file.";
    return c;
  }();
  return kCommand;
}

int cmd_test(const Args& args) {
  int exit_code = kExitOk;
  auto flags = read_command_line(test_command(), args, exit_code);
  if (!flags) return exit_code;
  const Format format = parse_format(flags->get("output", "table"));
  const std::vector<std::string>& files = flags->operands;
  if (files.empty()) return usage_error(test_command(), "no SUITE given");

  std::vector<Suite> suites;
  try {
    for (const auto& f : files) suites.push_back(load_suite(f));
  } catch (const std::exception& e) {
    std::cerr << "host-harness test: " << e.what() << "\n";
    return kExitUsage;
  }

  std::vector<SuiteOutcome> outcomes;
  bool all_passed = true;
  int seq = 0;
  for (const auto& s : suites) {
    SuiteOutcome so;
    so.suite = &s;
    for (const auto& c : s.cases) {
      so.cases.push_back(run_case(s, c, seq));
      all_passed = all_passed && so.cases.back().passed;
    }
    outcomes.push_back(std::move(so));
  }

  std::ostringstream out;
  switch (format) {
    case Format::Json:
      write_suite_json(out, outcomes);
      break;
    case Format::Junit:
      write_suite_junit(out, outcomes);
      break;
    default:
      write_suite_table(out, outcomes, want_color());
      break;
  }
  std::cout << out.str();
  std::cout.flush();
  return all_passed ? kExitOk : kExitFailed;
}

}  // namespace hostadm::harness
