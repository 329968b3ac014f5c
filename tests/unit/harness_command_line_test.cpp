// Every host-harness command reads its flags the same way: the spellings of -o, --help generated
// from the command's own table, and bad usage answered with exit 2 naming the flag, run through
// the real binary.
#include <gtest/gtest.h>

#include <string>

#include "harness/commands.hpp"
#include "unit/testlib/harness_cli.hpp"

namespace hostadm::harness {
namespace {

CliRun run(const std::string& args) {
  return harness(args, true);
}

struct Named {
  const char* name;
  const cli::Command& (*command)();
};

const Named kCommands[] = {
    {"replay", replay_command},
    {"test", test_command},
    {"serve-inventory", serve_inventory_command},
    {"send", send_command},
    {"snapshot", snapshot_command},
    {"rules", rules_command},
    {"audit", audit_command},
};

TEST(HarnessCommandLine, HelpListsEveryFlagOfTheTable) {
  for (const auto& c : kCommands) {
    SCOPED_TRACE(c.name);
    const CliRun r = run(std::string(c.name) + " --help");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out.rfind("usage: host-harness " + std::string(c.name) + " ", 0), 0u) << r.out;
    for (const auto& f : c.command().flags)
      EXPECT_NE(r.out.find("--" + f.name), std::string::npos) << f.name << " in " << r.out;
    EXPECT_EQ(run(std::string(c.name) + " -h").out, r.out);
  }
}

TEST(HarnessCommandLine, MarkdownHelpHasOneRowPerFlag) {
  const CliRun all = run("--help=markdown");
  EXPECT_EQ(all.status, 0);
  for (const auto& c : kCommands) {
    SCOPED_TRACE(c.name);
    const CliRun r = run(std::string(c.name) + " --help=markdown");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(all.out.find(r.out), std::string::npos) << "host-harness --help=markdown lacks it";
    for (const auto& f : c.command().flags) {
      const bool row = r.out.find("| `--" + f.name + "` |") != std::string::npos ||
                       r.out.find("`, `--" + f.name + "` |") != std::string::npos;
      EXPECT_TRUE(row) << f.name << " in " << r.out;
    }
  }
  EXPECT_EQ(run("rules --help=html").status, 2);
}

// `send -ojson` was once refused while `replay -ojson` worked: every command with -o takes every
// spelling, and refuses an unknown format naming the accepted ones.
TEST(HarnessCommandLine, EveryCommandWithOutputTakesEverySpelling) {
  for (const char* spelling : {"-ojson", "-o json", "-o=json", "--output json", "--output=json"}) {
    SCOPED_TRACE(spelling);
    const CliRun r = run(std::string("rules ") + spelling);
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out.rfind("{", 0), 0u) << r.out;
  }
  for (const char* cmd : {"replay", "test", "send", "rules"}) {
    SCOPED_TRACE(cmd);
    const CliRun r = run(std::string(cmd) + " -oxml x");
    EXPECT_EQ(r.status, 2) << r.out;
    EXPECT_NE(r.out.find("-o: 'xml' is not one of table, json"), std::string::npos) << r.out;
  }
  // -ojson reaches send's own checks (the next complaint is the missing --webhook).
  const CliRun send = run("send -ojson x");
  EXPECT_EQ(send.status, 2);
  EXPECT_NE(send.out.find("--webhook https://HOST:PORT is required"), std::string::npos)
      << send.out;
}

TEST(HarnessCommandLine, BadUsageExits2NamingTheFlag) {
  struct Case {
    const char* args;
    const char* said;
  };
  for (const Case& c : {
           Case{"replay --inventory f --frobnicate x", "unknown flag '--frobnicate'"},
           Case{"snapshot --inventory-url https://127.0.0.1:1 --timeout 10parsecs",
                "--timeout: invalid duration '10parsecs'"},
           Case{"send --webhook https://127.0.0.1:1 --ca c --concurency 4 x",
                "did you mean --concurrency?"},
           Case{"send --webhook https://127.0.0.1:1 --ca c --concurrency 5000 x",
                "--concurrency: '5000' is not within 1..1024"},
           Case{"send --webhook https://127.0.0.1:1 --ca c --operation DELETE x",
                "--operation: 'DELETE' is not one of CREATE, UPDATE"},
           Case{"serve-inventory --inventory f extra", "unexpected argument 'extra'"},
           Case{"replay --inventory f --fail-on-warnings=maybe x", "takes no value"},
           Case{"test", "no SUITE given"},
       }) {
    const CliRun r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args << ": " << r.out;
    EXPECT_NE(r.out.find(c.said), std::string::npos) << c.args << ": " << r.out;
  }
}

}  // namespace
}  // namespace hostadm::harness
