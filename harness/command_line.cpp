#include "harness/command_line.hpp"

#include <iostream>

namespace hostadm::harness {

int usage_error(const cli::Command& command, const std::string& message) {
  std::cerr << command.program << ": " << message << "\n";
  return kExitUsage;
}

void print_warnings(const cli::Command& command, const cli::Parsed& parsed) {
  for (const auto& warning : parsed.warnings)
    std::cerr << command.program << ": warning: " << warning << "\n";
}

std::optional<cli::Parsed> read_command_line(const cli::Command& command, const Args& args,
                                             int& exit_code) {
  cli::Parsed parsed;
  try {
    parsed = cli::parse(command, args);
  } catch (const cli::UsageError& e) {
    exit_code = usage_error(command, e.what());
    return std::nullopt;
  }
  if (!parsed.help) {
    print_warnings(command, parsed);
    return parsed;
  }
  if (parsed.help_format.empty()) {
    std::cout << cli::usage(command);
  } else if (parsed.help_format == "markdown") {
    std::cout << cli::markdown(command);
  } else {
    exit_code = usage_error(
        command, "--help takes no value, or =markdown; got '" + parsed.help_format + "'");
    return std::nullopt;
  }
  exit_code = kExitOk;
  return std::nullopt;
}

cli::Flag output_flag(std::vector<std::string> formats) {
  cli::Flag f;
  f.name = "output";
  f.short_name = 'o';
  f.kind = cli::FlagKind::Enum;
  f.default_text = formats.front();
  f.choices = std::move(formats);
  f.help = "output format";
  f.example = "json";
  return f;
}

}  // namespace hostadm::harness
