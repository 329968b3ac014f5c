// The decision table's rows for the namespace's standards (allowedProviders, allowedNetworks,
// allowedAdapters, requireSecret, requireVerifiedTls), the `rules:` overrides and the entries
// chosen by namespace label. Namespace `demo` of standard_inventory() throughout.
#include "unit/testlib/host_cases_standards.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hostadm::testing {

// A policy whose one entry, for namespace demo, says `entry`; `top` is the top level's `rules:`.
json demo_entry(json entry, json top) {
  entry["match"] = "demo";
  json doc = {{"namespaces", {entry}}};
  if (!top.is_null()) doc["rules"] = std::move(top);
  return doc;
}

namespace {

json no_ip_with_adapter(const std::string& adapter) {
  return with_adapter(host_with({{"spec", {{"ipAddress", nullptr}}}}), adapter);
}

json ip(const std::string& address) {
  return host_with({{"spec", {{"ipAddress", address}}}});
}

json ipv6_host(const std::string& address) {
  return host_with(
      {{"spec", {{"id", "host-14"}, {"name", "esxi-v6.example.com"}, {"ipAddress", address}}}});
}

void add_provider_and_network_cases(std::vector<HostCase>& c) {
  c.push_back(
      HostCase("provider-not-allowed", stored_host())
          .policy(demo_entry({{"allowedProviders", {"vsphere-prod"}}}))
          .denied({"provider-not-allowed"})
          .naming({"'vsphere-provider'", "'vsphere-prod'", "'demo'", "spec.provider.name"}));
  c.push_back(HostCase("allowedProviders lists the provider", stored_host())
                  .policy(demo_entry({{"allowedProviders", {"vsphere-prod", "vsphere-provider"}}}))
                  .admitted());

  const json v4 = demo_entry({{"allowedNetworks", {"10.0.0.0/8"}}});
  c.push_back(HostCase("address-not-allowed: IPv4 given", stored_host())
                  .policy(v4)
                  .denied({"address-not-allowed"})
                  .naming({"'192.168.1.10'", "10.0.0.0/8", "'demo'"}));
  c.push_back(
      HostCase("allowedNetworks holds the given IPv4", ip("10.0.0.10")).policy(v4).admitted());
  c.push_back(HostCase("address-not-allowed: IPv4 filled in from the adapter",
                       no_ip_with_adapter("Management Network"))
                  .policy(v4)
                  .denied({"address-not-allowed"})
                  .naming({"'192.168.1.10'", "the IP of the adapter 'Management Network'",
                           "name an adapter whose IP is on one of them"}));
  c.push_back(
      HostCase("allowedNetworks holds the adapter's IPv4", no_ip_with_adapter("vMotion Network"))
          .policy(v4)
          .admitted()
          .patched({add("/spec/ipAddress", "10.0.0.10")}));
  const json v6 = demo_entry({{"allowedNetworks", {"10.0.0.0/8", "fd00::/64"}}});
  c.push_back(HostCase("allowedNetworks holds the given IPv6", ipv6_host("[fd00::14]"))
                  .policy(v6)
                  .admitted());
  c.push_back(HostCase("address-not-allowed: IPv6 given", ipv6_host("[fd00::14]"))
                  .policy(demo_entry({{"allowedNetworks", {"fd00:20::/64"}}}))
                  .denied({"address-not-allowed"})
                  .naming({"fd00:20::/64"}));
  c.push_back(HostCase("allowedNetworks holds the adapter's IPv6",
                       with_adapter(host_with({{"spec",
                                                {{"id", "host-14"},
                                                 {"name", "esxi-v6.example.com"},
                                                 {"ipAddress", nullptr}}}}),
                                    "Storage"))
                  .policy(v6)
                  .admitted()
                  .patched({add("/spec/ipAddress", "[fd00::14]")}));
  c.push_back(
      HostCase("address-not-allowed: a host name is in no network", ip("esxi-01.example.com"))
          .policy({{"allowHostnames", true},
                   {"namespaces", {{{"match", "demo"}, {"allowedNetworks", {"192.168.0.0/16"}}}}}})
          .denied({"address-not-allowed"})
          .naming({"host name", "give the ESXi host's IP"}));
  c.push_back(HostCase("an invalid address is not also judged by network", ip("https://esxi-01/"))
                  .policy(v4)
                  .denied({"address-invalid"}));
}

void add_adapter_cases(std::vector<HostCase>& c) {
  const json vmotion = demo_entry({{"allowedAdapters", {"vMotion*"}}});
  c.push_back(HostCase("adapter-not-allowed: the annotation's adapter",
                       no_ip_with_adapter("Management Network"))
                  .policy(vmotion)
                  .denied({"adapter-not-allowed"})
                  .naming({"'Management Network'", "'vMotion*'", kAdapterKey}));
  c.push_back(HostCase("allowedAdapters matches the annotation's adapter",
                       no_ip_with_adapter("vMotion Network"))
                  .policy(vmotion)
                  .admitted()
                  .patched({add("/spec/ipAddress", "10.0.0.10")}));
  c.push_back(HostCase("allowedAdapters: the given IP's adapter matches", ip("10.0.0.10"))
                  .policy(vmotion)
                  .admitted());
  c.push_back(HostCase("adapter-not-allowed: the given IP's adapter", stored_host())
                  .policy(vmotion)
                  .denied({"adapter-not-allowed"})
                  .naming({"'192.168.1.10'", "the adapter 'Management Network'"}));
  c.push_back(HostCase("adapter-not-allowed: an IP no adapter carries", ip("192.168.1.200"))
                  .policy(vmotion)
                  .denied({"adapter-not-allowed", "address-not-on-host"})
                  .naming({"the IP of no adapter of host 'host-10'"}));
  c.push_back(HostCase("allowedAdapters: one of two adapters sharing the IP matches",
                       host_with({{"spec",
                                   {{"id", "host-17"},
                                    {"name", "esxi-dvs.example.com"},
                                    {"ipAddress", "10.2.0.17"}}}}))
                  .policy(demo_entry({{"allowedAdapters", {"dvs-?"}}}))
                  .admitted());
  c.push_back(
      HostCase("allowedAdapters is not judged without the inventory host", stored_host())
          .policy({{"inventoryFailure", "allow"},
                   {"namespaces", {{{"match", "demo"}, {"allowedAdapters", {"vMotion*"}}}}}})
          .inventory([](FakeInventory& inv) { inv.hosts_status = LookupStatus::Unavailable; })
          .admitted({"inventory-unavailable"}));
}

void add_secret_standard_cases(std::vector<HostCase>& c) {
  const json no_secret = host_with({{"spec", {{"secret", nullptr}}}});
  const json require = demo_entry({{"requireSecret", true}});
  c.push_back(HostCase("secret-required: the provider's is not filled in", no_secret)
                  .policy(require)
                  .denied({"secret-required"})
                  .naming({"'demo'", "requireSecret", "spec.secret.name"}));
  c.push_back(HostCase("requireSecret: a given secret", stored_host()).policy(require).admitted());
  c.push_back(HostCase("secret-required with secretDefault never says it once", no_secret)
                  .policy({{"secretDefault", "never"},
                           {"namespaces", {{{"match", "demo"}, {"requireSecret", true}}}}})
                  .denied({"secret-required"}));
  // Rolled out in warn first: the Host keeps getting its provider's Secret, with the warning.
  c.push_back(
      HostCase("secret-required turned to warn still defaults the secret", no_secret)
          .policy(demo_entry({{"requireSecret", true}, {"rules", {{"secret-required", "warn"}}}}))
          .admitted({"secret-required", "vcenter-credentials"})
          .patched({add("/spec/secret", vsphere_secret())}));
  c.push_back(HostCase("secret-required in a mode: warn entry still defaults the secret", no_secret)
                  .policy(demo_entry({{"requireSecret", true}, {"mode", "warn"}}))
                  .admitted({"secret-required", "vcenter-credentials"})
                  .patched({add("/spec/secret", vsphere_secret())}));

  const json tls = demo_entry({{"requireVerifiedTls", true}});
  c.push_back(HostCase("secret-insecure: the given Secret skips verification", stored_host())
                  .policy(tls)
                  .cluster([](FakeCluster& k) { k.skip_tls("demo", "host-secret"); })
                  .denied({"secret-insecure"})
                  .naming({"'demo/host-secret'", "insecureSkipVerify", "ca.crt"}));
  c.push_back(
      HostCase("secret-insecure: the defaulted provider's Secret skips verification", no_secret)
          .policy(tls)
          .cluster([](FakeCluster& k) { k.skip_tls("demo", "vsphere-secret"); })
          .denied({"secret-insecure"})
          .naming({"'demo/vsphere-secret'"}));
  c.push_back(HostCase("requireVerifiedTls: a Secret that verifies", stored_host())
                  .policy(tls)
                  .cluster([](FakeCluster& k) { k.skip_tls("demo", "vsphere-secret"); })
                  .admitted());
  c.push_back(HostCase("requireVerifiedTls says nothing without a cluster view", stored_host())
                  .policy(tls)
                  .admitted());
}

// An UPDATE that leaves a stored Host as it is never locks it: the standard warns. One that
// changes what the rules judge is judged like a CREATE.
void add_standards_ratchet_cases(std::vector<HostCase>& c) {
  const json v4 = demo_entry({{"allowedNetworks", {"10.0.0.0/8"}}});
  c.push_back(HostCase("address-not-allowed on a stored Host kept as it is",
                       host_with({{"metadata", {{"labels", {{"team", "migration"}}}}}}))
                  .update_from(stored_host())
                  .policy(v4)
                  .admitted({"address-not-allowed"}));
  c.push_back(
      HostCase("address-not-allowed on an UPDATE that changes the address", ip("192.168.1.200"))
          .update_from(stored_host())
          .policy(v4)
          .denied({"address-not-allowed", "address-not-on-host"}));
  c.push_back(HostCase("provider-not-allowed on a stored Host kept as it is", stored_host())
                  .update_from(stored_host())
                  .policy(demo_entry({{"allowedProviders", {"vsphere-prod"}}}))
                  .admitted({"provider-not-allowed"}));
}

void add_override_cases(std::vector<HostCase>& c) {
  const json outside = {{"allowedNetworks", {"10.0.0.0/8"}}};
  auto entry_with = [&](json rules) {
    json e = outside;
    e["rules"] = std::move(rules);
    return e;
  };
  c.push_back(HostCase("override deny to warn", stored_host())
                  .policy(demo_entry(entry_with({{"address-not-allowed", "warn"}})))
                  .admitted({"address-not-allowed"}));
  c.push_back(HostCase("override deny to off", stored_host())
                  .policy(demo_entry(entry_with({{"address-not-allowed", "off"}})))
                  .admitted());
  c.push_back(HostCase("top-level override applies to an entry", stored_host())
                  .policy(demo_entry(outside, {{"address-not-allowed", "warn"}}))
                  .admitted({"address-not-allowed"}));
  c.push_back(HostCase("the entry's override beats the top level's", stored_host())
                  .policy(demo_entry(entry_with({{"address-not-allowed", "deny"}}),
                                     {{"address-not-allowed", "off"}}))
                  .denied({"address-not-allowed"}));
  c.push_back(HostCase("the entry's off beats the top level's deny", stored_host())
                  .policy(demo_entry(entry_with({{"address-not-allowed", "off"}}),
                                     {{"address-not-allowed", "deny"}}))
                  .admitted());
  const json maintenance = host_with(
      {{"spec",
        {{"id", "host-11"}, {"name", "esxi-02.example.com"}, {"ipAddress", "192.168.2.11"}}}});
  c.push_back(HostCase("override warn to deny", maintenance)
                  .policy({{"rules", {{"host-in-maintenance", "deny"}}}})
                  .denied({"host-in-maintenance", "host-status-not-green"})
                  .naming({"maintenance mode"}));
  c.push_back(
      HostCase("override a warning to off", maintenance)
          .policy({{"rules", {{"host-in-maintenance", "off"}, {"host-status-not-green", "off"}}}})
          .admitted());
  c.push_back(
      HostCase("inventory-unavailable overridden to warn for one namespace", stored_host())
          .policy(demo_entry({{"rules", {{"inventory-unavailable", "warn"}}}}))
          .inventory([](FakeInventory& inv) { inv.hosts_status = LookupStatus::Unavailable; })
          .admitted({"inventory-unavailable"}));
  c.push_back(
      HostCase("inventory-unavailable overridden to deny under defer", stored_host())
          .policy({{"inventoryFailure", "defer"},
                   {"namespaces",
                    {{{"match", "demo"}, {"rules", {{"inventory-unavailable", "deny"}}}}}}})
          .inventory([](FakeInventory& inv) { inv.hosts_status = LookupStatus::Unavailable; })
          .denied({"inventory-unavailable"}));
  c.push_back(HostCase("unexpected-resource turned off", stored_host())
                  .policy({{"rules", {{"unexpected-resource", "off"}}}})
                  .out_of_scope());
  c.back().resource = "pods";
  c.back().group = "";
}

void add_selector_cases(std::vector<HostCase>& c) {
  const json by_label = {
      {"namespaces",
       {{{"selector", {{"matchLabels", {{"env", "prod"}}}}}, {"allowedNetworks", {"10.0.0.0/8"}}},
        {{"match", "*"}, {"allowedProviders", {"vsphere-dev"}}}}}};
  c.push_back(HostCase("selector entry applies to a labelled namespace", stored_host())
                  .policy(by_label)
                  .cluster([](FakeCluster& k) {
                    k.label("demo", {{"env", "prod"}});
                  })
                  .denied({"address-not-allowed"}));
  c.push_back(HostCase("selector entry passed over for other labels", stored_host())
                  .policy(by_label)
                  .cluster([](FakeCluster& k) {
                    k.label("demo", {{"env", "dev"}});
                  })
                  .denied({"provider-not-allowed"}));
  c.push_back(HostCase("selector entry passed over when the labels are not known", stored_host())
                  .policy(by_label)
                  .cluster()
                  .denied({"provider-not-allowed"}));
  c.push_back(HostCase("selector entry passed over without a cluster view", stored_host())
                  .policy(by_label)
                  .denied({"provider-not-allowed"}));
  const json both = {{"namespaces",
                      {{{"match", "de*"},
                        {"selector", {{"matchLabels", {{"env", "prod"}}}}},
                        {"mode", "warn"},
                        {"allowedNetworks", {"10.0.0.0/8"}}}}}};
  c.push_back(HostCase("match and selector both fit: the entry's warn mode", stored_host())
                  .policy(both)
                  .cluster([](FakeCluster& k) {
                    k.label("demo", {{"env", "prod"}});
                  })
                  .admitted({"address-not-allowed"}));
  json other = both;
  other["namespaces"][0]["match"] = "prod-*";
  c.push_back(HostCase("selector fits but match does not", stored_host())
                  .policy(other)
                  .cluster([](FakeCluster& k) {
                    k.label("demo", {{"env", "prod"}});
                  })
                  .admitted());
}

}  // namespace

void add_standards_cases(std::vector<HostCase>& c) {
  add_provider_and_network_cases(c);
  add_adapter_cases(c);
  add_secret_standard_cases(c);
  add_standards_ratchet_cases(c);
  add_override_cases(c);
  add_selector_cases(c);
}

}  // namespace hostadm::testing
