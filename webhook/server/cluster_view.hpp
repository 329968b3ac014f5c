// The server's ClusterView: what the cluster checks ask, answered from the Kubernetes API and the
// ESXi endpoint. ClusterState lives as long as the server (the Secret cache, the Host and
// Namespace watch caches, the endpoint checker); view() makes the per-admission ClusterView the
// handler passes to admit(), bound to that admission's deadline.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "webhook/core/cluster_view.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/endpoint/checker.hpp"
#include "webhook/kube/informer.hpp"
#include "webhook/server/cluster_metrics.hpp"
#include "webhook/server/secret_cache.hpp"

namespace hostadm::server {

// What the duplicate check keeps of each Host: a few strings, never the document.
struct HostRef {
  std::string uid;
  std::string provider;   // spec.provider.name
  std::string id;         // spec.id, the ESXi host's inventory id
  bool deleting = false;  // metadata.deletionTimestamp is set
};
std::optional<HostRef> project_host(const nlohmann::json& host);
std::optional<Labels> project_namespace(const nlohmann::json& ns);

struct ClusterStateOptions {
  SecretCacheConfig secrets;
  endpoint::CheckerConfig endpoints;
  std::shared_ptr<endpoint::Prober> prober;  // nullptr: the network prober
  std::shared_ptr<ClusterMetrics> metrics;   // nullptr: not counted
  // What the endpoint check dials: 443, as Forklift's https://<ipAddress>/sdk does. Tests aim it
  // at a simulator on a loopback port; no flag sets it.
  int endpoint_port = 443;
};

class ClusterState {
 public:
  // Watches only what `policy` uses: Hosts when the duplicate check is on, Namespaces when an
  // entry selects namespaces by label; the endpoint checker only when endpointCheck is not off.
  ClusterState(kube::Client& client, std::shared_ptr<const Policy> policy,
               ClusterStateOptions options = {});
  ~ClusterState();
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  void start();  // the watch caches' first lists begin
  void stop();
  // For /readyz: "" once every watch cache has listed, else which has not and why.
  std::string not_ready_reason() const;
  // The view for one admission that must be answered by `deadline`. API reads are bounded by
  // min(deadline, now + kubeApiTimeout) for the whole admission.
  std::unique_ptr<ClusterView> view(Deadline deadline);

  // For the view (and tests).
  SecretCache& secrets() { return secrets_; }
  const kube::Informer<HostRef>* hosts() const { return hosts_.get(); }
  const kube::Informer<Labels>* namespaces() const { return namespaces_.get(); }
  endpoint::Checker* endpoints() { return endpoints_.get(); }
  const Policy& policy() const { return *policy_; }
  int endpoint_port() const { return endpoint_port_; }

 private:
  std::shared_ptr<const Policy> policy_;
  SecretCache secrets_;
  std::unique_ptr<kube::Informer<HostRef>> hosts_;
  std::unique_ptr<kube::Informer<Labels>> namespaces_;
  std::unique_ptr<endpoint::Checker> endpoints_;
  int endpoint_port_ = 443;
};

// An endpoint check's outcome as the rules see it (Skipped and the successes: no finding).
EndpointAnswer endpoint_answer(const endpoint::Result& result);

}  // namespace hostadm::server
