// The decision table's rows and the Host manifests they are built from (host_case.hpp).
#include "unit/testlib/host_case.hpp"

#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace hostadm::testing {

json owner_ref(const std::string& name, const std::string& uid, bool controller) {
  json ref = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
              {"kind", "Provider"},
              {"name", name},
              {"uid", uid}};
  if (controller) ref["controller"] = true;
  return ref;
}

json stored_host() {
  return json::parse(R"({
    "apiVersion": "forklift.konveyor.io/v1beta1",
    "kind": "Host",
    "metadata": {
      "name": "host-10-4a5e",
      "namespace": "demo",
      "ownerReferences": [{"apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Provider",
                           "name": "vsphere-provider", "uid": "uid-vsphere", "controller": true}]
    },
    "spec": {
      "provider": {"name": "vsphere-provider", "namespace": "demo"},
      "id": "host-10",
      "name": "esxi-01.example.com",
      "ipAddress": "192.168.1.10",
      "secret": {"name": "host-secret", "namespace": "demo"}
    }
  })");
}

json host_with(const json& merge) {
  json h = stored_host();
  h.merge_patch(merge);
  return h;
}

json set_at(json host, const std::string& pointer, json value) {
  host[json::json_pointer(pointer)] = std::move(value);
  return host;
}

json with_adapter(json host, const std::string& adapter) {
  host["metadata"]["annotations"][kAdapterKey] = adapter;
  return host;
}

std::string HostCase::review_text() const {
  json request = {{"uid", "uid-" + name},
                  {"resource", {{"group", group}, {"version", "v1beta1"}, {"resource", resource}}},
                  {"kind", {{"group", group}, {"version", "v1beta1"}, {"kind", "Host"}}},
                  {"namespace", request_ns},
                  {"operation", !operation.empty()     ? operation
                                : old_object.is_null() ? "CREATE"
                                                       : "UPDATE"},
                  {"object", object},
                  {"oldObject", old_object}};
  if (!sub_resource.empty()) request["subResource"] = sub_resource;
  if (object.is_object() && object.contains("metadata") && object["metadata"].is_object())
    request["name"] = object["metadata"].value("name", std::string());
  return json{{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request", std::move(request)}}
      .dump();
}

AdmissionRequest HostCase::request() const {
  return read_review(review_text());
}

AdmissionRequest HostCase::request_with(json patched) const {
  HostCase again = *this;
  again.object = std::move(patched);
  return again.request();
}

FakeInventory HostCase::make_inventory() const {
  FakeInventory inv = standard_inventory();
  if (setup) setup(inv);
  return inv;
}

Policy HostCase::make_policy() const {
  return parse_policy(policy_doc);
}

std::unique_ptr<FakeCluster> HostCase::make_cluster() const {
  if (!cluster_setup) return nullptr;
  // A healthy cluster unless the row says otherwise: every Secret it names exists with user
  // and password, so a row about a standard sees no cluster finding.
  auto cluster = std::make_unique<FakeCluster>();
  cluster->every_secret_valid = true;
  cluster_setup(*cluster);
  return cluster;
}

Verdict HostCase::decide_with(const AdmissionRequest& req, Phase phase) const {
  FakeInventory inv = make_inventory();
  auto cluster = make_cluster();
  return decide(req, phase, inv, make_policy(), cluster.get());
}

json add(const std::string& path, json value) {
  return {{"op", "add"}, {"path", path}, {"value", std::move(value)}};
}

json vsphere_secret() {
  return {{"name", "vsphere-secret"}, {"namespace", "demo"}};
}

}  // namespace hostadm::testing
