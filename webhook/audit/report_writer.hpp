// Stores what a pass found: one PolicyReport per namespace (updated in place under its
// resourceVersion, created when missing, deleted when the namespace no longer has an audited
// Host) and a Warning Event on a Host when one of its findings first appears.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "webhook/audit/audit_pass.hpp"
#include "webhook/audit/report.hpp"
#include "webhook/kube/kube_client.hpp"

namespace hostadm::audit {

struct WriteOutcome {
  int created = 0, updated = 0, unchanged = 0, deleted = 0, events = 0;
  std::vector<std::string> errors;  // one line per call that failed; never a secret value
};

class ReportWriter {
 public:
  // `instance`: the Events' reportingInstance (the leader's identity).
  ReportWriter(kube::Client& client, std::string instance,
               std::chrono::milliseconds call_timeout = std::chrono::milliseconds(10'000));

  // `scope`: the namespace the pass listed ("" all). `now_seconds`: Unix time of the pass.
  WriteOutcome write(const PassResult& pass, const std::string& scope, long long now_seconds);

  // Forgets what was reported (a replica that lost the lease and may win it back later reads
  // the stored reports again then).
  void forget() { reported_.reset(); }

 private:
  // The reports this webhook wrote, by namespace; false (the error in `out`) when unlisted.
  bool read_stored(const std::string& scope, std::map<std::string, nlohmann::json>& stored,
                   WriteOutcome& out);
  void emit_new_events(const PassResult& pass, const std::string& scope, long long now,
                       WriteOutcome& out);
  void write_report(const std::string& ns, const std::vector<AuditResult>& results,
                    const nlohmann::json* stored, long long now, WriteOutcome& out);
  bool emit_event(const AuditResult& finding, long long now, WriteOutcome& out);
  kube::Deadline deadline() const { return SteadyClock::now() + call_timeout_; }

  kube::Client& client_;
  std::string instance_;
  std::chrono::milliseconds call_timeout_;
  // The findings Events were emitted for; unknown until the first write reads the stored reports.
  std::optional<std::set<FindingKey>> reported_;
};

// The report's content without the parts a pass always changes (timestamps, metadata), so an
// unchanged namespace costs no write.
bool same_report(const nlohmann::json& stored, const nlohmann::json& fresh);

// "2026-12-07T03:14:16Z"
std::string rfc3339(long long unix_seconds);

}  // namespace hostadm::audit
