// What host-webhook's audit loop reports: hostadm_leader, the last pass's time and duration, and
// its findings by namespace, rule and result (a series per label set the last pass found; the
// ones it no longer finds are removed, so a fixed Host stops counting at once). It also writes
// the pass's log line.
#pragma once

#include <map>
#include <mutex>
#include <tuple>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "webhook/audit/auditor.hpp"

namespace hostadm::server {

class AuditMetrics : public audit::AuditObserver {
 public:
  explicit AuditMetrics(prometheus::Registry& registry);

  void leader(bool leading) override;
  void pass_done(const audit::PassResult& pass, const audit::WriteOutcome& written, double seconds,
                 double unix_time) override;
  // The findings series set to what `results` holds; series no longer found are removed.
  void findings(const std::vector<audit::AuditResult>& results);

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // namespace, rule, result
  prometheus::Family<prometheus::Gauge>& findings_;
  prometheus::Gauge& leader_;
  prometheus::Gauge& last_run_;
  prometheus::Gauge& duration_;
  std::mutex mu_;
  std::map<Key, prometheus::Gauge*> series_;
};

}  // namespace hostadm::server
