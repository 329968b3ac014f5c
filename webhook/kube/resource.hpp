// Which Kubernetes objects a call is about: a resource (group, version, plural name, scope), a
// namespace and a name, turned into the REST path the API server serves them under, and the
// query of a list or a watch.
#pragma once

#include <string>

namespace hostadm::kube {

struct Resource {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case: "secrets"
  bool namespaced = true;

  // "secrets", "hosts.forklift.konveyor.io": the name RBAC and the API server's messages use.
  std::string qualified() const;
};

// The resources the webhook's features use.
namespace resources {
inline const Resource kNamespaces{"", "v1", "namespaces", false};
inline const Resource kSecrets{"", "v1", "secrets", true};
inline const Resource kEvents{"", "v1", "events", true};
inline const Resource kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const Resource kHosts{"forklift.konveyor.io", "v1beta1", "hosts", true};
inline const Resource kProviders{"forklift.konveyor.io", "v1beta1", "providers", true};
inline const Resource kPolicyReports{"wgpolicyk8s.io", "v1alpha2", "policyreports", true};
inline const Resource kMutatingWebhookConfigurations{"admissionregistration.k8s.io", "v1",
                                                     "mutatingwebhookconfigurations", false};
inline const Resource kValidatingWebhookConfigurations{"admissionregistration.k8s.io", "v1",
                                                       "validatingwebhookconfigurations", false};
}  // namespace resources

// The options of a list (and of the list a watch cache starts with).
struct ListOptions {
  std::string label_selector;  // "app=x,tier in (a,b)"
  std::string field_selector;  // "metadata.name=x"
  int limit = 0;               // page size; 0: everything at once
  std::string continue_token;  // from the previous page's metadata.continue
  std::string resource_version;
};

// The options of a watch.
struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // resume after this version (the list's, or the last event's)
  int timeout_seconds = 300;     // the server ends the watch after this long
  bool bookmarks = true;         // allowWatchBookmarks
};

// "/api/v1/namespaces/NS/secrets/NAME", "/apis/GROUP/VERSION/RESOURCE": the namespace is left
// out for a cluster-scoped resource or when empty (all namespaces), the name when empty.
// Namespace and name are percent-encoded.
std::string resource_path(const Resource& r, const std::string& ns, const std::string& name = "");

// "?labelSelector=...&limit=500" (empty when there is nothing to ask).
std::string list_query(const ListOptions& o);
std::string watch_query(const WatchOptions& o);

}  // namespace hostadm::kube
