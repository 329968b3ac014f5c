#include "webhook/core/inventory.hpp"

#include <stdexcept>

#include "webhook/core/json_limits.hpp"
#include "webhook/core/simdjson_convert.hpp"

namespace hostadm {

using nlohmann::json;

std::string last_path_segment(const std::string& name) {
  auto end = name.find_last_not_of('/');
  if (end == std::string::npos) return "";
  auto start = name.find_last_of('/', end);
  return name.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::string datacenter_of(const std::string& name) {
  if (name.find('/') == std::string::npos) return "";
  auto start = name.find_first_not_of('/');
  if (start == std::string::npos) return "";
  auto end = name.find('/', start);
  return name.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string host_path(const HostInfo& host) {
  if (!host.path.empty()) return host.path;
  return host.name.find('/') != std::string::npos ? host.name : "";
}

std::vector<size_t> datacenter_filter(const std::string& name,
                                      const std::vector<std::string>& paths) {
  std::vector<size_t> kept;
  const std::string dc = datacenter_of(name);
  for (size_t i = 0; i < paths.size(); ++i)
    if (paths.size() < 2 || dc.empty() || datacenter_of(paths[i]) == dc) kept.push_back(i);
  return kept;
}

std::shared_ptr<const HostIndex> HostIndex::build(std::vector<HostInfo> hosts) {
  auto index = std::make_shared<HostIndex>();
  index->hosts = std::move(hosts);
  index->by_id.reserve(index->hosts.size());
  index->by_name.reserve(index->hosts.size());
  for (size_t i = 0; i < index->hosts.size(); ++i) {
    const auto& h = index->hosts[i];
    if (!h.id.empty()) index->by_id.emplace(h.id, i);  // first wins, as inventory order does
    index->by_name[last_path_segment(h.name)].push_back(i);
  }
  return index;
}

const HostInfo* HostIndex::find_id(const std::string& id) const {
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : &hosts[it->second];
}

std::vector<const HostInfo*> HostIndex::find_name(const std::string& name) const {
  std::vector<const HostInfo*> out;
  auto it = by_name.find(last_path_segment(name));
  if (it == by_name.end()) return out;
  out.reserve(it->second.size());
  for (size_t i : it->second) out.push_back(&hosts[i]);
  return out;
}

namespace {

std::string string_at(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  if (!it->is_string()) throw std::invalid_argument(where + "." + key + " must be a string");
  return it->get<std::string>();
}

const json* object_at(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  if (!it->is_object()) throw std::invalid_argument(where + "." + key + " must be an object");
  return &*it;
}

}  // namespace

// Forklift sets Ready only without a blocker, but the inventory's copy can keep a stale Ready
// next to a new Critical condition (a vCenter login failure) while the phase is accurate: all
// three must agree. The reason names every disagreement, the blocker's own message first.
void read_provider_readiness(const json& object, ProviderInfo& p) {
  std::string phase, ready_status, ready_message;
  std::vector<std::string> blockers;
  if (const json* status = object_at(object, "status", "provider.object")) {
    phase = string_at(*status, "phase", "provider.object.status");
    auto it = status->find("conditions");
    if (it != status->end() && it->is_array()) {
      for (const auto& c : *it) {
        if (!c.is_object()) continue;
        auto text = [&](const char* key) {
          auto v = c.find(key);
          return v != c.end() && v->is_string() ? v->get<std::string>() : std::string();
        };
        const std::string type = text("type"), cstatus = text("status");
        if (type == "Ready") {
          ready_status = cstatus;
          ready_message = text("message");
          continue;
        }
        const std::string category = text("category");
        if (cstatus == "True" && (category == "Critical" || category == "Error")) {
          std::string message = text("message");
          blockers.push_back(type + " (" + category + ")" +
                             (message.empty() ? "" : ": " + message));
        }
      }
    }
  }
  std::vector<std::string> why = blockers;
  if (ready_status != "True")
    why.push_back(ready_status.empty() ? "no Ready condition"
                                       : "Ready is " + ready_status +
                                             (ready_message.empty() ? "" : ": " + ready_message));
  if (phase != "Ready") why.push_back(phase.empty() ? "no phase" : "phase " + phase);
  p.ready = why.empty();
  p.not_ready_reason.clear();
  for (const auto& w : why) p.not_ready_reason += (p.not_ready_reason.empty() ? "" : "; ") + w;
}

ProviderInfo provider_from_inventory_json(const json& entry) {
  if (!entry.is_object()) throw std::invalid_argument("provider entry must be an object");
  ProviderInfo p;
  p.name = string_at(entry, "name", "provider");
  p.ns = string_at(entry, "namespace", "provider");
  p.uid = string_at(entry, "uid", "provider");
  p.type = string_at(entry, "type", "provider");
  const json* object = object_at(entry, "object", "provider");
  if (object) {
    if (const json* spec = object_at(*object, "spec", "provider.object")) {
      if (p.type.empty()) p.type = string_at(*spec, "type", "provider.object.spec");
      if (const json* settings = object_at(*spec, "settings", "provider.object.spec")) {
        auto sdk = string_at(*settings, "sdkEndpoint", "provider.object.spec.settings");
        if (!sdk.empty()) p.sdk_endpoint = sdk;
      }
      if (const json* secret = object_at(*spec, "secret", "provider.object.spec")) {
        ObjectRef ref{string_at(*secret, "name", "provider.object.spec.secret"),
                      string_at(*secret, "namespace", "provider.object.spec.secret")};
        if (!ref.name.empty()) {
          if (ref.ns.empty()) ref.ns = p.ns;
          p.secret = ref;
        }
      }
    }
    read_provider_readiness(*object, p);
    if (p.uid.empty()) {
      if (const json* meta = object_at(*object, "metadata", "provider.object"))
        p.uid = string_at(*meta, "uid", "provider.object.metadata");
    }
  }
  if (p.type.empty()) p.type = "vsphere";
  return p;
}

HostInfo host_from_inventory_json(const json& host) {
  if (!host.is_object()) throw std::invalid_argument("host entry must be an object");
  HostInfo h;
  h.id = string_at(host, "id", "host");
  h.name = string_at(host, "name", "host");
  h.path = string_at(host, "path", "host");
  h.status = string_at(host, "status", "host");
  h.thumbprint = string_at(host, "thumbprint", "host");
  auto m = host.find("inMaintenance");
  if (m != host.end() && !m->is_null()) {
    if (!m->is_boolean()) throw std::invalid_argument("host.inMaintenance must be a boolean");
    h.in_maintenance = m->get<bool>();
  }
  auto adapters = host.find("networkAdapters");
  if (adapters != host.end() && !adapters->is_null()) {
    if (!adapters->is_array()) throw std::invalid_argument("host.networkAdapters must be a list");
    h.adapters.reserve(adapters->size());
    for (const auto& a : *adapters) {
      if (!a.is_object()) throw std::invalid_argument("host.networkAdapters[] must be objects");
      h.adapters.push_back({string_at(a, "name", "host.networkAdapters[]"),
                            string_at(a, "ipAddress", "host.networkAdapters[]")});
    }
  }
  return h;
}

namespace {
const char* const kNotAHostList = "expected a list of hosts";
}  // namespace

std::vector<HostInfo> hosts_from_inventory_json(const json& list) {
  if (!list.is_array()) throw std::invalid_argument(kNotAHostList);
  std::vector<HostInfo> out;
  out.reserve(list.size());
  for (const auto& h : list) out.push_back(host_from_inventory_json(h));
  return out;
}

std::optional<std::vector<HostInfo>> hosts_from_inventory_text(std::string_view body) {
  simdjson::dom::parser parser;
  if (parser.allocate(body.size(), kSimdjsonMaxDepth) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
  if (root.type() != simdjson::dom::element_type::ARRAY) throw std::invalid_argument(kNotAHostList);
  simdjson::dom::array list(root);
  std::vector<HostInfo> out;
  out.reserve(list.size());
  for (simdjson::dom::element host : list)
    out.push_back(host_from_inventory_json(to_nlohmann(host, /*numbers=*/true)));
  return out;
}

std::vector<HostInfo> hosts_from_inventory_body(std::string_view body) {
  if (auto hosts = hosts_from_inventory_text(body)) return std::move(*hosts);
  return hosts_from_inventory_json(parse_json_bounded(body));  // throws the precise parse error
}

std::vector<ProviderInfo> providers_from_inventory_json(const json& body) {
  std::vector<ProviderInfo> out;
  auto add_list = [&](const json& list, const std::string& type) {
    if (!list.is_array()) throw std::invalid_argument("providers list must be an array");
    for (const auto& e : list) {
      auto p = provider_from_inventory_json(e);
      if (!type.empty() && (e.find("type") == e.end() || e["type"].is_null())) p.type = type;
      out.push_back(std::move(p));
    }
  };
  if (body.is_array()) {
    add_list(body, "");
  } else if (body.is_object()) {
    for (const auto& [type, list] : body.items()) {
      if (list.is_null()) continue;
      add_list(list, type);
    }
  } else {
    throw std::invalid_argument("providers answer must be a map by type or a list");
  }
  return out;
}

}  // namespace hostadm
