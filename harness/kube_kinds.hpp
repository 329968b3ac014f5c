// The resources the mock Kubernetes API serves, and its REST paths: /api/v1/... for the core
// group, /apis/GROUP/VERSION/... for the others, namespaced or cluster-scoped. A small table:
// the kinds the webhook's features read and write, plus a few neighbours.
#pragma once

#include <string>
#include <vector>

namespace hostadm::kubemock {

struct KindInfo {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural: "secrets"
  std::string kind;      // "Secret"
  bool namespaced = true;
  bool builtin = true;  // false: a custom resource (CRD), which the API server treats differently

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string list_kind() const { return kind + "List"; }
  // "secrets", "hosts.forklift.konveyor.io": the API server's name for it in messages.
  std::string qualified() const { return group.empty() ? resource : resource + "." + group; }
  // "group/resource": the prefix of its objects' store keys.
  std::string key_prefix() const { return group + "/" + resource + "/"; }
};

const std::vector<KindInfo>& known_kinds();
const KindInfo* kind_by_resource(const std::string& group, const std::string& version,
                                 const std::string& resource);
const KindInfo* kind_by_object(const std::string& api_version, const std::string& kind);

// A request path taken apart. `kind` is null when the path names no known resource (404 "the
// server could not find the requested resource").
struct ApiPath {
  const KindInfo* kind = nullptr;
  std::string ns;           // "" for a cluster-scoped resource or a list across namespaces
  std::string name;         // "" for a collection
  std::string subresource;  // "status" etc.: not served by the mock
};
ApiPath parse_api_path(const std::string& path);

}  // namespace hostadm::kubemock
