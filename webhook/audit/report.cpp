#include "webhook/audit/report.hpp"

#include <algorithm>

namespace hostadm::audit {

using json = nlohmann::json;

const char* to_string(Result r) {
  switch (r) {
    case Result::Pass:
      return "pass";
    case Result::Fail:
      return "fail";
    case Result::Warn:
      return "warn";
  }
  return "fail";
}

std::vector<AuditResult> results_of(const HostRef& host, const Verdict& verdict) {
  std::vector<AuditResult> out;
  for (const auto& f : verdict.findings) {
    const Result r = f.deny || f.demoted ? Result::Fail : Result::Warn;
    // One result per rule: a second finding of the same rule joins the first one's message.
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const AuditResult& a) { return a.rule == f.rule; });
    if (same != out.end()) {
      same->message += "; " + f.message;
      if (r == Result::Fail) same->result = Result::Fail;
      continue;
    }
    out.push_back({host, f.rule, r, f.message});
  }
  if (out.empty()) out.push_back({host, kAdmissionRule, Result::Pass, "admitted without findings"});
  return out;
}

Summary summarize(const std::vector<AuditResult>& results) {
  Summary s;
  for (const auto& r : results) {
    switch (r.result) {
      case Result::Pass:
        ++s.pass;
        break;
      case Result::Fail:
        ++s.fail;
        break;
      case Result::Warn:
        ++s.warn;
        break;
    }
  }
  return s;
}

ByNamespace by_namespace(std::vector<AuditResult> results) {
  ByNamespace out;
  for (auto& r : results) out[r.host.ns].push_back(std::move(r));
  for (auto& [ns, list] : out)
    std::stable_sort(list.begin(), list.end(), [](const AuditResult& a, const AuditResult& b) {
      return a.host.name < b.host.name;
    });
  return out;
}

json policy_report(const std::string& ns, const std::vector<AuditResult>& results,
                   long long timestamp_seconds) {
  json items = json::array();
  for (const auto& r : results) {
    json resource = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
                     {"kind", "Host"},
                     {"name", r.host.name},
                     {"namespace", r.host.ns}};
    if (!r.host.uid.empty()) resource["uid"] = r.host.uid;
    items.push_back({{"policy", kPolicyName},
                     {"rule", r.rule},
                     {"result", to_string(r.result)},
                     {"message", r.message},
                     {"source", "host-webhook"},
                     {"scored", true},
                     {"severity", r.result == Result::Fail ? "high" : "info"},
                     {"timestamp", {{"seconds", timestamp_seconds}, {"nanos", 0}}},
                     {"resources", json::array({resource})}});
  }
  const Summary s = summarize(results);
  return {{"apiVersion", "wgpolicyk8s.io/v1alpha2"},
          {"kind", "PolicyReport"},
          {"metadata",
           {{"name", kReportName},
            {"namespace", ns},
            {"labels", {{kManagedByLabel, kManagedByValue}}}}},
          {"summary",
           {{"pass", s.pass}, {"fail", s.fail}, {"warn", s.warn}, {"error", 0}, {"skip", 0}}},
          {"results", items}};
}

std::set<FindingKey> findings_of(const std::vector<AuditResult>& results) {
  std::set<FindingKey> out;
  for (const auto& r : results)
    if (r.result != Result::Pass) out.emplace(r.host.ns, r.host.name, r.rule);
  return out;
}

std::set<FindingKey> findings_in_report(const json& report) {
  std::set<FindingKey> out;
  const auto results = report.find("results");
  if (!report.is_object() || results == report.end() || !results->is_array()) return out;
  for (const auto& r : *results) {
    if (!r.is_object() || r.value("result", "") == "pass") continue;
    const auto rule = r.find("rule");
    const auto resources = r.find("resources");
    if (rule == r.end() || !rule->is_string() || resources == r.end() || !resources->is_array())
      continue;
    for (const auto& res : *resources)
      if (res.is_object())
        out.emplace(res.value("namespace", ""), res.value("name", ""), rule->get<std::string>());
  }
  return out;
}

}  // namespace hostadm::audit
