// Running a suite's case and checking the result against its `expect:`.
#include "harness/offline_cluster.hpp"
#include "harness/output.hpp"
#include "harness/suite.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::harness {

using nlohmann::json;

namespace {

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
      std::string p = text::json_pointer_child(pointer, it.key());
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
      fails.push_back("expected rule " + rule + ", got [" + text::join(r.rules, ", ") + "]");
  }
  for (const auto& rule : x.absent_rules) {
    if (contains(r.rules, rule))
      fails.push_back("rule " + rule + " must not appear, got [" + text::join(r.rules, ", ") +
                      "]: " + first_line_of(r));
  }
  if (x.message) {
    // An admitted request has no message; its warnings are what the user reads instead.
    const std::string shown = !r.message.empty() ? r.message : text::join(r.warnings, "\n");
    if (!std::regex_search(shown, x.message->second))
      fails.push_back("message does not match /" + x.message->first +
                      "/: " + (shown.empty() ? "(empty)" : shown));
  }
  for (const auto& [pattern, re] : x.warnings) {
    bool found = false;
    for (const auto& w : r.warnings) found = found || std::regex_search(w, re);
    if (!found)
      fails.push_back("no warning matches /" + pattern + "/, got [" + text::join(r.warnings, "; ") +
                      "]");
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

}  // namespace

CaseOutcome run_case(const Suite& suite, const Case& c, int& seq) {
  CaseOutcome o;
  o.c = &c;
  const std::unique_ptr<OfflineCluster> cluster = offline_cluster(suite.cluster, c.docs, c.ns);
  for (const auto& doc : c.docs) {
    DocResult r;
    if (!c.old_object.is_null()) {
      r = suite.pipeline->run_review(
          host_review(doc.value, c.ns, "test-" + std::to_string(++seq), c.old_object), doc.source(),
          cluster.get());
    } else {
      r = suite.pipeline->run(doc, c.ns, ++seq, cluster.get());
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

}  // namespace hostadm::harness
