// A fixture as an InventoryView: what the webhook would read from the same fixture served by
// `host-harness serve-inventory`, without the network.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "webhook/core/fixture.hpp"

namespace hostadm {

FixtureInventory::FixtureInventory(std::shared_ptr<const Fixture> fixture,
                                   std::chrono::milliseconds budget)
    : fixture_(std::move(fixture)), budget_(budget) {}

ProviderLookup FixtureInventory::provider(const std::string& ns, const std::string& name) {
  ProviderLookup out;
  for (const auto& p : fixture_->providers) {
    if (p.validated && p.info.ns == ns && p.info.name == name) {
      out.status = LookupStatus::Ok;
      out.provider = std::make_shared<const ProviderInfo>(p.info);
      return out;
    }
  }
  out.status = LookupStatus::NotFound;
  return out;
}

const FixtureProvider* FixtureInventory::host_routes(const ProviderInfo& provider,
                                                     HostsLookup& out) const {
  const FixtureProvider* p = find_provider_by_uid(*fixture_, provider.uid);
  // The real inventory serves hosts under /providers/vsphere only: another type is unknown there.
  if (!p || p->info.type != "vsphere" || !p->validated) {
    out.status = LookupStatus::NotReady;
    out.error =
        "inventory has no vsphere provider with uid " + provider.uid + " (404 ProviderNotFound)";
    return nullptr;
  }
  if (!p->synced) {
    const auto wait = p->sync_delay;
    if (wait >= budget_) {
      out.status = LookupStatus::Unavailable;
      out.timed_out = true;
      out.error = "deadline exceeded (no answer within " + std::to_string(budget_.count()) +
                  " ms; the fixture's provider answers 206 after " + std::to_string(wait.count()) +
                  " ms)";
    } else {
      out.status = LookupStatus::NotReady;
      out.error = "inventory has not synced provider " + p->info.ns + "/" + p->info.name + " (206)";
    }
    return nullptr;
  }
  return p;
}

HostsLookup FixtureInventory::host_by_id(const ProviderInfo& provider, const std::string& id) {
  HostsLookup out;
  const FixtureProvider* p = host_routes(provider, out);
  if (!p) return out;
  auto hosts = std::make_shared<std::vector<HostInfo>>();
  if (const HostInfo* h = p->index->find_id(id)) hosts->push_back(*h);
  out.status = LookupStatus::Ok;
  out.hosts = std::move(hosts);
  return out;
}

HostsLookup FixtureInventory::hosts_by_name(const ProviderInfo& provider, const std::string& name) {
  HostsLookup out;
  const FixtureProvider* p = host_routes(provider, out);
  if (!p) return out;
  auto candidates = p->index->find_name(name);
  std::vector<std::string> paths;
  for (const HostInfo* h : candidates) paths.push_back(host_path(*h));
  auto hosts = std::make_shared<std::vector<HostInfo>>();
  for (size_t k : datacenter_filter(name, paths)) hosts->push_back(*candidates[k]);
  out.status = LookupStatus::Ok;
  out.hosts = std::move(hosts);
  return out;
}

}  // namespace hostadm
