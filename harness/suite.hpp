// `host-harness test`: suites of cases with expectations, like `gator verify` or `kyverno test`,
// run through the same pipeline as `replay`. A suite is loaded whole (suite_loader.cpp), its cases
// run and checked (suite_check.cpp), the outcomes reported (suite_report.cpp).
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/pipeline.hpp"
#include "harness/results.hpp"

namespace hostadm::harness {

struct Expect {
  std::optional<bool> allowed;
  std::optional<int> code;
  std::vector<std::string> rules, absent_rules;
  std::optional<std::pair<std::string, std::regex>> message;
  std::vector<std::pair<std::string, std::regex>> warnings;
  nlohmann::json object;  // null: no expectation
  std::optional<bool> patched;
};

struct Case {
  std::string name;
  int line = 0;
  std::vector<InputDoc> docs;
  nlohmann::json old_object;  // null: CREATE
  std::string ns;
  Expect expect;
};

struct Suite {
  std::string file;
  std::string name;
  std::unique_ptr<Pipeline> pipeline;
  ClusterFacts cluster;  // the fixture's; with each case's manifests, the case's offline cluster
  std::vector<Case> cases;
};

struct CaseOutcome {
  const Case* c = nullptr;
  bool passed = true;
  std::vector<std::string> reasons;
  std::vector<DocResult> results;
};

struct SuiteOutcome {
  const Suite* suite = nullptr;
  std::vector<CaseOutcome> cases;
};

// Reads and checks a suite file; throws std::runtime_error "FILE:LINE: what; fix" for a typo, a
// bad value or an unreadable inventory, policy or manifest it names.
Suite load_suite(const std::string& file);

// Runs the case's documents through the suite's pipeline; `seq` numbers the requests' uids.
CaseOutcome run_case(const Suite& suite, const Case& c, int& seq);

void write_suite_table(std::ostream& out, const std::vector<SuiteOutcome>& suites, bool color);
void write_suite_json(std::ostream& out, const std::vector<SuiteOutcome>& suites);
void write_suite_junit(std::ostream& out, const std::vector<SuiteOutcome>& suites);

// Whether `items` holds `s`.
bool contains(const std::vector<std::string>& items, const std::string& s);

}  // namespace hostadm::harness
