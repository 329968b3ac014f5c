// `host-harness test`: suites of cases with expectations, like `gator verify`
// or `kyverno test`, run through the same pipeline as `replay`.
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "harness/commands.hpp"
#include "harness/output.hpp"
#include "harness/pipeline.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/inventory/files.hpp"

namespace hostadm::harness {

using nlohmann::json;

namespace {

constexpr const char* kTestUsage =
    "usage: host-harness test SUITE... [-o table|json|junit]\n"
    "  SUITE: a YAML file with `inventory:`, optional `policy:` and `cases:` (see docs/ci.md)\n";

const std::vector<std::string> kSuiteKeys = {"name", "inventory", "policy", "namespace", "cases"};
const std::vector<std::string> kCaseKeys = {"name",        "manifest",  "object",    "review",
                                            "oldManifest", "oldObject", "namespace", "expect"};
const std::vector<std::string> kExpectKeys = {"allowed", "code",     "rules",  "absentRules",
                                              "message", "warnings", "object", "patched"};

// Rule-like ids the pipeline adds on top of the webhook's own (see pipeline.cpp).
const std::vector<std::string> kPipelineRules = {"schema", "patch", "internal"};

struct SuiteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Expect {
  std::optional<bool> allowed;
  std::optional<int> code;
  std::vector<std::string> rules, absent_rules;
  std::optional<std::pair<std::string, std::regex>> message;
  std::vector<std::pair<std::string, std::regex>> warnings;
  json object;  // null: no expectation
  std::optional<bool> patched;
};

struct Case {
  std::string name;
  int line = 0;
  std::vector<InputDoc> docs;
  json old_object;  // null: CREATE
  std::string ns;
  Expect expect;
};

struct Suite {
  std::string file;
  std::string name;
  std::unique_ptr<Pipeline> pipeline;
  std::vector<Case> cases;
};

struct CaseOutcome {
  const Case* c = nullptr;
  bool passed = true;
  std::vector<std::string> reasons;
  std::vector<DocResult> results;
};

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

bool contains(const std::vector<std::string>& items, const std::string& s) {
  for (const auto& i : items)
    if (i == s) return true;
  return false;
}

std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string dir_of(const std::string& file) {
  auto slash = file.rfind('/');
  return slash == std::string::npos ? "" : file.substr(0, slash + 1);
}

// Reads one suite file into memory, checking every key, so that a typo stops the run (exit 2)
// instead of silently dropping an expectation.
class SuiteLoader {
 public:
  explicit SuiteLoader(std::string file) : file_(std::move(file)) {}

  Suite load() {
    auto docs = hostadm::load_yaml_file(file_);
    if (docs.empty()) throw SuiteError(file_ + ": empty suite; expected `inventory:` and `cases:`");
    if (docs.size() > 1)
      throw SuiteError(at("", docs[1].line) + "a suite is one YAML document, found " +
                       std::to_string(docs.size()));
    lines_ = docs[0].lines;
    const json& root = docs[0].value;
    if (!root.is_object())
      throw error("", "a suite must be a mapping with `inventory:` and `cases:`");
    check_keys(root, "", "suite", kSuiteKeys);

    Suite suite;
    suite.file = file_;
    suite.name = string_or(root, "name", "", file_);
    std::string inventory = string_or(root, "inventory", "", "");
    if (inventory.empty())
      throw error("", "`inventory:` is required (a fixture file, relative to the suite)");
    auto fixture = std::make_shared<const Fixture>(hostadm::load_fixture_file(resolve(inventory)));
    std::string policy_file = string_or(root, "policy", "", "");
    Policy policy =
        policy_file.empty() ? Policy{} : hostadm::load_policy_file(resolve(policy_file));
    suite.pipeline = std::make_unique<Pipeline>(fixture, std::move(policy));
    std::string suite_ns = string_or(root, "namespace", "", "");

    auto cases = root.find("cases");
    if (cases == root.end() || !cases->is_array() || cases->empty())
      throw error("/cases",
                  "`cases:` must be a non-empty list of {name, manifest|object|review, "
                  "expect}");
    for (size_t i = 0; i < cases->size(); ++i)
      suite.cases.push_back(load_case((*cases)[i], "/cases/" + std::to_string(i), suite_ns));
    return suite;
  }

 private:
  std::string file_;
  std::shared_ptr<const LineMap> lines_;

  int line_of(const std::string& pointer) const { return lines_ ? lines_->line_of(pointer) : 0; }

  std::string at(const std::string& pointer, int line = -1) const {
    if (line < 0) line = line_of(pointer);
    return line > 0 ? file_ + ":" + std::to_string(line) + ": " : file_ + ": ";
  }

  SuiteError error(const std::string& pointer, const std::string& what) const {
    return SuiteError(at(pointer) + what);
  }

  std::string resolve(const std::string& path) const {
    if (path.empty() || path[0] == '/' || path == "-") return path;
    return dir_of(file_) + path;
  }

  void check_keys(const json& obj, const std::string& pointer, const std::string& what,
                  const std::vector<std::string>& accepted) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (!contains(accepted, it.key()))
        throw error(
            pointer + "/" + escape_pointer_token(it.key()),
            "unknown key '" + it.key() + "' in " + what + "; accepted: " + join(accepted, ", "));
    }
  }

  std::string string_or(const json& obj, const char* key, const std::string& pointer,
                        const std::string& fallback) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_string())
      throw error(pointer + "/" + key, std::string("`") + key + "` must be a string");
    return it->get<std::string>();
  }

  std::vector<std::string> string_list(const json& obj, const char* key,
                                       const std::string& pointer) const {
    std::vector<std::string> out;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return out;
    if (it->is_string()) return {it->get<std::string>()};
    if (!it->is_array())
      throw error(pointer + "/" + key, std::string("`") + key + "` must be a list of strings");
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string())
        throw error(pointer + "/" + key + "/" + std::to_string(i),
                    std::string("`") + key + "` must be a list of strings");
      out.push_back((*it)[i].get<std::string>());
    }
    return out;
  }

  std::regex compile(const std::string& pattern, const std::string& pointer) const {
    try {
      return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw error(pointer, "invalid regular expression '" + pattern + "': " + e.what());
    }
  }

  void check_rule_ids(const std::vector<std::string>& ids, const std::string& pointer) const {
    for (const auto& id : ids) {
      if (hostadm::is_known_rule(id) || contains(kPipelineRules, id)) continue;
      std::vector<std::string> known;
      for (const auto& r : hostadm::all_rules()) known.emplace_back(r.id);
      for (const auto& r : kPipelineRules) known.push_back(r);
      throw error(pointer, "unknown rule id '" + id + "'; known: " + join(known, ", "));
    }
  }

  Expect load_expect(const json& e, const std::string& pointer) const {
    if (!e.is_object() || e.empty())
      throw error(pointer,
                  "`expect:` must be a mapping with at least one of: " + join(kExpectKeys, ", "));
    check_keys(e, pointer, "expect", kExpectKeys);
    Expect x;
    if (auto it = e.find("allowed"); it != e.end()) {
      if (!it->is_boolean()) throw error(pointer + "/allowed", "`allowed` must be true or false");
      x.allowed = it->get<bool>();
    }
    if (auto it = e.find("code"); it != e.end()) {
      if (!it->is_number_integer()) throw error(pointer + "/code", "`code` must be an integer");
      x.code = it->get<int>();
    }
    if (auto it = e.find("patched"); it != e.end()) {
      if (!it->is_boolean()) throw error(pointer + "/patched", "`patched` must be true or false");
      x.patched = it->get<bool>();
    }
    x.rules = string_list(e, "rules", pointer);
    check_rule_ids(x.rules, pointer + "/rules");
    x.absent_rules = string_list(e, "absentRules", pointer);
    check_rule_ids(x.absent_rules, pointer + "/absentRules");
    if (auto it = e.find("message"); it != e.end()) {
      if (!it->is_string()) throw error(pointer + "/message", "`message` must be a regex string");
      x.message.emplace(it->get<std::string>(),
                        compile(it->get<std::string>(), pointer + "/message"));
    }
    auto warnings = string_list(e, "warnings", pointer);
    for (size_t i = 0; i < warnings.size(); ++i)
      x.warnings.emplace_back(warnings[i],
                              compile(warnings[i], pointer + "/warnings/" + std::to_string(i)));
    if (auto it = e.find("object"); it != e.end()) {
      if (!it->is_object())
        throw error(pointer + "/object", "`object` must be a mapping (a subset of the Host)");
      x.object = *it;
    }
    return x;
  }

  std::vector<InputDoc> docs_from(const json& value, const std::string& pointer,
                                  const char* key) const {
    if (value.is_string()) {
      const std::string path = value.get<std::string>();
      if (path.empty()) throw error(pointer, std::string("`") + key + "` is an empty path");
      auto docs = read_documents({resolve(path)});
      if (docs.empty()) throw error(pointer, "no documents in " + resolve(path));
      return docs;
    }
    if (value.is_object()) {
      InputDoc d;
      d.file = file_ + ":" + std::to_string(line_of(pointer));
      d.index = 0;
      d.line = line_of(pointer);
      d.value = value;
      return {d};
    }
    throw error(pointer, std::string("`") + key + "` must be a file path or an inline mapping");
  }

  Case load_case(const json& c, const std::string& pointer, const std::string& suite_ns) const {
    if (!c.is_object())
      throw error(pointer, "a case must be a mapping with name, manifest, expect");
    check_keys(c, pointer, "case", kCaseKeys);
    Case out;
    out.line = line_of(pointer);
    out.name = string_or(c, "name", pointer, "");
    if (out.name.empty()) throw error(pointer, "every case needs a `name:`");
    out.ns = string_or(c, "namespace", pointer, suite_ns);

    int inputs = 0;
    for (const char* key : {"manifest", "object", "review"}) {
      auto it = c.find(key);
      if (it == c.end()) continue;
      ++inputs;
      if (std::string(key) == "object" && !it->is_object())
        throw error(pointer + "/object", "`object` must be an inline Host mapping");
      out.docs = docs_from(*it, pointer + "/" + key, key);
    }
    if (inputs != 1)
      throw error(pointer, "case '" + out.name +
                               "' needs exactly one of `manifest` (file), `object` (inline Host) "
                               "or `review` (AdmissionReview file or mapping)");

    int olds = 0;
    for (const char* key : {"oldManifest", "oldObject"}) {
      auto it = c.find(key);
      if (it == c.end()) continue;
      ++olds;
      auto old_docs = docs_from(*it, pointer + "/" + key, key);
      if (old_docs.size() != 1)
        throw error(pointer + "/" + key, std::string("`") + key + "` must hold exactly one Host");
      out.old_object = old_docs[0].value;
    }
    if (olds > 1) throw error(pointer, "give either `oldManifest` or `oldObject`, not both");
    if (olds == 1 && (out.docs.size() != 1 || classify(out.docs[0].value) != DocKind::Host))
      throw error(pointer,
                  "an UPDATE case (oldManifest/oldObject) needs exactly one Host in "
                  "`manifest`/`object`");

    auto e = c.find("expect");
    if (e == c.end())
      throw error(pointer,
                  "case '" + out.name + "' has no `expect:` (e.g. `expect: {allowed: true}`)");
    out.expect = load_expect(*e, pointer + "/expect");
    return out;
  }
};

std::string short_json(const json& v) {
  std::string s = dump_json(v, -1);
  return s.size() > 200 ? s.substr(0, 197) + "..." : s;
}

// Every key of `want` present in `got` with an equal value; arrays compare elementwise.
bool subset(const json& want, const json& got, const std::string& pointer, std::string& why) {
  if (want.is_object()) {
    if (!got.is_object()) {
      why = (pointer.empty() ? "/" : pointer) + ": expected a mapping, got " + short_json(got);
      return false;
    }
    for (auto it = want.begin(); it != want.end(); ++it) {
      std::string p = pointer + "/" + escape_pointer_token(it.key());
      auto g = got.find(it.key());
      if (g == got.end()) {
        why = p + ": missing (expected " + short_json(it.value()) + ")";
        return false;
      }
      if (!subset(it.value(), *g, p, why)) return false;
    }
    return true;
  }
  if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size()) {
      why = pointer + ": expected a list of " + std::to_string(want.size()) + ", got " +
            short_json(got);
      return false;
    }
    for (size_t i = 0; i < want.size(); ++i)
      if (!subset(want[i], got[i], pointer + "/" + std::to_string(i), why)) return false;
    return true;
  }
  if (want != got) {
    why = pointer + ": expected " + short_json(want) + ", got " + short_json(got);
    return false;
  }
  return true;
}

std::string first_line_of(const DocResult& r) {
  if (!r.message.empty()) return r.message;
  if (!r.warnings.empty()) return r.warnings.front();
  return "no rules";
}

std::vector<std::string> check(const Expect& x, const DocResult& r) {
  std::vector<std::string> fails;
  if (x.allowed && *x.allowed != r.allowed) {
    fails.push_back(std::string("expected allowed=") + (*x.allowed ? "true" : "false") + ", got " +
                    (r.allowed ? "true" : "false") + ": " + first_line_of(r));
  }
  if (x.code && *x.code != r.code)
    fails.push_back("expected code " + std::to_string(*x.code) + ", got " + std::to_string(r.code) +
                    ": " + first_line_of(r));
  for (const auto& rule : x.rules) {
    if (!contains(r.rules, rule))
      fails.push_back("expected rule " + rule + ", got [" + join(r.rules, ", ") + "]");
  }
  for (const auto& rule : x.absent_rules) {
    if (contains(r.rules, rule))
      fails.push_back("rule " + rule + " must not appear, got [" + join(r.rules, ", ") +
                      "]: " + first_line_of(r));
  }
  if (x.message) {
    // An admitted request has no message; its warnings are what the user reads instead.
    std::string text = !r.message.empty() ? r.message : join(r.warnings, "\n");
    if (!std::regex_search(text, x.message->second))
      fails.push_back("message does not match /" + x.message->first +
                      "/: " + (text.empty() ? "(empty)" : text));
  }
  for (const auto& [pattern, re] : x.warnings) {
    bool found = false;
    for (const auto& w : r.warnings) found = found || std::regex_search(w, re);
    if (!found)
      fails.push_back("no warning matches /" + pattern + "/, got [" + join(r.warnings, "; ") + "]");
  }
  if (!x.object.is_null()) {
    std::string why;
    if (!subset(x.object, r.object, "", why)) fails.push_back("object " + why);
  }
  if (x.patched && *x.patched != !r.patch.empty()) {
    fails.push_back(*x.patched ? "expected a patch, got none"
                               : "expected no patch, got " + short_json(r.patch));
  }
  return fails;
}

CaseOutcome run_case(const Suite& suite, const Case& c, int& seq) {
  CaseOutcome o;
  o.c = &c;
  for (const auto& doc : c.docs) {
    DocResult r;
    if (!c.old_object.is_null()) {
      r = suite.pipeline->run_request(
          host_request(doc.value, c.ns, "test-" + std::to_string(++seq), c.old_object),
          doc.source());
    } else {
      r = suite.pipeline->run(doc, c.ns, ++seq);
    }
    if (r.skipped) {
      o.results.push_back(std::move(r));
      continue;
    }
    auto fails = check(c.expect, r);
    for (auto& f : fails)
      o.reasons.push_back(c.docs.size() > 1 ? r.source + " (" + r.name + "): " + f : f);
    o.results.push_back(std::move(r));
  }
  bool any_run = false;
  for (const auto& r : o.results) any_run = any_run || !r.skipped;
  if (!any_run)
    o.reasons.push_back("no Host or AdmissionReview in the case's input (every document skipped)");
  o.passed = o.reasons.empty();
  return o;
}

struct SuiteOutcome {
  const Suite* suite = nullptr;
  std::vector<CaseOutcome> cases;
};

void write_table(std::ostream& out, const std::vector<SuiteOutcome>& suites, bool color) {
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
      if (!c.passed) out << ": " << join(c.reasons, "; ");
      out << "\n";
      (c.passed ? passed : failed)++;
    }
  }
  out << passed << " passed, " << failed << " failed\n";
}

void write_json(std::ostream& out, const std::vector<SuiteOutcome>& suites) {
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

void write_junit(std::ostream& out, const std::vector<SuiteOutcome>& suites) {
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
        out << "      <failure message=\"" << xml_escape(join(c.reasons, "; ")) << "\">"
            << xml_escape(join(c.reasons, "\n")) << "</failure>\n";
      out << "    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace

int cmd_test(const Args& args) {
  std::vector<std::string> files;
  Format format = Format::Table;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kTestUsage;
      return kExitOk;
    }
    std::string value;
    bool is_output = false;
    if (a == "-o" || a == "--output") {
      if (i + 1 >= args.size()) {
        std::cerr << "host-harness test: " << a << " needs a value\n" << kTestUsage;
        return kExitUsage;
      }
      value = args[++i];
      is_output = true;
    } else if (a.rfind("--output=", 0) == 0) {
      value = a.substr(9);
      is_output = true;
    } else if (a.rfind("-o", 0) == 0 && a.size() > 2) {
      value = a.substr(2);
      is_output = true;
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "host-harness test: unknown flag '" << a << "'\n" << kTestUsage;
      return kExitUsage;
    }
    if (is_output) {
      if (value != "table" && value != "json" && value != "junit") {
        std::cerr << "host-harness test: unknown output format '" << value
                  << "'; accepted: table, json, junit\n";
        return kExitUsage;
      }
      format = parse_format(value);
      continue;
    }
    files.push_back(a);
  }
  if (files.empty()) {
    std::cerr << "host-harness test: no SUITE given\n" << kTestUsage;
    return kExitUsage;
  }

  std::vector<Suite> suites;
  try {
    for (const auto& f : files) suites.push_back(SuiteLoader(f).load());
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
      write_json(out, outcomes);
      break;
    case Format::Junit:
      write_junit(out, outcomes);
      break;
    default:
      write_table(out, outcomes, want_color());
      break;
  }
  std::cout << out.str();
  std::cout.flush();
  return all_passed ? kExitOk : kExitFailed;
}

}  // namespace hostadm::harness
