// An in-memory InventoryView for core tests: a map of providers and host indexes, plus switches
// for the inventory's failure answers. Deliberately independent of fixture.cpp, so the decision
// core's tests only depend on the decision core.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "webhook/core/inventory.hpp"

namespace hostadm::testing {

class FakeInventory : public InventoryView {
 public:
  std::map<std::pair<std::string, std::string>, ProviderInfo> providers;  // (ns, name)
  std::map<std::string, std::shared_ptr<const HostIndex>> hosts_by_uid;
  std::set<std::string> unsynced;  // provider uids whose hosts answer NotReady (206)

  // Failure switches.
  std::optional<LookupStatus> provider_status;  // forces the provider answer's status
  std::optional<LookupStatus> hosts_status;     // forces the hosts answer's status
  std::string error = "connection refused";
  bool provider_stale = false;
  bool hosts_stale = false;
  bool hosts_timed_out = false;  // with hosts_status Unavailable: the lookup hit its deadline
  bool throw_on_provider = false;

  int provider_calls = 0;
  int hosts_calls = 0;

  void add_provider(ProviderInfo p, std::vector<HostInfo> hosts = {});

  ProviderLookup provider(const std::string& ns, const std::string& name) override;
  HostsLookup host_by_id(const ProviderInfo& provider, const std::string& id) override;
  // Last name segment only: the decision core applies the datacenter filter itself.
  HostsLookup hosts_by_name(const ProviderInfo& provider, const std::string& name) override;

 private:
  template <class Find>
  HostsLookup lookup(const ProviderInfo& provider, Find find);
};

ProviderInfo make_provider(const std::string& ns, const std::string& name, const std::string& uid);

HostInfo make_host(const std::string& id, const std::string& name, std::vector<Adapter> adapters,
                   const std::string& status = "green", bool in_maintenance = false);

// The inventory every core test starts from (namespace demo, plus sandbox-a for warn mode).
FakeInventory standard_inventory();

}  // namespace hostadm::testing
