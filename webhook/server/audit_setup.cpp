#include "webhook/server/audit_setup.hpp"

#include <cstdlib>

#include "webhook/inventory/cache.hpp"
#include "webhook/server/logging.hpp"

namespace hostadm::server {

std::unique_ptr<audit::Auditor> make_auditor(const ServerConfig& cfg, kube::Client* cluster,
                                             audit::ViewFactory views,
                                             std::shared_ptr<const Policy> policy,
                                             audit::ClusterViewFactory cluster_view,
                                             Metrics& metrics) {
  if (cfg.audit_interval.count() == 0) {
    log_info("audit: off (--audit-interval 0)");
    return nullptr;
  }
  if (!cluster) {
    if (cfg.leader_elect.value_or(false))
      log_warn("audit: off: --leader-elect needs the Kubernetes API (give --kubeconfig)");
    return nullptr;  // the client's own start-up line already says the cluster features are off
  }
  const std::string identity = audit::holder_identity(std::getenv("POD_NAME"));
  std::unique_ptr<audit::LeaderElector> elector;
  if (cfg.leader_elect.value_or(true)) {
    audit::LeaseConfig lease;
    lease.ns = cluster->default_namespace();
    lease.name = cfg.leader_election_id;
    lease.identity = identity;
    elector = std::make_unique<audit::LeaderElector>(*cluster, lease, *system_clock());
  }
  audit::AuditorConfig config;
  config.interval = cfg.audit_interval;
  config.instance = identity;
  log_info("audit: every Host re-decided on an interval",
           {{"intervalMs", static_cast<long long>(cfg.audit_interval.count())},
            {"leaderElection",
             elector ? "Lease " + cluster->default_namespace() + "/" + cfg.leader_election_id
                     : std::string("off: every replica audits")},
            {"identity", identity}});
  return std::make_unique<audit::Auditor>(
      *cluster, std::move(elector), std::move(views), [policy] { return policy; },
      std::move(cluster_view), config, *metrics.audit());
}

}  // namespace hostadm::server
