// An in-memory ClusterView for core tests: namespace labels, Secrets by (namespace, name), the
// Hosts of the cluster, endpoint answers by address, and a record of what the decision asked. It
// keeps the view's contract (Hosts being deleted and the asking Host itself are never duplicates)
// so the core's tests can rely on it as they rely on the server's and the harness's views.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "webhook/core/cluster_view.hpp"

namespace hostadm::testing {

struct ClusterHost {
  std::string ns, name, provider, id;
  bool deleting = false;
};

class FakeCluster : public ClusterView {
 public:
  std::map<std::pair<std::string, std::string>, SecretFacts> secrets;  // absent: NotFound
  bool every_secret_valid = false;  // absent: Present with user and password instead
  std::vector<ClusterHost> hosts;
  bool hosts_synced = true;
  std::map<std::string, EndpointAnswer> endpoints;  // absent: reached
  std::map<std::string, Labels> labels;

  int secret_reads = 0;
  int label_reads = 0;
  std::vector<EndpointQuestion> questions;

  void label(const std::string& ns, Labels l) { labels[ns] = std::move(l); }
  // A Secret with user and password that sets insecureSkipVerify: "true".
  void skip_tls(const std::string& ns, const std::string& name) {
    add_secret(ns, name, {"insecureSkipVerify", "password", "user"});
    secrets[{ns, name}].insecure_skip_verify = true;
  }

  // A Secret that exists with these key names (and no value: the view never has one).
  void add_secret(const std::string& ns, const std::string& name, std::vector<std::string> keys,
                  std::string version = "1") {
    SecretFacts f;
    f.state = SecretState::Present;
    f.keys = std::move(keys);
    f.resource_version = std::move(version);
    secrets[{ns, name}] = std::move(f);
  }

  const Labels* namespace_labels(const std::string& ns) override {
    ++label_reads;
    auto it = labels.find(ns);
    return it == labels.end() ? nullptr : &it->second;
  }
  SecretFacts secret(const std::string& ns, const std::string& name) override {
    ++secret_reads;
    auto it = secrets.find({ns, name});
    if (it != secrets.end()) return it->second;
    SecretFacts none;
    none.state = every_secret_valid ? SecretState::Present : SecretState::NotFound;
    if (every_secret_valid) none.keys = {"user", "password"};
    return none;
  }
  Duplicates hosts_with(const std::string& ns, const std::string& provider,
                        const std::string& host_id, const std::string& self) override {
    Duplicates d;
    d.synced = hosts_synced;
    if (!hosts_synced) return d;
    for (const auto& h : hosts)
      if (h.ns == ns && h.provider == provider && h.id == host_id && h.name != self && !h.deleting)
        d.names.push_back(h.name);
    return d;
  }
  EndpointAnswer endpoint(const EndpointQuestion& question) override {
    questions.push_back(question);
    auto it = endpoints.find(question.address);
    return it == endpoints.end() ? EndpointAnswer{} : it->second;
  }
};

}  // namespace hostadm::testing
