// host-webhook's audit loop: while this replica holds the Lease (or always, without leader
// election), one pass every interval, its reports and Events written, what it did told to an
// observer (the server's metrics and log).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "webhook/audit/audit_pass.hpp"
#include "webhook/audit/leader_election.hpp"
#include "webhook/audit/report_writer.hpp"

namespace hostadm::audit {

class AuditObserver {
 public:
  virtual ~AuditObserver() = default;
  virtual void leader(bool leading) = 0;
  // After every pass, also a failed one (`pass.complete` false).
  virtual void pass_done(const PassResult& pass, const WriteOutcome& written, double seconds,
                         double unix_time) = 0;
};

struct AuditorConfig {
  std::chrono::milliseconds interval{600'000};  // --audit-interval
  std::string scope;                            // "" every namespace
  std::string instance;                         // the Events' reportingInstance
};

class Auditor {
 public:
  // `elector` nullptr: no leader election, this replica always audits. `policy` is read at each
  // pass (the server may swap it on reload).
  Auditor(kube::Client& client, std::unique_ptr<LeaderElector> elector, ViewFactory views,
          std::function<std::shared_ptr<const Policy>()> policy, ClusterViewFactory cluster,
          AuditorConfig config, AuditObserver& observer);
  ~Auditor();
  void start();
  // Stops both loops; a held lease is released.
  void stop();

 private:
  void audit_loop();
  void run_once();
  void run_pass_and_write(SteadyClock::time_point started);

  kube::Client& client_;
  std::unique_ptr<LeaderElector> elector_;
  ViewFactory views_;
  std::function<std::shared_ptr<const Policy>()> policy_;
  ClusterViewFactory cluster_;
  AuditorConfig config_;
  AuditObserver& observer_;
  ReportWriter writer_;
  kube::Cancel stop_;
  std::thread elector_thread_, audit_thread_;
};

}  // namespace hostadm::audit
