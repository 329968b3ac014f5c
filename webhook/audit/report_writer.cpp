#include "webhook/audit/report_writer.hpp"

#include <ctime>
#include <map>

#include "webhook/core/rules.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::audit {

using json = nlohmann::json;
namespace res = kube::resources;

namespace {

json without_timestamps(const json& report) {
  json out = {{"summary", report.value("summary", json::object())},
              {"results", report.value("results", json::array())}};
  for (auto& r : out["results"])
    if (r.is_object()) r.erase("timestamp");
  return out;
}

// Events carry a message of at most 1 KiB (events.k8s.io/v1 refuses longer ones).
std::string event_message(const std::string& message) {
  constexpr size_t kMax = 1024;
  if (message.size() <= kMax) return message;
  return message.substr(0, text::utf8_cut(message, kMax - 3)) + "...";
}

}  // namespace

bool same_report(const json& stored, const json& fresh) {
  return stored.is_object() && without_timestamps(stored) == without_timestamps(fresh);
}

std::string rfc3339(long long unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ReportWriter::ReportWriter(kube::Client& client, std::string instance,
                           std::chrono::milliseconds call_timeout)
    : client_(client), instance_(std::move(instance)), call_timeout_(call_timeout) {}

WriteOutcome ReportWriter::write(const PassResult& pass, const std::string& scope,
                                 long long now_seconds) {
  WriteOutcome out;
  std::map<std::string, json> stored;
  if (!read_stored(scope, stored, out)) return out;
  if (!reported_) {
    reported_.emplace();
    for (const auto& [ns, report] : stored) reported_->merge(findings_in_report(report));
  }
  const ByNamespace grouped = by_namespace(pass.results);
  for (const auto& [ns, results] : grouped) {
    const auto it = stored.find(ns);
    write_report(ns, results, it == stored.end() ? nullptr : &it->second, now_seconds, out);
  }
  // A report whose namespace has no audited Host any more; only after a complete list, which
  // proves it.
  for (const auto& [ns, report] : stored) {
    if (!pass.complete || grouped.count(ns)) continue;
    kube::DeleteOptions precondition;
    precondition.precondition_resource_version =
        report.value("metadata", json::object()).value("resourceVersion", "");
    const kube::Result r =
        client_.remove(res::kPolicyReports, ns, kReportName, deadline(), precondition);
    if (r.ok() || r.not_found())
      ++out.deleted;
    else
      out.errors.push_back("deleting PolicyReport " + ns + "/" + kReportName + ": " + r.describe());
  }
  emit_new_events(pass, scope, now_seconds, out);
  return out;
}

bool ReportWriter::read_stored(const std::string& scope, std::map<std::string, json>& stored,
                               WriteOutcome& out) {
  kube::ListOptions mine;
  mine.label_selector = std::string(kManagedByLabel) + "=" + kManagedByValue;
  const kube::PagedList listed =
      client_.list_all(res::kPolicyReports, scope, mine, deadline(), [&](json&& report) {
        const auto meta = report.find("metadata");
        if (meta == report.end() || !meta->is_object() || meta->value("name", "") != kReportName)
          return true;
        std::string ns = meta->value("namespace", "");
        stored[std::move(ns)] = std::move(report);
        return true;
      });
  if (listed.result.ok()) return true;
  out.errors.push_back("listing PolicyReports: " + listed.result.describe());
  return false;
}

void ReportWriter::emit_new_events(const PassResult& pass, const std::string& scope, long long now,
                                   WriteOutcome& out) {
  // Events for the findings no earlier pass reported; a failed one is tried again next pass.
  std::set<FindingKey> now_reported;
  for (const auto& r : pass.results) {
    // An inventory outage says nothing about the Host: one would otherwise mean an Event on
    // every Host of the cluster. The report still shows it.
    if (r.result == Result::Pass || r.rule == rule::kInventoryUnavailable) continue;
    FindingKey key{r.host.ns, r.host.name, r.rule};
    if (reported_->count(key) || emit_event(r, now, out)) now_reported.insert(key);
  }
  // A finding that goes away and comes back is new again. Namespaces outside the pass keep theirs.
  if (pass.complete) {
    for (const auto& key : *reported_)
      if (!scope.empty() && std::get<0>(key) != scope) now_reported.insert(key);
    *reported_ = std::move(now_reported);
  } else {
    reported_->merge(now_reported);
  }
}

void ReportWriter::write_report(const std::string& ns, const std::vector<AuditResult>& results,
                                const json* stored, long long now, WriteOutcome& out) {
  json report = policy_report(ns, results, now);
  if (stored && same_report(*stored, report)) {
    ++out.unchanged;
    return;
  }
  const std::string what = "PolicyReport " + ns + "/" + kReportName;
  if (!stored) {
    const kube::Result created = client_.create(res::kPolicyReports, ns, report, deadline());
    if (created.ok()) {
      ++out.created;
      return;
    }
    if (!created.conflict()) {
      out.errors.push_back("creating " + what + ": " + created.describe());
      return;
    }
    // Someone else's report of that name (or one written meanwhile): take it over in place.
  }
  // Updated in place under the stored resourceVersion: a conflict re-reads it once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    json current;
    if (stored && attempt == 0) {
      current = *stored;
    } else {
      const kube::Result got = client_.get(res::kPolicyReports, ns, kReportName, deadline());
      if (!got.ok()) {
        out.errors.push_back("reading " + what + ": " + got.describe());
        return;
      }
      current = got.object;
    }
    report["metadata"]["resourceVersion"] =
        current.value("metadata", json::object()).value("resourceVersion", "");
    const kube::Result updated = client_.update(res::kPolicyReports, ns, report, deadline());
    if (updated.ok()) {
      ++out.updated;
      return;
    }
    if (!updated.conflict()) {
      out.errors.push_back("updating " + what + ": " + updated.describe());
      return;
    }
  }
  out.errors.push_back("updating " + what + ": it kept changing (409 Conflict twice)");
}

bool ReportWriter::emit_event(const AuditResult& finding, long long now, WriteOutcome& out) {
  const std::string stamp = rfc3339(now);
  json involved = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
                   {"kind", "Host"},
                   {"name", finding.host.name},
                   {"namespace", finding.host.ns}};
  if (!finding.host.uid.empty()) involved["uid"] = finding.host.uid;
  const json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"generateName", finding.host.name + "."}, {"namespace", finding.host.ns}}},
      {"involvedObject", involved},
      {"type", "Warning"},
      {"reason", finding.rule},
      {"message", event_message(finding.message)},
      {"action", "Audit"},
      {"source", {{"component", "host-webhook"}}},
      {"reportingComponent", "host-webhook"},
      {"reportingInstance", instance_},
      {"firstTimestamp", stamp},
      {"lastTimestamp", stamp},
      {"count", 1}};
  const kube::Result r = client_.create(res::kEvents, finding.host.ns, event, deadline());
  if (r.ok()) {
    ++out.events;
    return true;
  }
  out.errors.push_back("creating an Event on Host " + finding.host.ns + "/" + finding.host.name +
                       ": " + r.describe());
  return false;
}

}  // namespace hostadm::audit
