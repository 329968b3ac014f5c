// Command-line flags for host-webhook and every host-harness command, from one table per command:
// the table drives parsing, value checks, `--help` and the Markdown reference page, so the
// usage text cannot drift from what is accepted.
//
// Accepted forms: `--name value`, `--name=value`, `-o value`, `-ovalue`, `-o=value`; a boolean
// takes no value (`--name`, or `--name=true|false`); `--` ends the flags; `-` is an operand
// (stdin). `-h`/`--help` anywhere asks for the usage; `--help=markdown` for the table as Markdown.
#pragma once

#include <chrono>
#include <climits>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hostadm::cli {

enum class FlagKind {
  String,
  Int,         // a non-negative integer within [min, max]
  Size,        // bytes, or with a binary suffix: 512Ki, 7Mi, 1Gi
  Duration,    // a number with a unit: 500ms, 10s, 1m30s, 2h
  Bool,        // no value
  Repeatable,  // a string that may be given more than once; every value is kept
  Enum,        // one of `choices`
};

struct Flag {
  std::string name;     // long name without the dashes: "output"
  char short_name = 0;  // 'o' for -o; 0: none
  FlagKind kind = FlagKind::String;
  std::string value_name;    // FILE, N, URL; Enum: the choices when empty
  std::string default_text;  // shown as "(default: ...)"; empty: none
  std::string help;
  std::vector<std::string> choices;  // Enum only
  long long min = 0;                 // Int only
  long long max = LLONG_MAX;         // Int only
  std::string example;               // the value in "e.g. --name EXAMPLE"; empty: from the kind
  // Duration only: a bare number means seconds. Kept for the harness flags that always took one
  // (`send --timeout 10`); a new flag should not set it.
  bool bare_seconds = false;
  // Old spellings still accepted (without dashes): each use adds a warning to Parsed::warnings
  // naming this flag's spelling, and --help lists them as deprecated.
  std::vector<std::string> deprecated_names;
};

// A row without the optional parts (short name, choices, range, example); set those after.
Flag make_flag(std::string name, FlagKind kind, std::string value_name, std::string help,
               std::string default_text = "");

struct Command {
  std::string program;                // "host-harness replay"
  std::vector<std::string> synopsis;  // forms after `program`; empty: "[flags] OPERANDS"
  std::string operands;               // "PATH..."; empty: the command takes none
  std::string summary;                // a paragraph under the synopsis
  std::vector<std::string> notes;     // lines under the summary, e.g. what PATH may be
  std::vector<Flag> flags;
  std::string footer;  // e.g. the exit codes
};

// Bad usage: names the flag as typed and the fix. Callers exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Parsed {
  bool help = false;
  std::string help_format;                                 // "" text; "markdown"
  std::vector<std::pair<std::string, std::string>> given;  // (long name, value), in order
  std::vector<std::string> operands;
  // "--ca is deprecated: use --inventory-ca", once per deprecated spelling used; the command
  // prints them (the parser has no output of its own).
  std::vector<std::string> warnings;

  bool has(const std::string& name) const;
  // The last value given, else `fallback`; a boolean reads "true" or "false".
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> all(const std::string& name) const;
  bool flag(const std::string& name) const;  // a Bool flag given (and not =false)
  long long integer(const std::string& name, long long fallback) const;
  std::chrono::milliseconds duration(const std::string& name,
                                     std::chrono::milliseconds fallback) const;
  size_t size(const std::string& name, size_t fallback) const;
};

// Throws UsageError for an unknown flag, a missing or bad value, or an operand given to a
// command that takes none. With -h/--help anywhere, returns {help = true} and checks nothing.
Parsed parse(const Command& command, const std::vector<std::string>& args);

const Flag* find_flag(const Command& command, const std::string& name);

// Checks `value` against the flag's kind; throws UsageError "WHERE: what is wrong; e.g. ...".
// `where` is the flag as typed, or FILE:LINE: key for a config file.
void check_value(const Flag& flag, const std::string& value, const std::string& where);
// "e.g. --threads 64".
std::string fix_hint(const Flag& flag);

// The synopsis forms, each "PROGRAM FORM".
std::vector<std::string> synopsis(const Command& command);
// The usage text: synopsis, summary, the flags aligned in two columns, the footer.
std::string usage(const Command& command);
// The same as a Markdown section (heading, synopsis block, flag table), for docs/reference.
std::string markdown(const Command& command);

// Text for a Markdown table cell: '|' escaped, newlines as spaces.
std::string markdown_cell(const std::string& text);

// "10s", "9500ms", "1m30s", "2h"; a bare number is refused (10 meaning 10 ms or 10 s?).
// Throws std::invalid_argument.
std::chrono::milliseconds parse_duration_with_unit(const std::string& text);
// Plain bytes or 512Ki, 7Mi, 1Gi. Throws std::invalid_argument.
size_t parse_size(const std::string& text);
// Digits only, at most 18 of them. Throws std::invalid_argument.
long long parse_count(const std::string& text);

// A default as --help shows it, read back by the parsers above: "5s", "500ms", "10m", "2h";
// "3Mi", "512Ki", "1000".
std::string duration_text(std::chrono::milliseconds d);
std::string size_text(size_t bytes);

}  // namespace hostadm::cli
