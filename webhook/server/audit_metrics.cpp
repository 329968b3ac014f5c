#include "webhook/server/audit_metrics.hpp"

#include "webhook/server/logging.hpp"

namespace hostadm::server {

AuditMetrics::AuditMetrics(prometheus::Registry& registry)
    : findings_(prometheus::BuildGauge()
                    .Name("hostadm_audit_findings")
                    .Help("Results of the last audit pass, by namespace, rule and result "
                          "(pass, fail, warn); a Host without findings counts as rule "
                          "\"admission\", result \"pass\".")
                    .Register(registry)),
      leader_(prometheus::BuildGauge()
                  .Name("hostadm_leader")
                  .Help("1 while this replica holds the audit Lease (or audits without leader "
                        "election), else 0.")
                  .Register(registry)
                  .Add({})),
      last_run_(prometheus::BuildGauge()
                    .Name("hostadm_audit_last_run_timestamp_seconds")
                    .Help("Unix time at which the last audit pass that listed every Host ended; "
                          "0 before the first.")
                    .Register(registry)
                    .Add({})),
      duration_(prometheus::BuildGauge()
                    .Name("hostadm_audit_duration_seconds")
                    .Help("How long the last audit pass took, its writes included.")
                    .Register(registry)
                    .Add({})) {}

void AuditMetrics::leader(bool leading) {
  leader_.Set(leading ? 1 : 0);
  log_info(leading ? "audit: this replica audits (it holds the Lease, or leader election is off)"
                   : "audit: this replica no longer leads");
}

void AuditMetrics::pass_done(const audit::PassResult& pass, const audit::WriteOutcome& written,
                             double seconds, double unix_time) {
  duration_.Set(seconds);
  if (!pass.complete) {
    log_warn("audit: the pass did not complete; reports left as they were",
             {{"error", pass.error}, {"seconds", seconds}});
    return;
  }
  last_run_.Set(unix_time);
  findings(pass.results);
  const audit::Summary s = audit::summarize(pass.results);
  log_info("audit: pass done", {{"hosts", pass.hosts},
                                {"audited", pass.audited},
                                {"pass", s.pass},
                                {"fail", s.fail},
                                {"warn", s.warn},
                                {"reportsCreated", written.created},
                                {"reportsUpdated", written.updated},
                                {"reportsDeleted", written.deleted},
                                {"events", written.events},
                                {"seconds", seconds}});
  for (const auto& e : written.errors) log_warn("audit: a write failed", {{"error", e}});
}

void AuditMetrics::findings(const std::vector<audit::AuditResult>& results) {
  std::map<Key, int> counts;
  for (const auto& r : results) ++counts[{r.host.ns, r.rule, audit::to_string(r.result)}];
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = series_.begin(); it != series_.end();) {
    if (counts.count(it->first)) {
      ++it;
      continue;
    }
    findings_.Remove(it->second);
    it = series_.erase(it);
  }
  for (const auto& [key, n] : counts) {
    auto& g = series_[key];
    if (!g)
      g = &findings_.Add({{"namespace", std::get<0>(key)},
                          {"rule", std::get<1>(key)},
                          {"result", std::get<2>(key)}});
    g->Set(n);
  }
}

}  // namespace hostadm::server
