// The in-memory InventoryView of the core tests (fake_inventory.hpp).
#include "unit/testlib/fake_inventory.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hostadm::testing {

void FakeInventory::add_provider(ProviderInfo p, std::vector<HostInfo> hosts) {
  hosts_by_uid[p.uid] = HostIndex::build(std::move(hosts));
  auto key = std::make_pair(p.ns, p.name);
  providers[key] = std::move(p);
}

ProviderLookup FakeInventory::provider(const std::string& ns, const std::string& name) {
  ++provider_calls;
  if (throw_on_provider) throw std::runtime_error("inventory view exploded");
  ProviderLookup out;
  out.stale = provider_stale;
  if (provider_status && *provider_status != LookupStatus::Ok) {
    out.status = *provider_status;
    out.error = error;
    return out;
  }
  auto it = providers.find({ns, name});
  if (it == providers.end()) {
    out.status = LookupStatus::NotFound;
    return out;
  }
  out.status = LookupStatus::Ok;
  out.provider = std::make_shared<const ProviderInfo>(it->second);
  return out;
}

HostsLookup FakeInventory::host_by_id(const ProviderInfo& provider, const std::string& id) {
  return lookup(provider, [&](const HostIndex& index) {
    std::vector<HostInfo> out;
    if (const HostInfo* h = index.find_id(id)) out.push_back(*h);
    return out;
  });
}

HostsLookup FakeInventory::hosts_by_name(const ProviderInfo& provider, const std::string& name) {
  return lookup(provider, [&](const HostIndex& index) {
    std::vector<HostInfo> out;
    for (const HostInfo* h : index.find_name(name)) out.push_back(*h);
    return out;
  });
}

template <class Find>
HostsLookup FakeInventory::lookup(const ProviderInfo& provider, Find find) {
  ++hosts_calls;
  HostsLookup out;
  out.stale = hosts_stale;
  if (hosts_status && *hosts_status != LookupStatus::Ok) {
    out.status = *hosts_status;
    out.error = error;
    out.timed_out = hosts_timed_out;
    return out;
  }
  if (unsynced.count(provider.uid) != 0) {
    out.status = LookupStatus::NotReady;
    out.error = "206 Partial Content";
    return out;
  }
  auto it = hosts_by_uid.find(provider.uid);
  if (it == hosts_by_uid.end()) {
    out.status = LookupStatus::NotReady;
    out.error = "404 ProviderNotFound";
    return out;
  }
  out.status = LookupStatus::Ok;
  out.hosts = std::make_shared<const std::vector<HostInfo>>(find(*it->second));
  return out;
}

ProviderInfo make_provider(const std::string& ns, const std::string& name, const std::string& uid) {
  ProviderInfo p;
  p.ns = ns;
  p.name = name;
  p.uid = uid;
  return p;
}

HostInfo make_host(const std::string& id, const std::string& name, std::vector<Adapter> adapters,
                   const std::string& status, bool in_maintenance) {
  HostInfo h;
  h.id = id;
  h.name = name;
  h.status = status;
  h.in_maintenance = in_maintenance;
  h.adapters = std::move(adapters);
  if (name.find('/') != std::string::npos) h.path = name;
  return h;
}

FakeInventory standard_inventory() {
  FakeInventory inv;
  auto vsphere = make_provider("demo", "vsphere-provider", "uid-vsphere");
  vsphere.secret = ObjectRef{"vsphere-secret", "demo"};
  inv.add_provider(
      vsphere,
      {make_host("host-10", "esxi-01.example.com",
                 {{"Management Network", "192.168.1.10"}, {"vMotion Network", "10.0.0.10"}}),
       make_host("host-11", "/DC1/host/Cluster1/esxi-02.example.com",
                 {{"Management Network", "192.168.1.11"},
                  {"Management Network", "192.168.2.11"},
                  {"NoIP", ""}},
                 "yellow", true),
       make_host("host-12", "/DC1/host/A/dup.example.com",
                 {{"Management Network", "192.168.1.12"}}),
       make_host("host-13", "/DC1/host/B/dup.example.com",
                 {{"Management Network", "192.168.1.13"}}),
       make_host("host-14", "esxi-v6.example.com", {{"Storage", "fd00::14"}}),
       make_host("host-15", "bare.example.com", {}),
       make_host("host-16", "/DC2/host/C/dup.example.com",
                 {{"Management Network", "192.168.1.16"}}),
       // vmk0 on a standard switch, vmk1 and vmk2 on distributed switch dvs-1: both carry its
       // name.
       make_host("host-17", "esxi-dvs.example.com",
                 {{"dvs-1", "10.1.0.17"},
                  {"dvs-1", "10.2.0.17"},
                  {"Management Network", "192.168.1.17"}}),
       make_host("host-18", "esxi-red.example.com", {{"Management Network", "192.168.1.18"}},
                 "red"),
       make_host("host-19", "esxi-nostatus.example.com", {{"Management Network", "192.168.1.19"}},
                 "")});

  auto esxi = make_provider("demo", "esxi-provider", "uid-esxi");
  esxi.sdk_endpoint = "esxi";
  esxi.secret = ObjectRef{"esxi-secret", "demo"};
  inv.add_provider(esxi, {make_host("ha-host", "esxi-solo.example.com",
                                    {{"Management Network", "192.168.5.5"}})});

  auto ovirt = make_provider("demo", "ovirt-provider", "uid-ovirt");
  ovirt.type = "ovirt";
  inv.add_provider(ovirt);

  auto not_ready = make_provider("demo", "notready-provider", "uid-notready");
  not_ready.ready = false;
  not_ready.not_ready_reason = "the vCenter rejected the credentials";
  not_ready.secret = ObjectRef{"vsphere-secret", "demo"};
  inv.add_provider(not_ready);

  auto unsynced = make_provider("demo", "unsynced-provider", "uid-unsynced");
  unsynced.secret = ObjectRef{"vsphere-secret", "demo"};
  inv.add_provider(unsynced);
  inv.unsynced.insert("uid-unsynced");

  auto no_secret = make_provider("demo", "nosecret-provider", "uid-nosecret");
  inv.add_provider(no_secret, {make_host("host-10", "esxi-01.example.com",
                                         {{"Management Network", "192.168.1.10"}})});

  // Its secret lives in another namespace: a Host may still reference exactly that secret.
  auto shared = make_provider("demo", "shared-secret-provider", "uid-shared");
  shared.secret = ObjectRef{"vc-secret", "vault"};
  inv.add_provider(shared, {make_host("host-10", "esxi-01.example.com",
                                      {{"Management Network", "192.168.1.10"}})});

  auto sandbox = make_provider("sandbox-a", "vsphere-provider", "uid-sandbox");
  sandbox.secret = ObjectRef{"vsphere-secret", "sandbox-a"};
  inv.add_provider(sandbox, {make_host("host-10", "esxi-01.example.com",
                                       {{"Management Network", "192.168.1.10"}})});
  return inv;
}

}  // namespace hostadm::testing
