// One replayed (or sent) document's outcome, and the output formats shared by `replay`, `send`
// and `test`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hostadm::harness {

struct DocResult {
  std::string source;  // "FILE#INDEX" (INDEX: 0-based document index in the file)
  bool skipped = false;
  std::string skip_reason;  // e.g. "kind ConfigMap"
  std::string ns, name, operation;
  bool allowed = false;
  int code = 200;
  std::vector<std::string> rules;
  std::string message;
  std::vector<std::string> warnings;
  nlohmann::json patch = nlohmann::json::array();
  nlohmann::json object;  // the patched Host
  std::string answer;     // /mutate's answer, byte for byte what host-webhook sends (not printed)
  double seconds = 0;     // time taken (send only)
};

enum class Format { Table, Json, Yaml, Junit };

// Throws std::invalid_argument naming the accepted values.
Format parse_format(const std::string& name);

// Writes results in the format. `color`: ANSI colours in the table (only on a terminal).
void write_results(std::ostream& out, const std::vector<DocResult>& results, Format format,
                   bool color, const std::string& suite_name = "host-harness");

nlohmann::json results_json(const std::vector<DocResult>& results);

}  // namespace hostadm::harness
