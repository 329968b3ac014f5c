// The decision table shared by core_decision_test (exact verdicts) and core_properties_test
// (properties that must hold for every row). One row = one admission request + expectations.
#include "unit/testlib/host_cases.hpp"

#include <vector>

#include <nlohmann/json.hpp>

#include "unit/testlib/host_cases_manifest.hpp"

namespace hostadm::testing {

// One row per rule id (allowed and denied/warned), per operation and per mode.
std::vector<HostCase> host_cases() {
  std::vector<HostCase> c;
  add_manifest_cases(c);
  add_standards_cases(c);

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
      HostCase("inventory-unavailable under allow: a provider found before the failure fills "
               "nothing in",
               host_with({{"spec", {{"secret", nullptr}, {"provider", {{"namespace", nullptr}}}}}}))
          .policy({{"inventoryFailure", "allow"}})
          .inventory([](FakeInventory& inv) { inv.hosts_status = LookupStatus::Unavailable; })
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
