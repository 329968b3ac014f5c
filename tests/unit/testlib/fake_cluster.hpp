// An in-memory ClusterView for core tests: namespace labels and Secrets by (namespace, name).
// Every question it is not told about gets the answer of a healthy cluster (a Secret with user
// and password, no other Host, an endpoint that answers), so a row only states what it is about.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "webhook/core/cluster_view.hpp"

namespace hostadm::testing {

class FakeCluster : public ClusterView {
 public:
  std::map<std::string, Labels> labels;  // namespace -> labels; absent: not known
  std::set<std::pair<std::string, std::string>> insecure_secrets;  // (ns, name)
  int secret_reads = 0;
  int label_reads = 0;

  void label(const std::string& ns, Labels l) { labels[ns] = std::move(l); }
  void skip_tls(const std::string& ns, const std::string& name) {
    insecure_secrets.insert({ns, name});
  }

  const Labels* namespace_labels(const std::string& ns) override {
    ++label_reads;
    auto it = labels.find(ns);
    return it == labels.end() ? nullptr : &it->second;
  }
  SecretFacts secret(const std::string& ns, const std::string& name) override {
    ++secret_reads;
    SecretFacts f;
    f.state = SecretState::Present;
    f.keys = {"password", "user"};
    f.resource_version = "1";
    if (insecure_secrets.count({ns, name})) {
      f.keys.push_back("insecureSkipVerify");
      f.insecure_skip_verify = true;
    }
    return f;
  }
  Duplicates hosts_with(const std::string&, const std::string&, const std::string&,
                        const std::string&) override {
    return {};
  }
  EndpointAnswer endpoint(const EndpointQuestion&) override { return {}; }
};

}  // namespace hostadm::testing
