// What the decision core may ask the Forklift inventory, and nothing else. Implementations:
// FixtureInventory (in-process, webhook/core/fixture.hpp) and the cached HTTP client
// (webhook/inventory/). The core never sees HTTP, files or the clock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace hostadm {

struct ObjectRef {
  std::string name;
  std::string ns;
  bool empty() const { return name.empty() && ns.empty(); }
  bool operator==(const ObjectRef& o) const { return name == o.name && ns == o.ns; }
};

struct ProviderInfo {
  std::string name;
  std::string ns;
  std::string uid;
  std::string type = "vsphere";
  std::string sdk_endpoint = "vcenter";  // vcenter | esxi
  // Ready as the inventory's copy says: phase Ready, a True Ready condition and no True condition
  // of category Critical or Error (the copy can keep a stale Ready next to a blocker).
  bool ready = true;
  std::string not_ready_reason;  // why not, from the phase and the conditions
  std::optional<ObjectRef> secret;
};

struct Adapter {
  std::string name;
  std::string ip_address;
};

struct HostInfo {
  std::string id;
  std::string name;
  std::string path;    // inventory path (/DC1/host/Cluster1/esxi-01); "" when not known
  std::string status;  // green | yellow | red | gray | "" (unknown)
  bool in_maintenance = false;
  std::string thumbprint;  // the certificate's SHA-1, "AA:BB:..."; "" when the inventory has none
  std::vector<Adapter> adapters;  // inventory order: first match wins
};

// A provider's host list indexed by id and by last name segment: the in-process fixture answers
// its lookups from one.
struct HostIndex {
  std::vector<HostInfo> hosts;
  std::unordered_map<std::string, size_t> by_id;
  // keyed by the last '/'-separated segment of the inventory name
  std::unordered_map<std::string, std::vector<size_t>> by_name;

  static std::shared_ptr<const HostIndex> build(std::vector<HostInfo> hosts);
  const HostInfo* find_id(const std::string& id) const;
  // matches the last path segment of `name`; may return several
  std::vector<const HostInfo*> find_name(const std::string& name) const;
};

std::string last_path_segment(const std::string& name);

// How Forklift resolves a name that matched several hosts: when the name holds a '/', only the
// hosts whose path starts with the same datacenter (the first segment) are kept. Takes the
// matches' paths and returns the indices kept; fewer than two matches, or a plain name, keep all.
std::vector<size_t> datacenter_filter(const std::string& name,
                                      const std::vector<std::string>& paths);
// The datacenter a name or path starts with ("DC1" for /DC1/host/x); "" without a '/'.
std::string datacenter_of(const std::string& name);
// The path Forklift reports for a host: its `path`, else its name when that is a path.
std::string host_path(const HostInfo& host);

enum class LookupStatus {
  Ok,
  NotFound,     // provider not in the namespace's list
  NotReady,     // 206 (not synced) or 404 X-Reason: ProviderNotFound
  Unavailable,  // could not ask in time: transport error, 5xx, 401/403, deadline
};

struct ProviderLookup {
  LookupStatus status = LookupStatus::Unavailable;
  // Set when Ok. Shared, not copied: a cached provider is read by every admission.
  std::shared_ptr<const ProviderInfo> provider;
  bool stale = false;      // served from an expired cache entry after a failure
  bool timed_out = false;  // Unavailable because the inventory did not answer in time
  std::string error;       // the cause, when Unavailable/NotReady (no secrets)
};

// One host lookup: by id (0 or 1 host) or by name (every host whose last name segment matches).
struct HostsLookup {
  LookupStatus status = LookupStatus::Unavailable;
  std::shared_ptr<const std::vector<HostInfo>> hosts;  // set when Ok; empty: no such host
  bool stale = false;
  bool timed_out = false;
  std::string error;
};

// One view per admission request; an implementation may bind the request's deadline. A provider
// is looked up in the namespace's listing, then read whole; a host is looked up by id or by name,
// never by reading the provider's whole host list (about 10 KB per host at full detail).
class InventoryView {
 public:
  virtual ~InventoryView() = default;
  virtual ProviderLookup provider(const std::string& ns, const std::string& name) = 0;
  virtual HostsLookup host_by_id(const ProviderInfo& provider, const std::string& id) = 0;
  virtual HostsLookup hosts_by_name(const ProviderInfo& provider, const std::string& name) = 0;
};

// Forklift inventory JSON -> the types above.
// Throws std::invalid_argument naming the offending field.
ProviderInfo provider_from_inventory_json(const nlohmann::json& entry);
// Readiness of a Provider custom resource (`object` of a provider entry) into p.ready and
// p.not_ready_reason.
void read_provider_readiness(const nlohmann::json& object, ProviderInfo& p);
HostInfo host_from_inventory_json(const nlohmann::json& host);
// A whole `/hosts` answer. Throws std::invalid_argument like host_from_inventory_json, and when
// the answer is not a list.
std::vector<HostInfo> hosts_from_inventory_json(const nlohmann::json& list);
// The same from the answer's text, read with simdjson one host at a time (the nlohmann DOM of a
// 5,000-host list held ~30 MB at once). nullopt when simdjson refuses the text (invalid, deeper
// than kSimdjsonMaxDepth, ...).
std::optional<std::vector<HostInfo>> hosts_from_inventory_text(std::string_view body);
// hosts_from_inventory_text, else the nlohmann path, whose parse error is the precise one
// (nlohmann::json::parse_error or JsonTooDeep).
std::vector<HostInfo> hosts_from_inventory_body(std::string_view body);
// `/providers?detail=1` answers a map by type; `/providers/vsphere` a list. Accepts both.
std::vector<ProviderInfo> providers_from_inventory_json(const nlohmann::json& body);

}  // namespace hostadm
