// host-webhook's audit loop from its flags: off without the Kubernetes API or with
// --audit-interval 0, else one Auditor over the admissions' own inventory views and policy, under
// a Lease unless --leader-elect=false.
#pragma once

#include <memory>

#include "webhook/audit/auditor.hpp"
#include "webhook/server/config.hpp"
#include "webhook/server/metrics.hpp"

namespace hostadm::server {

// Null when the audit is off (the log says why once). Not started.
std::unique_ptr<audit::Auditor> make_auditor(const ServerConfig& cfg, kube::Client* cluster,
                                             audit::ViewFactory views,
                                             std::shared_ptr<const Policy> policy,
                                             audit::ClusterViewFactory cluster_view,
                                             Metrics& metrics);

}  // namespace hostadm::server
