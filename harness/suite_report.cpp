// The outcome of `host-harness test`: a PASS/FAIL table, JSON, or JUnit XML for CI.
#include "harness/output.hpp"
#include "harness/suite.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::harness {

using nlohmann::json;

void write_suite_table(std::ostream& out, const std::vector<SuiteOutcome>& suites, bool color) {
  size_t passed = 0, failed = 0;
  for (const auto& s : suites) {
    if (suites.size() > 1) out << s.suite->file << "\n";
    for (const auto& c : s.cases) {
      const char* word = c.passed ? "PASS" : "FAIL";
      if (color) {
        out << (c.passed ? "\033[32m" : "\033[31m") << word << "\033[0m";
      } else {
        out << word;
      }
      out << "  " << c.c->name;
      if (!c.passed) out << ": " << text::join(c.reasons, "; ");
      out << "\n";
      (c.passed ? passed : failed)++;
    }
  }
  out << passed << " passed, " << failed << " failed\n";
}

void write_suite_json(std::ostream& out, const std::vector<SuiteOutcome>& suites) {
  size_t passed = 0, failed = 0;
  json list = json::array();
  for (const auto& s : suites) {
    json cases = json::array();
    for (const auto& c : s.cases) {
      json results = json::array();
      for (const auto& r : c.results) results.push_back(result_json(r));
      cases.push_back({{"name", c.c->name},
                       {"line", c.c->line},
                       {"passed", c.passed},
                       {"reasons", c.reasons},
                       {"results", std::move(results)}});
      (c.passed ? passed : failed)++;
    }
    list.push_back({{"file", s.suite->file}, {"name", s.suite->name}, {"cases", std::move(cases)}});
  }
  json doc = {{"suites", std::move(list)}, {"summary", {{"passed", passed}, {"failed", failed}}}};
  out << dump_json(doc) << "\n";
}

void write_suite_junit(std::ostream& out, const std::vector<SuiteOutcome>& suites) {
  size_t total = 0, failed = 0;
  for (const auto& s : suites) {
    total += s.cases.size();
    for (const auto& c : s.cases) failed += c.passed ? 0 : 1;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"host-harness test\" tests=\"" << total << "\" failures=\"" << failed
      << "\">\n";
  for (const auto& s : suites) {
    size_t f = 0;
    for (const auto& c : s.cases) f += c.passed ? 0 : 1;
    out << "  <testsuite name=\"" << xml_escape(s.suite->name) << "\" tests=\"" << s.cases.size()
        << "\" failures=\"" << f << "\" errors=\"0\" skipped=\"0\">\n";
    for (const auto& c : s.cases) {
      out << "    <testcase classname=\"" << xml_escape(s.suite->file) << "\" name=\""
          << xml_escape(c.c->name) << "\">\n";
      if (!c.passed)
        out << "      <failure message=\"" << xml_escape(text::join(c.reasons, "; ")) << "\">"
            << xml_escape(text::join(c.reasons, "\n")) << "</failure>\n";
      out << "    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace hostadm::harness
