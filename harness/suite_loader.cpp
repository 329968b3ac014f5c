// Loading a `host-harness test` suite: every key checked, so that a typo stops the run (exit 2)
// instead of silently dropping an expectation.
#include <stdexcept>

#include "harness/suite.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/core/text.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

using nlohmann::json;

namespace {

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
    suite.cluster = fixture->cluster;
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
        throw error(text::json_pointer_child(pointer, it.key()),
                    "unknown key '" + it.key() + "' in " + what +
                        "; accepted: " + text::join(accepted, ", "));
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
      throw error(pointer, "unknown rule id '" + id + "'; known: " + text::join(known, ", "));
    }
  }

  Expect load_expect(const json& e, const std::string& pointer) const {
    if (!e.is_object() || e.empty())
      throw error(pointer, "`expect:` must be a mapping with at least one of: " +
                               text::join(kExpectKeys, ", "));
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

}  // namespace

Suite load_suite(const std::string& file) {
  return SuiteLoader(file).load();
}

bool contains(const std::vector<std::string>& items, const std::string& s) {
  for (const auto& i : items)
    if (i == s) return true;
  return false;
}

}  // namespace hostadm::harness
