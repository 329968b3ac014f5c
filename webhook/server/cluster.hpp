// The one Kubernetes API client every cluster feature of host-webhook shares (self-managed
// certificates, the inventory CA Secret, the cluster checks): found through --kubeconfig or the
// pod's service account, limited by --kube-api-qps/--kube-api-burst, reporting into the server's
// metrics and log. None at all when neither is there: the cluster features stay off and the
// webhook behaves exactly as without a cluster, which the start-up log says once.
#pragma once

#include <memory>

#include "webhook/kube/kube_client.hpp"
#include "webhook/server/config.hpp"
#include "webhook/server/metrics.hpp"

namespace hostadm::server {

// Null when no API is configured. Throws kube::KubeConfigError (a bad kubeconfig, an unreadable
// service-account token or CA): the caller exits 2 with its message, which names the file.
std::unique_ptr<kube::Client> make_cluster_client(const ServerConfig& config,
                                                  const kube::Getenv& getenv,
                                                  const std::shared_ptr<Metrics>& metrics);

}  // namespace hostadm::server
