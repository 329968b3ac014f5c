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
  bool ready = true;
  std::string not_ready_reason;  // the Ready condition's message, when not ready
  std::optional<ObjectRef> secret;
};

struct Adapter {
  std::string name;
  std::string ip_address;
};

struct HostInfo {
  std::string id;
  std::string name;
  std::string status;  // green | yellow | red | gray | "" (unknown)
  bool in_maintenance = false;
  std::vector<Adapter> adapters;  // inventory order: first match wins
};

// A provider's whole host list, indexed once when it is fetched.
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

enum class LookupStatus {
  Ok,
  NotFound,     // provider not in the namespace's list
  NotReady,     // 206 (not synced) or 404 X-Reason: ProviderNotFound
  Unavailable,  // could not ask in time: transport error, 5xx, 401/403, deadline
};

struct ProviderLookup {
  LookupStatus status = LookupStatus::Unavailable;
  std::optional<ProviderInfo> provider;  // set when Ok
  bool stale = false;                    // served from an expired cache entry after a failure
  std::string error;                     // the cause, when Unavailable/NotReady (no secrets)
};

struct HostsLookup {
  LookupStatus status = LookupStatus::Unavailable;
  std::shared_ptr<const HostIndex> hosts;  // set when Ok
  bool stale = false;
  std::string error;
};

// One view per admission request; an implementation may bind the request's deadline.
class InventoryView {
 public:
  virtual ~InventoryView() = default;
  virtual ProviderLookup provider(const std::string& ns, const std::string& name) = 0;
  virtual HostsLookup hosts(const ProviderInfo& provider) = 0;
};

// Forklift inventory JSON -> the types above.
// Throws std::invalid_argument naming the offending field.
ProviderInfo provider_from_inventory_json(const nlohmann::json& entry);
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
