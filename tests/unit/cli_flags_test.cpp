// The shared flag parser: every spelling a user may type, every kind of value, and the errors
// (naming the flag as typed and the fix), on a small table like the commands' own.
#include <gtest/gtest.h>

#include <sstream>

#include "webhook/cli/flags.hpp"

namespace hostadm::cli {
namespace {

using namespace std::chrono_literals;

Command sample() {
  Command c;
  c.program = "tool run";
  c.operands = "PATH...";
  Flag output = make_flag("output", FlagKind::Enum, "", "output format", "table");
  output.short_name = 'o';
  output.choices = {"table", "json"};
  Flag count = make_flag("count", FlagKind::Int, "N", "how many", "1");
  count.min = 1;
  count.max = 100;
  Flag ns = make_flag("namespace", FlagKind::String, "NS", "namespace");
  ns.short_name = 'n';
  c.flags = {output,
             count,
             ns,
             make_flag("timeout", FlagKind::Duration, "", "deadline", "10s"),
             make_flag("max-bytes", FlagKind::Size, "", "limit"),
             make_flag("dry-run", FlagKind::Bool, "", "do nothing"),
             make_flag("label", FlagKind::Repeatable, "K=V", "a label")};
  c.footer = "Exit codes: 0 fine.";
  return c;
}

Parsed parse_ok(std::vector<std::string> args) {
  return parse(sample(), args);
}

std::string error_of(std::vector<std::string> args) {
  try {
    parse(sample(), args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(accepted)";
}

struct Spelling {
  std::vector<std::string> args;
  std::string flag, value;
};

TEST(CliFlags, EverySpellingOfAValue) {
  const std::vector<Spelling> cases = {
      {{"-o", "json"}, "output", "json"},
      {{"-ojson"}, "output", "json"},
      {{"-o=json"}, "output", "json"},
      {{"--output", "json"}, "output", "json"},
      {{"--output=json"}, "output", "json"},
      {{"-n", "prod"}, "namespace", "prod"},
      {{"-nprod"}, "namespace", "prod"},
      {{"--namespace=a=b"}, "namespace", "a=b"},  // only the first '=' splits
      {{"--namespace", "-"}, "namespace", "-"},   // a value may look like an operand
      {{"--count", "7"}, "count", "7"},
      {{"--timeout=1m30s"}, "timeout", "1m30s"},
      {{"--max-bytes", "7Mi"}, "max-bytes", "7Mi"},
      {{"--dry-run"}, "dry-run", "true"},
      {{"--dry-run=false"}, "dry-run", "false"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.front());
    const Parsed p = parse_ok(c.args);
    EXPECT_TRUE(p.has(c.flag));
    EXPECT_EQ(p.get(c.flag), c.value);
    EXPECT_TRUE(p.operands.empty());
  }
}

TEST(CliFlags, TypedValuesAndDefaults) {
  const Parsed p = parse_ok({"--count", "7", "--timeout", "1m30s", "--max-bytes=2Ki", "--dry-run"});
  EXPECT_EQ(p.integer("count", 1), 7);
  EXPECT_EQ(p.duration("timeout", 1s), 90s);
  EXPECT_EQ(p.size("max-bytes", 0), 2048u);
  EXPECT_TRUE(p.flag("dry-run"));
  const Parsed none = parse_ok({});
  EXPECT_FALSE(none.has("count"));
  EXPECT_EQ(none.integer("count", 1), 1);
  EXPECT_EQ(none.duration("timeout", 10s), 10s);
  EXPECT_EQ(none.get("output", "table"), "table");
  EXPECT_FALSE(none.flag("dry-run"));
  EXPECT_FALSE(parse_ok({"--dry-run=false"}).flag("dry-run"));
}

TEST(CliFlags, LastValueWinsAndRepeatableKeepsAll) {
  const Parsed p = parse_ok({"-o", "json", "--output=table", "--label", "a=1", "--label=b=2"});
  EXPECT_EQ(p.get("output"), "table");
  EXPECT_EQ(p.all("label"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(p.given.size(), 4u);  // in the order typed
  EXPECT_EQ(p.given.front().first, "output");
}

TEST(CliFlags, OperandsStdinAndDoubleDash) {
  const Parsed p = parse_ok({"a.yaml", "-o", "json", "-", "b", "--", "--not-a-flag", "-o"});
  EXPECT_EQ(p.operands, (std::vector<std::string>{"a.yaml", "-", "b", "--not-a-flag", "-o"}));
  EXPECT_EQ(p.get("output"), "json");
}

TEST(CliFlags, HelpAnywhereWinsOverEverythingElse) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"--frobnicate", "--help"}, {"-o", "xml", "-h", "x"}}) {
    const Parsed p = parse_ok(args);
    EXPECT_TRUE(p.help) << args.front();
    EXPECT_TRUE(p.help_format.empty());
  }
  const Parsed md = parse_ok({"--help=markdown"});
  EXPECT_TRUE(md.help);
  EXPECT_EQ(md.help_format, "markdown");
  // After --, "--help" is an operand.
  const Parsed op = parse_ok({"--", "--help"});
  EXPECT_FALSE(op.help);
  EXPECT_EQ(op.operands, std::vector<std::string>{"--help"});
}

struct Bad {
  std::vector<std::string> args;
  std::vector<std::string> must_say;  // every fragment must appear in the message
};

TEST(CliFlags, ErrorsNameTheFlagAsTypedAndTheFix) {
  const std::vector<Bad> cases = {
      {{"--frobnicate"}, {"unknown flag '--frobnicate'", "tool run --help"}},
      {{"--outptu", "json"}, {"'--outptu'", "did you mean --output?"}},
      {{"--count=3", "--cont", "4"}, {"did you mean --count?"}},
      {{"-x"}, {"unknown flag '-x'"}},
      {{"--output"}, {"--output needs a value", "e.g. --output table"}},
      {{"-o"}, {"-o needs a value"}},
      {{"-o", "xml"}, {"-o: 'xml' is not one of table, json", "e.g. --output table"}},
      {{"--output=xml"}, {"--output: 'xml'"}},
      {{"--count", "many"}, {"--count: 'many' is not a non-negative integer", "e.g. --count 1"}},
      {{"--count", "0"}, {"--count: '0' is not within 1..100"}},
      {{"--count", "101"}, {"within 1..100"}},
      {{"--count", "-1"}, {"--count: '-1'"}},
      {{"--timeout", "10"}, {"--timeout: '10' has no unit", "e.g. --timeout 10s"}},
      {{"--timeout", "5 parsecs"}, {"--timeout: invalid duration '5 parsecs'"}},
      {{"--max-bytes", "lots"}, {"--max-bytes:", "Ki/Mi/Gi"}},
      {{"--dry-run=yes"}, {"--dry-run takes no value", "'yes'"}},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(c.args);
    for (const auto& frag : c.must_say)
      EXPECT_NE(msg.find(frag), std::string::npos) << "args " << c.args.front() << ": " << msg;
  }
}

// A bare number of seconds still works for the durations that always took one
// (`host-harness send --timeout 10`), so no script breaks; other durations want a unit.
TEST(CliFlags, BareSecondsWhereTheyAlwaysWorked) {
  Command c = sample();
  for (auto& f : c.flags)
    if (f.name == "timeout") f.bare_seconds = true;
  EXPECT_EQ(parse(c, {"--timeout", "10"}).duration("timeout", 1s), 10s);
  EXPECT_EQ(parse(c, {"--timeout=1500ms"}).duration("timeout", 1s), 1500ms);
  EXPECT_EQ(error_of({"--timeout", "10"}).find("has no unit") != std::string::npos, true)
      << "a flag without bare_seconds still wants a unit";
}

TEST(CliFlags, ACommandWithoutOperandsRefusesThem) {
  Command c = sample();
  c.operands.clear();
  try {
    parse(c, {"-o", "json", "stray"});
    FAIL() << "an operand was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected argument 'stray'"), std::string::npos)
        << e.what();
  }
}

TEST(CliFlags, CheckValueServesConfigFilesToo) {
  const Command c = sample();
  EXPECT_NO_THROW(check_value(*find_flag(c, "count"), "5", "f.yaml:3: count"));
  try {
    check_value(*find_flag(c, "count"), "500", "f.yaml:3: count");
    FAIL() << "out of range accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "f.yaml:3: count: '500' is not within 1..100; e.g. --count 1");
  }
}

// A renamed flag keeps its old spelling: the value lands under the new name, the command is told
// once per old spelling used, and the help names the old one as deprecated.
TEST(CliFlags, DeprecatedSpellingsLandUnderTheNewNameWithAWarning) {
  Command c = sample();
  Flag ca = make_flag("inventory-ca", FlagKind::String, "FILE", "CA bundle");
  ca.deprecated_names = {"ca"};
  c.flags.push_back(ca);
  const Parsed p = parse(c, {"--ca", "a.crt", "--ca=b.crt", "x"});
  EXPECT_EQ(p.get("inventory-ca"), "b.crt");
  EXPECT_FALSE(p.has("ca"));
  EXPECT_EQ(p.warnings, std::vector<std::string>{"--ca is deprecated: use --inventory-ca"});
  EXPECT_TRUE(parse(c, {"--inventory-ca", "a.crt", "x"}).warnings.empty());
  EXPECT_NE(usage(c).find("--ca: deprecated spelling"), std::string::npos) << usage(c);
  EXPECT_NE(markdown(c).find("`--ca`: deprecated spelling"), std::string::npos);
}

TEST(CliFlags, UsageIsGeneratedFromTheTable) {
  const std::string u = usage(sample());
  EXPECT_EQ(u.rfind("usage: tool run [flags] PATH...\n", 0), 0u) << u;
  // One line per flag, short form first, value names and defaults from the table, aligned.
  EXPECT_NE(u.find("  -o, --output table|json"), std::string::npos) << u;
  EXPECT_NE(u.find("      --count N"), std::string::npos) << u;
  EXPECT_NE(u.find("(default: 10s)"), std::string::npos) << u;
  EXPECT_NE(u.find("a label; may be repeated"), std::string::npos) << u;
  EXPECT_NE(u.find("  -h, --help"), std::string::npos) << u;
  EXPECT_NE(u.find("Exit codes: 0 fine."), std::string::npos) << u;
  size_t help_col = std::string::npos;
  std::istringstream lines(u.substr(u.find("flags:\n") + 7));
  for (std::string line; std::getline(lines, line) && !line.empty();) {
    const size_t col = line.find("  ", line.find("--")) + 2;
    const size_t text = line.find_first_not_of(' ', col);
    if (help_col == std::string::npos) help_col = text;
    EXPECT_EQ(text, help_col) << line;
  }
  for (const auto& line : synopsis(sample())) EXPECT_EQ(line, "tool run [flags] PATH...");
}

TEST(CliFlags, MarkdownHasOneRowPerFlag) {
  const std::string md = markdown(sample());
  EXPECT_NE(md.find("## `tool run`"), std::string::npos) << md;
  EXPECT_NE(md.find("| Flag | Value | Default | Description |"), std::string::npos);
  EXPECT_NE(md.find("| `-o`, `--output` | `table\\|json` | `table` | output format |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `--dry-run` |  |  | do nothing |"), std::string::npos) << md;
  size_t rows = 0;
  for (size_t at = md.find("\n| `"); at != std::string::npos; at = md.find("\n| `", at + 1)) ++rows;
  EXPECT_EQ(rows, sample().flags.size() + 1);  // + --help
}

TEST(CliFlags, StandaloneValueParsers) {
  EXPECT_EQ(parse_duration_with_unit(" 9500ms "), 9500ms);
  EXPECT_EQ(parse_size("3Mi"), 3u << 20);
  EXPECT_EQ(parse_size("1024"), 1024u);
  EXPECT_EQ(parse_count("42"), 42);
  for (const char* bad : {"", "4.5", "1e3", "-1", "9999999999999999999"})
    EXPECT_THROW(parse_count(bad), std::invalid_argument) << bad;
}

// A default shown in --help is read back as the same value.
TEST(CliFlags, DefaultsAreShownAsTheParsersReadThem) {
  EXPECT_EQ(duration_text(5s), "5s");
  EXPECT_EQ(duration_text(500ms), "500ms");
  EXPECT_EQ(duration_text(10min), "10m");
  EXPECT_EQ(duration_text(0ms), "0s");
  for (auto d : {0ms, 1ms, 9500ms, 10000ms, 90000ms, 7200000ms, 5400000ms})
    EXPECT_EQ(parse_duration_with_unit(duration_text(d)), d) << duration_text(d);
  EXPECT_EQ(size_text(3u << 20), "3Mi");
  EXPECT_EQ(size_text(1000), "1000");
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{1024}, size_t{1536}, size_t{3u << 20}, size_t{1} << 30})
    EXPECT_EQ(parse_size(size_text(n)), n) << size_text(n);
}

}  // namespace
}  // namespace hostadm::cli
