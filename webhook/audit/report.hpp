// What one audit pass found, as results and as the PolicyReports (wgpolicyk8s.io/v1alpha2) that
// Kyverno's Policy Reporter and `kubectl get policyreports` read. No I/O: the pass fills the
// results, the writer stores the reports this file builds.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/decision.hpp"

namespace hostadm::audit {

enum class Result { Pass, Fail, Warn };
const char* to_string(Result r);  // pass, fail, warn

// The Host a result is about, as a PolicyReport's `resources` entry names it.
struct HostRef {
  std::string ns, name, uid;
};

struct AuditResult {
  HostRef host;
  std::string rule;  // a rule id, or "admission" for a Host without findings
  Result result = Result::Pass;
  std::string message;
};

struct Summary {
  int pass = 0, fail = 0, warn = 0;
};

inline constexpr const char* kReportName = "host-webhook";
inline constexpr const char* kPolicyName = "host-webhook";
inline constexpr const char* kAdmissionRule = "admission";
// Set on every report the webhook writes, so a pass finds its own among anyone else's.
inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "host-webhook";

// One result per rule that found something (a denial, or a denial the namespace's `warn` mode or
// the unchanged update turned into a warning, is `fail`; a warning is `warn`), or one `admission`
// `pass` when nothing was found. The message is the rule's own, which never quotes a secret value.
std::vector<AuditResult> results_of(const HostRef& host, const Verdict& verdict);

Summary summarize(const std::vector<AuditResult>& results);

// The results grouped by namespace, each namespace's in Host name then rule order.
using ByNamespace = std::map<std::string, std::vector<AuditResult>>;
ByNamespace by_namespace(std::vector<AuditResult> results);

// The PolicyReport of one namespace. `timestamp_seconds` goes into every result (the time of the
// pass); metadata carries name, namespace and the managed-by label only: the writer adds the
// stored resourceVersion when it updates.
nlohmann::json policy_report(const std::string& ns, const std::vector<AuditResult>& results,
                             long long timestamp_seconds);

// A finding for which an Event was (or would have been) emitted: the Host's namespace, name and
// the rule. Passes are not findings.
using FindingKey = std::tuple<std::string, std::string, std::string>;
std::set<FindingKey> findings_of(const std::vector<AuditResult>& results);
// The findings a stored report already lists (after a restart: what earlier passes reported).
std::set<FindingKey> findings_in_report(const nlohmann::json& report);

}  // namespace hostadm::audit
