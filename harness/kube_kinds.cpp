#include "harness/kube_kinds.hpp"

#include "harness/fixture_rest.hpp"

namespace hostadm::kubemock {

const std::vector<KindInfo>& known_kinds() {
  static const std::vector<KindInfo> kinds = {
      {"", "v1", "namespaces", "Namespace", false, true},
      {"", "v1", "secrets", "Secret", true, true},
      {"", "v1", "configmaps", "ConfigMap", true, true},
      {"", "v1", "events", "Event", true, true},
      {"events.k8s.io", "v1", "events", "Event", true, true},
      {"coordination.k8s.io", "v1", "leases", "Lease", true, true},
      {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
       "MutatingWebhookConfiguration", false, true},
      {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
       "ValidatingWebhookConfiguration", false, true},
      {"forklift.konveyor.io", "v1beta1", "hosts", "Host", true, false},
      {"forklift.konveyor.io", "v1beta1", "providers", "Provider", true, false},
      {"wgpolicyk8s.io", "v1alpha2", "policyreports", "PolicyReport", true, false},
      {"wgpolicyk8s.io", "v1alpha2", "clusterpolicyreports", "ClusterPolicyReport", false, false},
  };
  return kinds;
}

const KindInfo* kind_by_resource(const std::string& group, const std::string& version,
                                 const std::string& resource) {
  for (const auto& k : known_kinds())
    if (k.group == group && k.version == version && k.resource == resource) return &k;
  return nullptr;
}

const KindInfo* kind_by_object(const std::string& api_version, const std::string& kind) {
  for (const auto& k : known_kinds())
    if (k.api_version() == api_version && k.kind == kind) return &k;
  return nullptr;
}

ApiPath parse_api_path(const std::string& path) {
  ApiPath out;
  const auto seg = rest_path_segments(path);
  size_t i = 0;
  std::string group, version;
  if (seg.size() >= 2 && seg[0] == "api") {
    version = seg[1];
    i = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    group = seg[1];
    version = seg[2];
    i = 3;
  } else {
    return out;
  }
  if (i >= seg.size()) return out;
  // namespaces/NS/RESOURCE...: a namespaced resource; namespaces[/NAME] alone: the Namespaces.
  if (seg[i] == "namespaces" && i + 2 < seg.size()) {
    out.ns = seg[i + 1];
    i += 2;
  }
  const KindInfo* k = kind_by_resource(group, version, seg[i]);
  if (!k || (!out.ns.empty() && !k->namespaced)) return out;
  ++i;
  if (i < seg.size()) out.name = seg[i++];
  if (i < seg.size()) out.subresource = seg[i++];
  if (i < seg.size()) return out;
  out.kind = k;
  return out;
}

}  // namespace hostadm::kubemock
