// The rules that need the Forklift inventory: the provider, the host by id or name, the host's
// state and network adapters; and what an inventory failure does under the policy.
#include <algorithm>
#include <string>
#include <vector>

#include "webhook/core/address.hpp"
#include "webhook/core/decider.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm::detail {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first

void Decider::inventory_failed(const std::string& error) {
  inventory_down_ = true;
  std::string text = "could not ask the Forklift inventory about provider " + provider_label() +
                     ": " + (error.empty() ? "no answer" : error);
  switch (effective_.inventory_failure()) {
    case FailurePolicy::Allow:
      warn(rule::kInventoryUnavailable,
           text + "; admitted without inventory checks (policy inventoryFailure: allow)");
      break;
    case FailurePolicy::Deny:
    case FailurePolicy::Defer:
      deny(rule::kInventoryUnavailable,
           text +
               "; retry, or ask the cluster admin to check the inventory service and the "
               "webhook's access to it");
      break;
  }
}

void Decider::note_stale(const std::string& error) {
  if (stale_noted_) return;
  stale_noted_ = true;
  warn(rule::kInventoryStale, "inventory unreachable, used an expired cached answer for " +
                                  provider_label() + (error.empty() ? "" : " (" + error + ")"));
}

void Decider::lookup_inventory() {
  if (spec().provider.name.empty() || (!spec().provider.ns.empty() && spec().provider.ns != ns_))
    return;
  // The host list of an unusable provider proves nothing; its own denial says what to fix.
  if (!lookup_provider() || (spec().id.empty() && spec().name.empty())) return;
  const bool by_id = !spec().id.empty();
  const HostsLookup hl = ask_hosts(by_id);
  if (!hosts_answered(hl)) return;
  static const std::vector<HostInfo> kNone;
  const std::vector<HostInfo>& found = hl.hosts ? *hl.hosts : kNone;
  if (by_id) {
    resolve_host_by_id(found);
  } else {
    resolve_host_by_name(found);
  }
}

bool Decider::lookup_provider() {
  ProviderLookup pl;
  try {
    pl = inventory_.provider(ns_, spec().provider.name);
  } catch (const std::exception& e) {
    pl = ProviderLookup{};
    pl.error = e.what();
  }
  if (pl.stale) note_stale(pl.error);
  switch (pl.status) {
    case LookupStatus::Unavailable:
      inventory_failed(pl.error);
      return false;
    case LookupStatus::NotFound:
      deny_provider_not_found();
      return false;
    case LookupStatus::NotReady:
      deny_not_synced(pl.error);
      return false;
    case LookupStatus::Ok:
      break;
  }
  if (!pl.provider) {
    inventory_failed("the inventory answered without the provider");
    return false;
  }
  provider_ = std::move(pl.provider);
  return provider_usable();
}

void Decider::deny_provider_not_found() {
  // The inventory lists only providers Forklift has validated: absent from it is not absent
  // from the cluster.
  deny(rule::kProviderNotFound,
       "the Forklift inventory lists no provider named " + q(spec().provider.name) +
           " in namespace " + q(ns_) +
           ". Either it does not exist: check spec.provider.name against `kubectl get "
           "providers -n " +
           shown(ns_) +
           "`; or it exists but Forklift has not validated it yet (new, just edited, wrong "
           "credentials, or the inventory restarted): its Ready condition says why "
           "(`kubectl get provider " +
           shown(spec().provider.name) + " -n " + shown(ns_) +
           " -o jsonpath='{.status.conditions}'`); apply again once it is Ready");
}

void Decider::deny_not_synced(const std::string& error) {
  deny(rule::kProviderNotReady,
       "the Forklift inventory has not synced provider " + provider_label() + " yet" +
           (error.empty() ? "" : " (" + error + ")") + "; wait for the sync and apply again");
}

// Both problems are reported: a provider of another type that is also not ready needs both fixed.
bool Decider::provider_usable() {
  bool usable = true;
  if (provider_->type != "vsphere"sv) {
    deny(rule::kProviderNotVsphere,
         "provider " + provider_label() + " has type " + q(provider_->type) +
             "; only vSphere providers can have Hosts: point spec.provider at a vsphere provider");
    usable = false;
  }
  if (!provider_->ready) {
    deny(rule::kProviderNotReady,
         "provider " + provider_label() + " is not ready (" +
             (provider_->not_ready_reason.empty() ? "no reason given"
                                                  : provider_->not_ready_reason) +
             "); fix the Provider until its Ready condition is True, then apply again");
    usable = false;
  }
  return usable;
}

HostsLookup Decider::ask_hosts(bool by_id) {
  try {
    return by_id ? inventory_.host_by_id(*provider_, spec().id)
                 : inventory_.hosts_by_name(*provider_, spec().name);
  } catch (const std::exception& e) {
    HostsLookup failed;
    failed.error = e.what();
    return failed;
  }
}

bool Decider::hosts_answered(const HostsLookup& hl) {
  if (hl.stale) note_stale(hl.error);
  hosts_ = hl.hosts;
  switch (hl.status) {
    case LookupStatus::Unavailable:
      // The provider is listed, so its collector exists: an inventory that keeps a host lookup
      // waiting is most likely re-syncing it (it holds such requests up to 10 s, then says 206).
      inventory_failed(hl.timed_out ? hl.error + "; the inventory may be re-syncing provider " +
                                          provider_label() +
                                          " (while it does, it waits up to 10 s before "
                                          "answering 206 not-synced)"
                                    : hl.error);
      return false;
    case LookupStatus::NotReady:
      deny_not_synced(hl.error);
      return false;
    case LookupStatus::NotFound:
    case LookupStatus::Ok:
      break;
  }
  return true;
}

std::string Decider::list_hosts_hint() const {
  return "list them with `kubectl mtv get inventory hosts -p " + shown(spec().provider.name) +
         " -n " + shown(ns_) + "`";
}

void Decider::resolve_host_by_id(const std::vector<HostInfo>& found) {
  // The inventory answers the one host with that id; anything else it sent is not it.
  auto it = std::find_if(found.begin(), found.end(),
                         [&](const HostInfo& host) { return host.id == spec().id; });
  if (it == found.end()) {
    deny(rule::kHostNotFound, "provider " + provider_label() + " has no host with id " +
                                  q(spec().id) + " in the Forklift inventory; check spec.id (" +
                                  list_hosts_hint() + ")");
    return;
  }
  if (spec().name.empty() && !it->name.empty()) mutate({"spec", "name"}, it->name);
  check_host(*it);
}

void Decider::resolve_host_by_name(const std::vector<HostInfo>& found) {
  // As Forklift resolves a name: the last segment by equality, then the datacenter filter.
  std::vector<const HostInfo*> candidates;
  std::vector<std::string> paths;
  for (const auto& host : found) {
    if (last_path_segment(host.name) != last_path_segment(spec().name)) continue;
    candidates.push_back(&host);
    paths.push_back(host_path(host));
  }
  std::vector<const HostInfo*> matches;
  for (size_t k : datacenter_filter(spec().name, paths)) matches.push_back(candidates[k]);
  if (matches.empty()) {
    deny(rule::kHostNotFound, "provider " + provider_label() + " has no host named " +
                                  q(last_path_segment(spec().name)) +
                                  " in the Forklift inventory; check spec.name, or set spec.id (" +
                                  list_hosts_hint() + ")");
    return;
  }
  if (matches.size() > 1) {
    deny_ambiguous_name(matches);
    return;
  }
  if (!matches.front()->id.empty()) mutate({"spec", "id"}, matches.front()->id);
  check_host(*matches.front());
}

void Decider::deny_ambiguous_name(const std::vector<const HostInfo*>& matches) {
  std::string ids;
  for (const HostInfo* m : matches) {
    std::string where = host_path(*m);
    ids += (ids.empty() ? "" : ", ") + m->id + (where.empty() ? "" : " at " + shown(where));
  }
  const std::string dc = datacenter_of(spec().name);
  deny(rule::kHostAmbiguous,
       std::to_string(matches.size()) + " hosts of provider " + provider_label() + " are named " +
           q(last_path_segment(spec().name)) + (dc.empty() ? "" : " in datacenter " + q(dc)) +
           " (ids: " + ids + "); set spec.id to the one you mean" +
           (dc.empty() ? ", or give spec.name as a path starting with its datacenter "
                         "(/DATACENTER/host/...)"
                       : ""));
}

void Decider::check_host(const HostInfo& host) {
  host_ = &host;
  if (cluster_) {
    host_resolved_ = true;
    host_id_ = host.id;
    host_thumbprint_ = host.thumbprint;
    final_ip_ = spec().ip_address;
  }
  if (host.in_maintenance)
    warn(rule::kHostInMaintenance,
         "host " + host.id +
             " is in maintenance mode: Forklift will not mark this Host Ready while it is, so "
             "disk transfers go through vCenter instead of this host until it leaves maintenance");
  if (host.status == "red"sv) {
    warn(rule::kHostStatusNotGreen,
         "host " + host.id +
             " has status 'red' in vSphere: Forklift marks this Host NotHealthy and never Ready, "
             "so disk transfers go through vCenter instead of this host; fix the host's health "
             "in vSphere");
  } else if (host.status != "green"sv) {
    warn(rule::kHostStatusNotGreen,
         "host " + host.id +
             (host.status.empty() ? " reports no status in vSphere"
                                  : " has status " + q(host.status) + " in vSphere") +
             ": Forklift flags this Host HostStatusNotGreen; check the host's health before "
             "migrating");
  }
  if (!adapter_.empty()) {
    check_adapter(host);
    return;
  }
  // A DNS name cannot be compared offline.
  if (spec().ip_address.empty() ||
      !address_problem(spec().ip_address, policy_.allow_hostnames).empty() ||
      !is_ip_literal(unbracketed(spec().ip_address)))
    return;
  bool on_host = std::any_of(host.adapters.begin(), host.adapters.end(), [&](const Adapter& a) {
    return same_address(a.ip_address, spec().ip_address);
  });
  if (!on_host)
    warn(rule::kAddressNotOnHost, "spec.ipAddress " + shown(spec().ip_address) +
                                      " is not an adapter IP of host " + host.id +
                                      " (fine for a load balancer)");
}

void Decider::check_adapter(const HostInfo& host) {
  std::vector<const Adapter*> matches;
  for (const auto& a : host.adapters)
    if (a.name == adapter_) matches.push_back(&a);
  if (matches.empty()) {
    deny_adapter_not_found(host);
    return;
  }
  // Equal to any adapter of that name is consistent: a stored, already mutated Host looks like
  // that, and on a distributed switch every vmk carries the switch's name.
  if (!spec().ip_address.empty() &&
      std::any_of(matches.begin(), matches.end(), [&](const Adapter* a) {
        return !a->ip_address.empty() && same_address(spec().ip_address, a->ip_address);
      }))
    return;
  const Adapter& adapter = *matches.front();
  if (adapter.ip_address.empty()) {
    deny(rule::kAdapterNoIp, "network adapter " + q(adapter.name) + " of host " + host_label(host) +
                                 " has no IP address in the inventory; choose another adapter "
                                 "or set spec.ipAddress and remove the annotation " +
                                 policy_.adapter_annotation);
    return;
  }
  // The address as spec.ipAddress must hold it (an IPv6 one in brackets).
  const std::string adapter_ip = spec_address(adapter.ip_address);
  if (spec().ip_address.empty()) {
    fill_ip_from_adapter(host, matches, adapter_ip);
    return;
  }
  if (phase_ == Phase::Mutate && adapter_ip_is_stale()) {
    fill_ip_from_adapter(host, matches, adapter_ip);
    warn(rule::kAddressRefreshed, "adapter " + q(adapter.name) + " of host " + host.id +
                                      " now has IP " + adapter_ip +
                                      "; spec.ipAddress updated from " + shown(spec().ip_address));
    return;
  }
  deny_address_conflict(host, matches);
}

void Decider::deny_adapter_not_found(const HostInfo& host) {
  std::vector<std::string> names;
  for (const auto& a : host.adapters)
    if (std::find(names.begin(), names.end(), a.name) == names.end()) names.push_back(a.name);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + q(n);
  deny(rule::kAdapterNotFound,
       "host " + host_label(host) + " has no network adapter named " + q(adapter_) +
           (names.empty() ? "; the inventory lists no adapters for it: set spec.ipAddress and "
                            "remove the annotation " +
                                policy_.adapter_annotation
                          : "; use one of: " + list));
}

// An unchanged IP that the inventory moved away from, on the same adapter, is stale, not the
// user's choice. A user who adds the annotation or names another adapter chose both values, and
// they conflict. Only /mutate may follow it; /validate seeing it means no mutating webhook
// refreshed it.
bool Decider::adapter_ip_is_stale() const {
  if (req_.operation != "UPDATE"sv) return false;
  const std::string_view old_ip = req_.old_object.spec.ip_address;
  return !old_ip.empty() && old_ip == spec().ip_address &&
         req_.old_object.annotation_text(policy_.adapter_annotation) == adapter_;
}

void Decider::fill_ip_from_adapter(const HostInfo& host, const std::vector<const Adapter*>& matches,
                                   const std::string& adapter_ip) {
  // Said only when the first adapter's IP is used: a conflict is about all of them.
  if (matches.size() > 1)
    warn(rule::kAdapterNameRepeated,
         std::to_string(matches.size()) + " adapters of host " + host.id + " are named " +
             q(matches.front()->name) +
             " (a distributed switch gives every vmk on it the switch's name); used the first (" +
             adapter_ip + "), as kubectl mtv does; set spec.ipAddress to pick another");
  filled_ip_ = adapter_ip;
  mutate({"spec", "ipAddress"}, adapter_ip);
  if (cluster_) final_ip_ = adapter_ip;
}

void Decider::deny_address_conflict(const HostInfo& host,
                                    const std::vector<const Adapter*>& matches) {
  std::string ips;
  for (const Adapter* a : matches)
    if (!a->ip_address.empty()) ips += (ips.empty() ? "" : ", ") + spec_address(a->ip_address);
  deny(rule::kAddressConflict,
       "spec.ipAddress is " + shown(spec().ip_address) + " but network adapter " +
           q(matches.front()->name) + " of host " + host_label(host) +
           (matches.size() > 1 ? " has IPs " : " has IP ") + ips +
           "; remove spec.ipAddress to use the adapter's IP, or remove the annotation " +
           policy_.adapter_annotation + " to use " + shown(spec().ip_address));
}

}  // namespace hostadm::detail
