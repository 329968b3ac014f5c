// The decision table's rows about the manifest itself: provider, host reference, address,
// adapter, and UPDATEs of stored Hosts (host_cases.hpp adds the rest, in this order).
#include "unit/testlib/host_cases_manifest.hpp"

#include <vector>

#include <nlohmann/json.hpp>

namespace hostadm::testing {

void add_manifest_cases(std::vector<HostCase>& c) {
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
  // host-11 has two adapters named "Management Network": the refresh takes the first, and says so.
  c.push_back(HostCase("address-refreshed to the first of repeated adapter names",
                       with_adapter(host_with({{"spec",
                                                {{"id", "host-11"},
                                                 {"name", "esxi-02.example.com"},
                                                 {"ipAddress", "192.168.1.5"}}}}),
                                    "Management Network"))
                  .update_from(with_adapter(host_with({{"spec",
                                                        {{"id", "host-11"},
                                                         {"name", "esxi-02.example.com"},
                                                         {"ipAddress", "192.168.1.5"}}}}),
                                            "Management Network"))
                  .admitted({"host-in-maintenance", "host-status-not-green",
                             "adapter-name-repeated", "address-refreshed"})
                  .naming({"192.168.1.11", "192.168.1.5"})
                  .patched({add("/spec/ipAddress", "192.168.1.11")}));
  c.push_back(HostCase("address-conflict when the user changes the IP",
                       with_adapter(host_with({{"spec", {{"ipAddress", "192.168.1.77"}}}}),
                                    "Management Network"))
                  .update_from(with_adapter(stored_host(), "Management Network"))
                  .denied({"address-conflict"})
                  .naming({"192.168.1.77", "192.168.1.10"}));
  c.push_back(HostCase("address-conflict when the update adds the annotation",
                       with_adapter(stale_ip_old, "Management Network"))
                  .update_from(stale_ip_old)
                  .denied({"address-conflict"})
                  .naming({"192.168.1.5", "192.168.1.10"}));
  c.push_back(HostCase("address-conflict when the update names another adapter",
                       with_adapter(stale_ip_old, "Management Network"))
                  .update_from(with_adapter(stale_ip_old, "vMotion"))
                  .denied({"address-conflict"})
                  .naming({"192.168.1.5", "192.168.1.10"}));
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
}

}  // namespace hostadm::testing
