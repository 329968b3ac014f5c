// The harness's ClusterView: the cluster as the fixture's `secrets`, `clusterHosts`, `endpoints`
// and `namespaces` describe it, plus the Secret, Host and Namespace manifests among the files
// being replayed (as if `kubectl apply` had created them). Nothing is dialled: an endpoint answers
// what its fixture entry says, and an address without one is not checked. Read-only once built,
// so replay's threads share one.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/pipeline.hpp"
#include "webhook/core/cluster_view.hpp"
#include "webhook/core/fixture_cluster.hpp"

namespace hostadm::harness {

class OfflineCluster : public ClusterView {
 public:
  // `default_ns`: the namespace of a manifest without one (replay's --namespace, else
  // "default"). Throws InputError for a Secret manifest whose data is not base64.
  OfflineCluster(const ClusterFacts& facts, const std::vector<InputDoc>& docs,
                 const std::string& default_ns);

  const Labels* namespace_labels(const std::string& ns) override;
  SecretFacts secret(const std::string& ns, const std::string& name) override;
  Duplicates hosts_with(const std::string& ns, const std::string& provider,
                        const std::string& host_id, const std::string& self) override;
  EndpointAnswer endpoint(const EndpointQuestion& question) override;

 private:
  void add_manifest(const InputDoc& doc, const std::string& default_ns);

  std::map<std::pair<std::string, std::string>, SecretFacts> secrets_;  // (namespace, name)
  std::vector<FixtureClusterHost> hosts_;
  std::map<std::string, FixtureEndpoint> endpoints_;  // by address
  std::map<std::string, Labels> namespaces_;
};

// Whether the fixture or the documents say anything about the cluster: fixture cluster entries,
// or a Secret or Namespace manifest. Host manifests alone do not (every replay has them), so a
// replay that gives no cluster fact decides as a webhook without a Kubernetes API client.
bool gives_cluster_facts(const ClusterFacts& facts, const std::vector<InputDoc>& docs);

// The view for a replay or a suite case; nullptr when gives_cluster_facts() is false.
std::unique_ptr<OfflineCluster> offline_cluster(const ClusterFacts& facts,
                                                const std::vector<InputDoc>& docs,
                                                const std::string& default_ns);

}  // namespace hostadm::harness
