// The decision table shared by core_decision_test (exact verdicts) and core_properties_test
// (properties that must hold for every row). One row = one admission request + expectations.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/testlib/fake_inventory.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm::testing {

using nlohmann::json;

inline constexpr const char* kAdapterKey = "forklift.konveyor.io/network-adapter";

inline json owner_ref(const std::string& name, const std::string& uid, bool controller = true) {
  json ref = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
              {"kind", "Provider"},
              {"name", name},
              {"uid", uid}};
  if (controller) ref["controller"] = true;
  return ref;
}

// A stored, already mutated Host: every check passes and nothing is left to fill in.
inline json stored_host() {
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

// stored_host() with an RFC 7386 merge patch applied: null removes a key.
inline json host_with(const json& merge) {
  json h = stored_host();
  h.merge_patch(merge);
  return h;
}

// A merge patch cannot set {} (it means "no change"), so empty objects go in by pointer.
inline json set_at(json host, const std::string& pointer, json value) {
  host[json::json_pointer(pointer)] = std::move(value);
  return host;
}

inline json with_adapter(json host, const std::string& adapter) {
  host["metadata"]["annotations"][kAdapterKey] = adapter;
  return host;
}

struct HostCase {
  std::string name;
  json object;
  json old_object = nullptr;
  std::string operation;  // default: CREATE, or UPDATE when old_object is set
  std::string request_ns = "demo";
  std::string group = "forklift.konveyor.io";
  std::string resource = "hosts";
  std::string sub_resource;
  json policy_doc = nullptr;
  std::function<void(FakeInventory&)> setup;

  // What decide(Mutate) must answer.
  bool allowed = true;
  int code = 200;
  bool defer = false;
  std::vector<std::string> rules;     // exactly, in Verdict::rules() order
  std::vector<std::string> mentions;  // each must appear in the message or a warning
  json patch = json::array();         // exactly
  bool in_scope = true;
  // Admitted without the fields the schema requires: only when inventoryFailure: allow could
  // not derive them (the lead's decision: the apiserver's schema check rejects it then).
  bool schema_may_fail = false;

  HostCase(std::string n, json obj) : name(std::move(n)), object(std::move(obj)) {}
  friend void PrintTo(const HostCase& c, std::ostream* os) { *os << "'" << c.name << "'"; }

  HostCase& denied(std::vector<std::string> r, int c = 403) {
    allowed = false;
    code = c;
    rules = std::move(r);
    return *this;
  }
  HostCase& admitted(std::vector<std::string> r = {}) {
    allowed = true;
    code = 200;
    rules = std::move(r);
    return *this;
  }
  HostCase& deferred() {
    allowed = false;
    code = 503;
    defer = true;
    rules = {"inventory-unavailable"};
    return *this;
  }
  HostCase& naming(std::vector<std::string> m) {
    mentions = std::move(m);
    return *this;
  }
  HostCase& patched(json p) {
    patch = std::move(p);
    return *this;
  }
  HostCase& update_from(json old) {
    old_object = std::move(old);
    return *this;
  }
  HostCase& op(std::string o) {
    operation = std::move(o);
    return *this;
  }
  HostCase& policy(json doc) {
    policy_doc = std::move(doc);
    return *this;
  }
  HostCase& inventory(std::function<void(FakeInventory&)> f) {
    setup = std::move(f);
    return *this;
  }
  HostCase& out_of_scope() {
    in_scope = false;
    return *this;
  }

  AdmissionRequest request() const {
    AdmissionRequest req;
    req.uid = "uid-" + name;
    req.resource = {group, "v1beta1", resource};
    req.kind_group = group;
    req.kind_version = "v1beta1";
    req.kind_kind = "Host";
    req.sub_resource = sub_resource;
    req.ns = request_ns;
    if (object.is_object() && object.contains("metadata") && object["metadata"].is_object())
      req.name = object["metadata"].value("name", std::string());
    req.operation = !operation.empty() ? operation : old_object.is_null() ? "CREATE" : "UPDATE";
    req.object = object;
    req.old_object = old_object;
    return req;
  }
  FakeInventory make_inventory() const {
    FakeInventory inv = standard_inventory();
    if (setup) setup(inv);
    return inv;
  }
  Policy make_policy() const { return parse_policy(policy_doc); }
};

inline json add(const std::string& path, json value) {
  return {{"op", "add"}, {"path", path}, {"value", std::move(value)}};
}

inline json vsphere_secret() {
  return {{"name", "vsphere-secret"}, {"namespace", "demo"}};
}

// One row per rule id (allowed and denied/warned), per operation and per mode.
inline std::vector<HostCase> host_cases() {
  std::vector<HostCase> c;
  const json stale_ip_old = host_with({{"spec", {{"ipAddress", "192.168.1.5"}}}});

  // --- consistent Hosts -------------------------------------------------------------------
  c.push_back(HostCase("stored host admitted untouched", stored_host()).admitted());
  c.push_back(HostCase("stored host with adapter annotation is consistent",
                       with_adapter(stored_host(), "Management Network"))
                  .admitted());
  c.push_back(
      HostCase("update without changes", stored_host()).update_from(stored_host()).admitted());

  // --- provider ---------------------------------------------------------------------------
  c.push_back(
      HostCase("provider-missing: no spec.provider", host_with({{"spec", {{"provider", nullptr}}}}))
          .denied({"provider-missing"})
          .naming({"spec.provider.name", "'demo'"}));
  c.push_back(HostCase("provider-missing: empty object",
                       set_at(stored_host(), "/spec/provider", json::object()))
                  .denied({"provider-missing"}));
  c.push_back(HostCase("provider-missing: empty name",
                       host_with({{"spec", {{"provider", {{"name", ""}}}}}}))
                  .denied({"provider-missing"}));
  c.push_back(HostCase("provider-cross-namespace",
                       host_with({{"spec", {{"provider", {{"namespace", "other"}}}}}}))
                  .denied({"provider-cross-namespace"})
                  .naming({"'other'", "'demo'"}));
  c.push_back(HostCase("provider namespace defaulted to the Host's",
                       host_with({{"spec", {{"provider", {{"namespace", nullptr}}}}}}))
                  .admitted()
                  .patched({add("/spec/provider/namespace", "demo")}));
  c.push_back(HostCase("provider namespace empty string is unset",
                       host_with({{"spec", {{"provider", {{"namespace", ""}}}}}}))
                  .admitted()
                  .patched({add("/spec/provider/namespace", "demo")}));
  c.push_back(
      HostCase("provider-not-found", host_with({{"spec", {{"provider", {{"name", "nope"}}}}}}))
          .denied({"provider-not-found"})
          // Both causes: a typo, or a Provider Forklift has not validated (not yet listed).
          .naming({"'nope'", "'demo'", "kubectl get providers -n demo", "not validated it yet",
                   "Ready condition"}));
  c.push_back(HostCase("provider-not-vsphere",
                       host_with({{"spec", {{"provider", {{"name", "ovirt-provider"}}}}}}))
                  .denied({"provider-not-vsphere"})
                  .naming({"demo/ovirt-provider", "'ovirt'"}));
  c.push_back(HostCase("provider-not-ready: Ready condition false",
                       host_with({{"spec", {{"provider", {{"name", "notready-provider"}}}}}}))
                  .denied({"provider-not-ready"})
                  .naming({"demo/notready-provider", "rejected the credentials"}));
  c.push_back(HostCase("provider-not-ready: inventory not synced (206)",
                       host_with({{"spec", {{"provider", {{"name", "unsynced-provider"}}}}}}))
                  .denied({"provider-not-ready"})
                  .naming({"has not synced provider demo/unsynced-provider"}));
  c.push_back(HostCase("provider-not-ready: the inventory's copy keeps a stale Ready",
                       host_with({{"spec", {{"provider", {{"name", "stale-provider"}}}}}}))
                  .inventory([](FakeInventory& inv) {
                    // After a vCenter login failure: Ready still True, phase and a Critical
                    // condition new.
                    auto p = make_provider("demo", "stale-provider", "uid-stale");
                    read_provider_readiness(json::parse(R"({"status": {"phase": "ConnectionFailed",
                "conditions": [{"type": "Ready", "status": "True", "category": "Required"},
                               {"type": "ConnectionAuthFailed", "status": "True",
                                "category": "Critical", "message": "login failed"}]}})"),
                                            p);
                    inv.add_provider(p);
                  })
                  .denied({"provider-not-ready"})
                  .naming({"demo/stale-provider", "ConnectionAuthFailed (Critical): login failed",
                           "phase ConnectionFailed"}));

  // --- host reference ---------------------------------------------------------------------
  c.push_back(
      HostCase("host-ref-missing", host_with({{"spec", {{"id", nullptr}, {"name", nullptr}}}}))
          .denied({"host-ref-missing"})
          .naming({"spec.id", "kubectl mtv get inventory hosts"}));
  c.push_back(
      HostCase("host-ref-missing: empty strings", host_with({{"spec", {{"id", ""}, {"name", ""}}}}))
          .denied({"host-ref-missing"}));
  c.push_back(
      HostCase("host-not-found by id", host_with({{"spec", {{"id", "host-99"}}}}))
          .denied({"host-not-found"})
          .naming({"'host-99'", "demo/vsphere-provider", "kubectl mtv get inventory hosts"}));
  c.push_back(HostCase("host-not-found by name",
                       host_with({{"spec", {{"id", nullptr}, {"name", "/DC1/nope.example.com"}}}}))
                  .denied({"host-not-found"})
                  .naming({"'nope.example.com'"}));
  c.push_back(HostCase("host-ambiguous",
                       host_with({{"spec", {{"id", nullptr}, {"name", "dup.example.com"}}}}))
                  .denied({"host-ambiguous"})
                  .naming({"host-12", "host-13", "host-16", "spec.id", "/DATACENTER/host/"}));
  c.push_back(HostCase("path name resolved by the datacenter filter",
                       host_with({{"spec",
                                   {{"id", nullptr},
                                    {"name", "/DC2/host/C/dup.example.com"},
                                    {"ipAddress", "192.168.1.16"}}}}))
                  .admitted()
                  .patched({add("/spec/id", "host-16")}));
  c.push_back(
      HostCase("host-ambiguous after the datacenter filter",
               host_with({{"spec", {{"id", nullptr}, {"name", "/DC1/host/A/dup.example.com"}}}}))
          .denied({"host-ambiguous"})
          .naming({"2 hosts", "'DC1'", "host-12", "host-13"}));
  c.push_back(HostCase("id wins over an ambiguous name",
                       host_with({{"spec", {{"name", "dup.example.com"}}}}))
                  .admitted());
  c.push_back(
      HostCase(
          "found by name path: id filled in",
          host_with({{"spec", {{"id", nullptr}, {"name", "/DC9/host/X/esxi-01.example.com"}}}}))
          .admitted()
          .patched({add("/spec/id", "host-10")}));
  c.push_back(HostCase("found by id: name filled in", host_with({{"spec", {{"name", nullptr}}}}))
                  .admitted()
                  .patched({add("/spec/name", "esxi-01.example.com")}));
  c.push_back(
      HostCase("host-in-maintenance and host-status-not-green",
               host_with({{"spec",
                           {{"id", "host-11"}, {"name", nullptr}, {"ipAddress", "192.168.2.11"}}}}))
          .admitted({"host-in-maintenance", "host-status-not-green"})
          .naming({"host-11", "'yellow'", "will not mark this Host Ready", "through vCenter",
                   "HostStatusNotGreen"})
          .patched({add("/spec/name", "/DC1/host/Cluster1/esxi-02.example.com")}));

  c.push_back(HostCase("host-status-not-green: red means NotHealthy",
                       host_with({{"spec",
                                   {{"id", "host-18"},
                                    {"name", "esxi-red.example.com"},
                                    {"ipAddress", "192.168.1.18"}}}}))
                  .admitted({"host-status-not-green"})
                  .naming({"'red'", "NotHealthy", "never Ready"}));
  c.push_back(HostCase("host-status-not-green: an empty status too",
                       host_with({{"spec",
                                   {{"id", "host-19"},
                                    {"name", "esxi-nostatus.example.com"},
                                    {"ipAddress", "192.168.1.19"}}}}))
                  .admitted({"host-status-not-green"})
                  .naming({"host-19 reports no status", "HostStatusNotGreen"}));

  // --- address ----------------------------------------------------------------------------
  c.push_back(HostCase("address-missing", host_with({{"spec", {{"ipAddress", nullptr}}}}))
                  .denied({"address-missing"})
                  .naming({"spec.ipAddress", kAdapterKey}));
  c.push_back(HostCase("address-missing: empty string", host_with({{"spec", {{"ipAddress", ""}}}}))
                  .denied({"address-missing"}));
  c.push_back(HostCase("address-invalid: scheme",
                       host_with({{"spec", {{"ipAddress", "https://192.168.1.10/sdk"}}}}))
                  .denied({"address-invalid"})
                  .naming({"'https://192.168.1.10/sdk'", "scheme"}));
  c.push_back(
      HostCase("address-invalid: port", host_with({{"spec", {{"ipAddress", "192.168.1.10:443"}}}}))
          .denied({"address-invalid"})
          .naming({"port"}));
  c.push_back(HostCase("address-invalid: bare IPv6 shows the bracketed form",
                       host_with({{"spec", {{"ipAddress", "fd00::14"}}}}))
                  .denied({"address-invalid"})
                  .naming({"bare IPv6", "https://<ipAddress>/sdk", "'[fd00::14]'"}));
  c.push_back(HostCase("address-invalid: bracketed IPv6 with a port",
                       host_with({{"spec", {{"ipAddress", "[fd00::14]:443"}}}}))
                  .denied({"address-invalid"})
                  .naming({"drop the port", "[fd00::14]"}));
  c.push_back(HostCase("bracketed IPv6 accepted", host_with({{"spec",
                                                              {{"id", "host-14"},
                                                               {"name", "esxi-v6.example.com"},
                                                               {"ipAddress", "[fd00::14]"}}}}))
                  .admitted());
  c.push_back(
      HostCase("address-invalid: out of range", host_with({{"spec", {{"ipAddress", "300.1.1.1"}}}}))
          .denied({"address-invalid"})
          .naming({"'300.1.1.1'"}));
  c.push_back(HostCase("address-invalid: hostname without allowHostnames",
                       host_with({{"spec", {{"ipAddress", "esxi-01.example.com"}}}}))
                  .denied({"address-invalid"}));
  c.push_back(HostCase("hostname accepted with allowHostnames",
                       host_with({{"spec", {{"ipAddress", "esxi-01.example.com"}}}}))
                  .policy({{"allowHostnames", true}})
                  .admitted());
  c.push_back(HostCase("address-invalid: URL even with allowHostnames",
                       host_with({{"spec", {{"ipAddress", "https://esxi-01.example.com"}}}}))
                  .policy({{"allowHostnames", true}})
                  .denied({"address-invalid"})
                  .naming({"DNS name"}));
  c.push_back(HostCase("address-not-on-host: a load balancer is allowed",
                       host_with({{"spec", {{"ipAddress", "10.9.9.9"}}}}))
                  .admitted({"address-not-on-host"})
                  .naming({"10.9.9.9", "host-10"}));
  c.push_back(
      HostCase(
          "IPv6 compared canonically",
          host_with(
              {{"spec", {{"id", "host-14"}, {"name", nullptr}, {"ipAddress", "[FD00:0:0::14]"}}}}))
          .admitted()
          .patched({add("/spec/name", "esxi-v6.example.com")}));

  // --- adapter ----------------------------------------------------------------------------
  c.push_back(
      HostCase("adapter fills spec.ipAddress",
               with_adapter(host_with({{"spec", {{"ipAddress", nullptr}}}}), "Management Network"))
          .admitted()
          .patched({add("/spec/ipAddress", "192.168.1.10")}));
  c.push_back(HostCase("adapter fills an empty spec.ipAddress",
                       with_adapter(host_with({{"spec", {{"ipAddress", ""}}}}), "vMotion Network"))
                  .admitted()
                  .patched({add("/spec/ipAddress", "10.0.0.10")}));
  c.push_back(HostCase("IPv6 adapter consistent",
                       with_adapter(host_with({{"spec",
                                                {{"id", "host-14"},
                                                 {"name", "esxi-v6.example.com"},
                                                 {"ipAddress", "[fd00:0::14]"}}}}),
                                    "Storage"))
                  .admitted());
  c.push_back(HostCase("an IPv6 adapter fills spec.ipAddress in brackets",
                       with_adapter(host_with({{"spec",
                                                {{"id", "host-14"},
                                                 {"name", "esxi-v6.example.com"},
                                                 {"ipAddress", nullptr}}}}),
                                    "Storage"))
                  .admitted()
                  .patched({add("/spec/ipAddress", "[fd00::14]")}));
  {
    auto dvs = [](json ip) {
      return with_adapter(
          host_with(
              {{"spec", {{"id", "host-17"}, {"name", "esxi-dvs.example.com"}, {"ipAddress", ip}}}}),
          "dvs-1");
    };
    c.push_back(HostCase("distributed switch: the second vmk's IP is consistent", dvs("10.2.0.17"))
                    .admitted());
    c.push_back(HostCase("distributed switch: the first vmk's IP is consistent", dvs("10.1.0.17"))
                    .admitted());
    c.push_back(
        HostCase("address-conflict names every IP of a repeated adapter name", dvs("192.168.1.17"))
            .denied({"address-conflict"})
            .naming({"'dvs-1'", "has IPs 10.1.0.17, 10.2.0.17"}));
    c.push_back(HostCase("distributed switch: the adapter fills the first vmk's IP", dvs(nullptr))
                    .admitted({"adapter-name-repeated"})
                    .naming({"distributed switch", "10.1.0.17"})
                    .patched({add("/spec/ipAddress", "10.1.0.17")}));
  }
  c.push_back(HostCase("address-conflict on CREATE",
                       with_adapter(host_with({{"spec", {{"ipAddress", "10.0.0.10"}}}}),
                                    "Management Network"))
                  .denied({"address-conflict"})
                  .naming({"10.0.0.10", "192.168.1.10", "'Management Network'"}));
  c.push_back(
      HostCase("adapter-not-found lists the adapters",
               with_adapter(host_with({{"spec", {{"ipAddress", nullptr}}}}), "Mgmt"))
          .denied({"adapter-not-found"})
          .naming({"adapter-not-found: host host-10 (esxi-01.example.com) has no network adapter "
                   "named 'Mgmt'; use one of: 'Management Network', 'vMotion Network'"}));
  c.push_back(
      HostCase(
          "adapter-not-found on a host without adapters",
          with_adapter(host_with({{"spec", {{"id", "host-15"}, {"ipAddress", nullptr}}}}), "Mgmt"))
          .denied({"adapter-not-found"})
          .naming({"host-15", "no adapters", "spec.ipAddress"}));
  c.push_back(
      HostCase(
          "adapter-no-ip",
          with_adapter(host_with({{"spec", {{"id", "host-11"}, {"ipAddress", nullptr}}}}), "NoIP"))
          .denied({"adapter-no-ip", "host-in-maintenance", "host-status-not-green"})
          .naming({"'NoIP'", "host-11"}));
  c.push_back(
      HostCase(
          "adapter-name-repeated uses the first",
          with_adapter(
              host_with(
                  {{"spec",
                    {{"id", "host-11"}, {"name", "esxi-02.example.com"}, {"ipAddress", nullptr}}}}),
              "Management Network"))
          .admitted({"host-in-maintenance", "host-status-not-green", "adapter-name-repeated"})
          .naming({"192.168.1.11"})
          .patched({add("/spec/ipAddress", "192.168.1.11")}));

  // --- UPDATE: address-refreshed vs address-conflict ---------------------------------------
  c.push_back(HostCase("address-refreshed when the inventory IP moved",
                       with_adapter(stale_ip_old, "Management Network"))
                  .update_from(with_adapter(stale_ip_old, "Management Network"))
                  .admitted({"address-refreshed"})
                  .naming({"192.168.1.5", "192.168.1.10", "'Management Network'"})
                  .patched({add("/spec/ipAddress", "192.168.1.10")}));
  c.push_back(HostCase("address-conflict when the user changes the IP",
                       with_adapter(host_with({{"spec", {{"ipAddress", "192.168.1.77"}}}}),
                                    "Management Network"))
                  .update_from(with_adapter(stored_host(), "Management Network"))
                  .denied({"address-conflict"})
                  .naming({"192.168.1.77", "192.168.1.10"}));
  c.push_back(HostCase("address-conflict when the old object had no IP",
                       with_adapter(host_with({{"spec", {{"ipAddress", "192.168.1.77"}}}}),
                                    "Management Network"))
                  .update_from(host_with({{"spec", {{"ipAddress", nullptr}}}}))
                  .denied({"address-conflict"}));

  // --- UPDATE of a stored Host: ratcheting ------------------------------------------------
  // The provider was deleted after the Host was admitted (the CREATE row "provider-not-found"
  // shows the same Host refused when new).
  const json orphan = host_with({{"spec", {{"provider", {{"name", "deleted-provider"}}}}}});
  const json orphan_labelled =
      host_with({{"metadata", {{"labels", {{"team", "a"}}}}},
                 {"spec", {{"provider", {{"name", "deleted-provider"}}}}}});
  c.push_back(HostCase("stored: label-only UPDATE with the provider gone warns", orphan_labelled)
                  .update_from(orphan)
                  .admitted({"provider-not-found"})
                  .naming({"'deleted-provider'"}));
  c.push_back(HostCase("stored: a spec change with the provider gone is still denied",
                       host_with({{"spec",
                                   {{"provider", {{"name", "deleted-provider"}}},
                                    {"ipAddress", "192.168.1.99"}}}}))
                  .update_from(orphan)
                  .denied({"provider-not-found"})
                  .naming({"'deleted-provider'"}));
  c.push_back(HostCase("stored: an adapter annotation change is judged like a new Host",
                       with_adapter(stored_host(), "Mgmt"))
                  .update_from(stored_host())
                  .denied({"adapter-not-found"}));
  c.push_back(HostCase("stored: GC orphaning removes the owner reference, not re-added",
                       host_with({{"metadata", {{"ownerReferences", nullptr}}}}))
                  .update_from(stored_host())
                  .admitted());
  c.push_back(HostCase("stored: a spec change does not re-add a removed owner reference",
                       host_with({{"metadata", {{"ownerReferences", nullptr}}},
                                  {"spec", {{"ipAddress", "10.9.9.9"}}}}))
                  .update_from(stored_host())
                  .admitted({"address-not-on-host"}));
  {
    json deleting = host_with({{"metadata", {{"deletionTimestamp", "2026-01-01T00:00:00Z"}}},
                               {"spec", {{"provider", {{"name", "deleted-provider"}}}}}});
    json with_finalizer = deleting;
    with_finalizer["metadata"]["finalizers"] = {"example.com/cleanup"};
    c.push_back(
        HostCase("stored: finalizer removal during deletion is admitted untouched", deleting)
            .update_from(with_finalizer)
            .admitted());
    c.push_back(
        HostCase("stored: deletion in progress ignores the inventory and its failure policy",
                 set_at(deleting, "/metadata/ownerReferences", nullptr))
            .update_from(with_finalizer)
            .policy({{"inventoryFailure", "defer"}})
            .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
            .admitted());
  }
  c.push_back(
      HostCase("stored: unchanged spec with the inventory down is admitted, not deferred",
               host_with({{"metadata", {{"labels", {{"team", "a"}}}}}}))
          .update_from(stored_host())
          .policy({{"inventoryFailure", "defer"}})
          .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
          .admitted({"inventory-unavailable"}));
  c.push_back(HostCase("stored: malformed is still denied when unchanged",
                       host_with({{"spec", {{"ipAddress", 7}}}}))
                  .update_from(host_with({{"spec", {{"ipAddress", 7}}}}))
                  .denied({"malformed"}, 400));
  c.push_back(HostCase("stored: a Host from before the webhook gets its defaults on a relabel",
                       host_with({{"spec", {{"provider", {{"namespace", nullptr}}}}}}))
                  .update_from(host_with({{"spec", {{"provider", {{"namespace", nullptr}}}}}}))
                  .admitted()
                  .patched({add("/spec/provider/namespace", "demo")}));
  {
    // A kept violation wins over the IP refresh: a changed spec would be judged like a new Host
    // by /validate and refused there.
    json kept = with_adapter(
        host_with({{"spec", {{"ipAddress", "192.168.1.5"}, {"secret", {{"namespace", "other"}}}}}}),
        "Management Network");
    c.push_back(HostCase("stored: a kept violation leaves the stale IP as it is", kept)
                    .update_from(kept)
                    .admitted({"secret-cross-namespace"}));
  }

  // --- secret -----------------------------------------------------------------------------
  c.push_back(HostCase("secret namespace defaulted",
                       host_with({{"spec", {{"secret", {{"namespace", nullptr}}}}}}))
                  .admitted()
                  .patched({add("/spec/secret/namespace", "demo")}));
  c.push_back(HostCase("secret-cross-namespace",
                       host_with({{"spec", {{"secret", {{"namespace", "other"}}}}}}))
                  .denied({"secret-cross-namespace"})
                  .naming({"other/host-secret", "'demo'", "demo/vsphere-provider"}));
  c.push_back(HostCase("cross-namespace secret allowed by policy",
                       host_with({{"spec", {{"secret", {{"namespace", "other"}}}}}}))
                  .policy({{"allowCrossNamespaceSecret", true}})
                  .admitted());
  c.push_back(
      HostCase(
          "cross-namespace secret that is the provider's own",
          host_with({{"metadata",
                      {{"ownerReferences", {owner_ref("shared-secret-provider", "uid-shared")}}}},
                     {"spec",
                      {{"provider", {{"name", "shared-secret-provider"}}},
                       {"secret", {{"name", "vc-secret"}, {"namespace", "vault"}}}}}}))
          .admitted());
  c.push_back(HostCase("secret defaulted to a vCenter provider's secret",
                       host_with({{"spec", {{"secret", nullptr}}}}))
                  .admitted({"vcenter-credentials"})
                  .naming({"vsphere-provider"})
                  .patched({add("/spec/secret", vsphere_secret())}));
  c.push_back(HostCase("empty secret object is defaulted",
                       set_at(stored_host(), "/spec/secret", json::object()))
                  .admitted({"vcenter-credentials"})
                  .patched({add("/spec/secret", vsphere_secret())}));
  c.push_back(
      HostCase("secret with only a namespace is defaulted",
               host_with({{"spec", {{"secret", {{"name", nullptr}, {"namespace", "demo"}}}}}}))
          .admitted({"vcenter-credentials"})
          .patched({add("/spec/secret", vsphere_secret())}));
  c.push_back(HostCase("secret defaulted from an ESXi provider, second owner is not controller",
                       host_with({{"spec",
                                   {{"provider", {{"name", "esxi-provider"}}},
                                    {"id", "ha-host"},
                                    {"name", "esxi-solo.example.com"},
                                    {"ipAddress", "192.168.5.5"},
                                    {"secret", nullptr}}}}))
                  .admitted()
                  .patched({add("/spec/secret", {{"name", "esxi-secret"}, {"namespace", "demo"}}),
                            add("/metadata/ownerReferences/-",
                                owner_ref("esxi-provider", "uid-esxi", false))}));
  c.push_back(
      HostCase("secret-missing: secretDefault never", host_with({{"spec", {{"secret", nullptr}}}}))
          .policy({{"secretDefault", "never"}})
          .denied({"secret-missing"})
          .naming({"never", "spec.secret.name"}));
  c.push_back(HostCase("secret-missing: esxi-only and a vCenter provider",
                       host_with({{"spec", {{"secret", nullptr}}}}))
                  .policy({{"secretDefault", "esxi-only"}})
                  .denied({"secret-missing"})
                  .naming({"vCenter", "demo/vsphere-provider"}));
  c.push_back(
      HostCase("esxi-only defaults an ESXi provider's secret",
               host_with({{"metadata", {{"ownerReferences", nullptr}}},
                          {"spec",
                           {{"provider", {{"name", "esxi-provider"}}},
                            {"id", "ha-host"},
                            {"name", "esxi-solo.example.com"},
                            {"ipAddress", "192.168.5.5"},
                            {"secret", nullptr}}}}))
          .policy({{"secretDefault", "esxi-only"}})
          .admitted()
          .patched({add("/spec/secret", {{"name", "esxi-secret"}, {"namespace", "demo"}}),
                    add("/metadata/ownerReferences", {owner_ref("esxi-provider", "uid-esxi")})}));
  c.push_back(HostCase("a denial does not claim the secret was defaulted",
                       host_with({{"spec", {{"secret", nullptr}, {"ipAddress", nullptr}}}}))
                  .denied({"address-missing"}));
  c.push_back(
      HostCase(
          "no secret default from a provider that is not vSphere",
          host_with({{"spec", {{"provider", {{"name", "ovirt-provider"}}}, {"secret", nullptr}}}}))
          .denied({"provider-not-vsphere"}));
  c.push_back(
      HostCase("secret-missing: provider has no secret",
               host_with({{"metadata", {{"ownerReferences", nullptr}}},
                          {"spec",
                           {{"provider", {{"name", "nosecret-provider"}}}, {"secret", nullptr}}}}))
          .denied({"secret-missing"})
          .naming({"demo/nosecret-provider", "no secret"}));

  // --- owner reference --------------------------------------------------------------------
  c.push_back(
      HostCase("owner reference added", host_with({{"metadata", {{"ownerReferences", nullptr}}}}))
          .admitted()
          .patched(
              {add("/metadata/ownerReferences", {owner_ref("vsphere-provider", "uid-vsphere")})}));
  c.push_back(
      HostCase("owner reference beside another controller",
               host_with({{"metadata", {{"ownerReferences", {owner_ref("app", "uid-app")}}}}}))
          .admitted()
          .patched({add("/metadata/ownerReferences/-",
                        owner_ref("vsphere-provider", "uid-vsphere", false))}));
  c.push_back(HostCase("owner reference disabled by policy",
                       host_with({{"metadata", {{"ownerReferences", nullptr}}}}))
                  .policy({{"ownerReference", false}})
                  .admitted());
  {
    json no_meta = stored_host();
    no_meta.erase("metadata");
    c.push_back(
        HostCase("no metadata: namespace from the request, metadata added", no_meta)
            .admitted()
            .patched({add("/metadata",
                          {{"ownerReferences", {owner_ref("vsphere-provider", "uid-vsphere")}}})}));
  }

  // --- everything derived at once ---------------------------------------------------------
  c.push_back(
      HostCase("minimal manifest gets every field",
               json{{"apiVersion", "forklift.konveyor.io/v1beta1"},
                    {"kind", "Host"},
                    {"metadata",
                     {{"name", "m"},
                      {"namespace", "demo"},
                      {"annotations", {{kAdapterKey, "Management Network"}}}}},
                    {"spec",
                     {{"provider", {{"name", "vsphere-provider"}}},
                      {"name", "esxi-01.example.com"},
                      {"ipAddress", ""},
                      {"secret", json::object()}}}})
          .admitted({"vcenter-credentials"})
          .patched(
              {add("/spec/provider/namespace", "demo"), add("/spec/id", "host-10"),
               add("/spec/ipAddress", "192.168.1.10"), add("/spec/secret", vsphere_secret()),
               add("/metadata/ownerReferences", {owner_ref("vsphere-provider", "uid-vsphere")})}));
  c.push_back(HostCase("no spec: every static denial at once",
                       json{{"apiVersion", "forklift.konveyor.io/v1beta1"},
                            {"kind", "Host"},
                            {"metadata", {{"name", "e"}, {"namespace", "demo"}}}})
                  .denied({"provider-missing", "host-ref-missing", "address-missing"}));
  c.push_back(HostCase("several denials are all reported in table order",
                       with_adapter(host_with({{"spec",
                                                {{"id", "host-99"},
                                                 {"ipAddress", "not an ip"},
                                                 {"secret", {{"namespace", "other"}}}}}}),
                                    "Mgmt"))
                  .denied({"host-not-found", "address-invalid", "secret-cross-namespace"})
                  .naming({"'host-99'", "spaces", "other/host-secret"}));

  // --- inventory answers ------------------------------------------------------------------
  c.push_back(
      HostCase("inventory-stale warned once", stored_host())
          .inventory([](FakeInventory& inv) { inv.provider_stale = inv.hosts_stale = true; })
          .admitted({"inventory-stale"})
          .naming({"demo/vsphere-provider"}));
  c.push_back(
      HostCase("inventory-unavailable under deny", stored_host())
          .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
          .denied({"inventory-unavailable"})
          .naming({"demo/vsphere-provider", "connection refused", "retry"}));
  c.push_back(HostCase("inventory-unavailable for hosts under deny", stored_host())
                  .inventory([](FakeInventory& inv) {
                    inv.hosts_status = LookupStatus::Unavailable;
                    inv.error = "HTTP 500";
                  })
                  .denied({"inventory-unavailable"})
                  .naming({"HTTP 500"}));
  c.push_back(
      HostCase("inventory-unavailable: a listed provider's host lookup timed out", stored_host())
          .inventory([](FakeInventory& inv) {
            inv.hosts_status = LookupStatus::Unavailable;
            inv.hosts_timed_out = true;
            inv.error = "deadline exceeded";
          })
          .denied({"inventory-unavailable"})
          .naming({"deadline exceeded", "may be re-syncing provider demo/vsphere-provider", "10 s",
                   "206"}));
  c.push_back(
      HostCase("inventory-unavailable under allow", stored_host())
          .policy({{"inventoryFailure", "allow"}})
          .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
          .admitted({"inventory-unavailable"})
          .naming({"connection refused"}));
  c.push_back(
      HostCase("inventory-unavailable under allow: nothing derived, static checks stay",
               with_adapter(host_with({{"spec",
                                        {{"ipAddress", nullptr},
                                         {"secret", nullptr},
                                         {"provider", {{"namespace", nullptr}}}}}}),
                            "Management Network"))
          .policy({{"inventoryFailure", "allow"}})
          .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
          .admitted({"inventory-unavailable"})
          .patched({add("/spec/provider/namespace", "demo")}));
  c.back().schema_may_fail = true;
  c.push_back(
      HostCase("inventory-unavailable under allow keeps static denials",
               host_with({{"spec", {{"ipAddress", "http://x"}}}}))
          .policy({{"inventoryFailure", "allow"}})
          .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
          .denied({"address-invalid", "inventory-unavailable"}));
  c.push_back(
      HostCase("inventory-unavailable under defer", stored_host())
          .policy({{"inventoryFailure", "defer"}})
          .inventory([](FakeInventory& inv) { inv.hosts_status = LookupStatus::Unavailable; })
          .deferred());
  c.push_back(
      HostCase("defer does not hide a definite denial",
               host_with({{"spec", {{"ipAddress", nullptr}}}}))
          .policy({{"inventoryFailure", "defer"}})
          .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
          .denied({"address-missing", "inventory-unavailable"}));
  c.push_back(
      HostCase("cross-namespace secret cannot be proven the provider's when it is unknown",
               host_with({{"spec", {{"secret", {{"namespace", "vault"}}}}}}))
          .policy({{"inventoryFailure", "allow"}})
          .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
          .denied({"secret-cross-namespace", "inventory-unavailable"})
          .naming({"vault/host-secret", "provider is unknown"}));
  c.push_back(HostCase("an inventory view that throws is an unavailable inventory", stored_host())
                  .inventory([](FakeInventory& inv) { inv.throw_on_provider = true; })
                  .denied({"inventory-unavailable"})
                  .naming({"exploded"}));

  // --- namespace modes --------------------------------------------------------------------
  const json sandbox_policy = {
      {"namespaces",
       {{{"match", "sandbox-*"}, {"mode", "warn"}}, {{"match", "scratch"}, {"mode", "off"}}}}};
  json sandbox = host_with(
      {{"metadata",
        {{"namespace", "sandbox-a"},
         {"ownerReferences", {owner_ref("vsphere-provider", "uid-sandbox")}}}},
       {"spec",
        {{"provider", {{"namespace", "sandbox-a"}}}, {"secret", {{"namespace", "sandbox-a"}}}}}});
  c.push_back(HostCase("warn mode: denial becomes a warning", with_adapter(sandbox, "Mgmt"))
                  .policy(sandbox_policy)
                  .admitted({"adapter-not-found"})
                  .naming({"'Mgmt'"}));
  {
    json s = sandbox;
    s["spec"]["ipAddress"] = "192.168.1.10:443";
    s["spec"]["secret"] = nullptr;
    c.push_back(HostCase("warn mode: mutations still apply", s)
                    .policy(sandbox_policy)
                    .admitted({"address-invalid", "vcenter-credentials"})
                    .patched({add("/spec/secret",
                                  {{"name", "vsphere-secret"}, {"namespace", "sandbox-a"}})}));
  }
  {
    json p = sandbox_policy;
    p["inventoryFailure"] = "defer";
    c.push_back(
        HostCase("warn mode: a deferred inventory failure is only a warning", sandbox)
            .policy(p)
            .inventory([](FakeInventory& inv) { inv.provider_status = LookupStatus::Unavailable; })
            .admitted({"inventory-unavailable"}));
  }
  c.push_back(HostCase("warn mode: a changed spec of a stored Host warns too",
                       with_adapter(sandbox, "Mgmt"))
                  .update_from(sandbox)
                  .policy(sandbox_policy)
                  .admitted({"adapter-not-found"}));
  c.push_back(HostCase("enforce outside the warn pattern", with_adapter(stored_host(), "Mgmt"))
                  .policy(sandbox_policy)
                  .denied({"adapter-not-found"}));
  {
    json s = host_with({{"metadata", {{"namespace", "scratch"}}}, {"spec", {{"ipAddress", 42}}}});
    c.push_back(HostCase("off mode: nothing checked, nothing patched", s)
                    .policy(sandbox_policy)
                    .admitted());
  }
  c.push_back(
      HostCase("warn mode: malformed still denied",
               host_with({{"metadata", {{"namespace", "sandbox-a"}}}, {"spec", {{"id", 10}}}}))
          .policy(sandbox_policy)
          .denied({"malformed"}, 400)
          .naming({"spec.id must be a string"}));

  // --- malformed --------------------------------------------------------------------------
  c.push_back(HostCase("malformed: object is a string", "a host")
                  .denied({"malformed"}, 400)
                  .naming({"JSON object"}));
  c.push_back(HostCase("malformed: object missing on CREATE", nullptr)
                  .denied({"malformed"}, 400)
                  .naming({"null"}));
  c.push_back(HostCase("spec: null is unset, not malformed", host_with({{"spec", nullptr}}))
                  .denied({"provider-missing", "host-ref-missing", "address-missing"}));
  {
    json h = stored_host();
    h["spec"] = json::array();
    c.push_back(HostCase("malformed: spec is an array", h)
                    .denied({"malformed"}, 400)
                    .naming({"spec must be an object"}));
  }
  c.push_back(
      HostCase("malformed: ipAddress is a number", host_with({{"spec", {{"ipAddress", 192}}}}))
          .denied({"malformed"}, 400)
          .naming({"spec.ipAddress must be a string, got number 192"}));
  c.push_back(HostCase("malformed: provider is a string",
                       host_with({{"spec", {{"provider", "vsphere-provider"}}}}))
                  .denied({"malformed"}, 400)
                  .naming({"spec.provider must be an object"}));
  c.push_back(HostCase("malformed: secret name is a bool",
                       host_with({{"spec", {{"secret", {{"name", true}}}}}}))
                  .denied({"malformed"}, 400)
                  .naming({"spec.secret.name must be a string"}));
  c.push_back(
      HostCase("malformed: annotation value is a number",
               host_with({{"metadata", {{"annotations", {{kAdapterKey, 5}}}}}}))
          .denied({"malformed"}, 400)
          .naming(
              {"metadata.annotations['forklift.konveyor.io/network-adapter'] must be a string"}));
  // Reported once, under its key: "this field" (one problem), not a second, unnamed report.
  c.push_back(
      HostCase("malformed: adapter annotation is a number, reported once",
               host_with({{"metadata", {{"annotations", {{kAdapterKey, 42}}}}}}))
          .denied({"malformed"}, 400)
          .naming({"malformed: metadata.annotations['forklift.konveyor.io/network-adapter'] "
                   "must be a string, got number 42; fix this field in the manifest"}));
  c.push_back(
      HostCase(
          "malformed: every bad field named",
          set_at(
              host_with(
                  {{"spec",
                    {{"id", json::array()}, {"name", 1.5}, {"provider", {{"namespace", false}}}}}}),
              "/metadata/ownerReferences", json::object()))
          .denied({"malformed"}, 400)
          .naming({"spec.id", "spec.name", "spec.provider.namespace", "metadata.ownerReferences"}));

  // --- out of scope -----------------------------------------------------------------------
  c.push_back(HostCase("DELETE is not checked", nullptr).op("DELETE").admitted().out_of_scope());
  c.back().old_object = with_adapter(stored_host(), "Mgmt");
  c.push_back(HostCase("CONNECT is not checked", nullptr).op("CONNECT").admitted().out_of_scope());
  {
    HostCase s("status subresource is not checked",
               host_with({{"spec", {{"ipAddress", nullptr}}}}));
    s.sub_resource = "status";
    s.update_from(stored_host()).admitted().out_of_scope();
    c.push_back(s);
  }
  {
    HostCase s("another resource gets unexpected-resource", json{{"kind", "Provider"}});
    s.resource = "providers";
    s.admitted({"unexpected-resource"})
        .naming({"providers.forklift.konveyor.io", "narrow"})
        .out_of_scope();
    c.push_back(s);
  }
  {
    HostCase s("another group gets unexpected-resource", json{{"kind", "Host"}});
    s.group = "example.com";
    s.admitted({"unexpected-resource"}).naming({"hosts.example.com"}).out_of_scope();
    c.push_back(s);
  }
  return c;
}

}  // namespace hostadm::testing
