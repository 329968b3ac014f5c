#include "webhook/core/fixture.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <utility>

namespace hostadm {

using nlohmann::json;

namespace {

const std::vector<std::string> kTopKeys = {"providers"};
const std::vector<std::string> kProviderKeys = {
    "name", "namespace", "uid", "type", "sdkEndpoint", "ready", "synced", "secret", "hosts"};
const std::vector<std::string> kSecretKeys = {"name", "namespace"};
// Provider types Forklift knows; a typo must not become a new type.
const std::vector<std::string> kProviderTypes = {"openshift", "vsphere", "ovirt",  "openstack",
                                                 "ova",       "ec2",     "hyperv", "nutanix"};
const char* kNotReadyReason = "the Provider's Ready condition is False";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string escape_token(const std::string& key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

void check_keys(const json& obj, const std::string& pointer, const char* what,
                const std::vector<std::string>& accepted) {
  for (const auto& [key, value] : obj.items()) {
    (void)value;
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end())
      throw FixtureError(pointer + "/" + escape_token(key),
                         "unknown key '" + key + "' in " + what + "; accepted: " + join(accepted));
  }
}

const char* type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  return "a map";
}

// A required (or optional, when absent) non-empty string field.
std::string string_field(const json& obj, const std::string& pointer, const std::string& key,
                         const char* what, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required)
      throw FixtureError(pointer + "/" + key,
                         std::string(what) + " needs `" + key + "` (a non-empty string)");
    return "";
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty())
    throw FixtureError(pointer + "/" + key, std::string(what) + " `" + key +
                                                "` must be a non-empty string, got " +
                                                (it->is_string() ? "\"\"" : type_name(*it)));
  return it->get<std::string>();
}

bool bool_field(const json& obj, const std::string& pointer, const std::string& key, bool dflt) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_boolean())
    throw FixtureError(pointer + "/" + key,
                       "provider `" + key + "` must be true or false, got " + type_name(*it));
  return it->get<bool>();
}

void check_host(const json& host, const std::string& pointer) {
  if (!host.is_object())
    throw FixtureError(
        pointer, std::string("a host must be a map with at least `id`, got ") + type_name(host));
  string_field(host, pointer, "id", "host", true);
  string_field(host, pointer, "name", "host", false);
  for (const char* key : {"status"}) {
    auto it = host.find(key);
    if (it != host.end() && !it->is_null() && !it->is_string())
      throw FixtureError(pointer + "/" + key, std::string("host `") + key +
                                                  "` must be a string (green, yellow, red, gray)");
  }
  auto m = host.find("inMaintenance");
  if (m != host.end() && !m->is_null() && !m->is_boolean())
    throw FixtureError(pointer + "/inMaintenance", "host `inMaintenance` must be true or false");
  auto adapters = host.find("networkAdapters");
  if (adapters == host.end() || adapters->is_null()) return;
  if (!adapters->is_array())
    throw FixtureError(pointer + "/networkAdapters",
                       "host `networkAdapters` must be a list of {name, ipAddress, ...}");
  for (size_t i = 0; i < adapters->size(); ++i) {
    const json& a = (*adapters)[i];
    std::string ap = pointer + "/networkAdapters/" + std::to_string(i);
    if (!a.is_object())
      throw FixtureError(ap, "a network adapter must be a map {name, ipAddress, ...}");
    for (const char* key : {"name", "ipAddress"}) {
      auto it = a.find(key);
      if (it != a.end() && !it->is_null() && !it->is_string())
        throw FixtureError(ap + "/" + key,
                           std::string("network adapter `") + key + "` must be a string");
    }
  }
}

FixtureProvider parse_provider(const json& p, const std::string& pointer) {
  if (!p.is_object())
    throw FixtureError(pointer, std::string("a provider must be a map with `name` and "
                                            "`namespace`, got ") +
                                    type_name(p));
  check_keys(p, pointer, "provider", kProviderKeys);
  FixtureProvider out;
  ProviderInfo& info = out.info;
  info.name = string_field(p, pointer, "name", "provider", true);
  info.ns = string_field(p, pointer, "namespace", "provider", true);
  info.uid = string_field(p, pointer, "uid", "provider", false);
  if (info.uid.empty()) info.uid = derived_uid(info.ns, info.name);
  std::string type = string_field(p, pointer, "type", "provider", false);
  if (!type.empty()) {
    if (std::find(kProviderTypes.begin(), kProviderTypes.end(), type) == kProviderTypes.end())
      throw FixtureError(pointer + "/type", "provider type '" + type +
                                                "' is not a Forklift provider type; use one of: " +
                                                join(kProviderTypes));
    info.type = type;
  }
  std::string sdk = string_field(p, pointer, "sdkEndpoint", "provider", false);
  if (!sdk.empty()) {
    if (sdk != "vcenter" && sdk != "esxi")
      throw FixtureError(pointer + "/sdkEndpoint",
                         "provider sdkEndpoint '" + sdk + "' is invalid; use vcenter or esxi");
    info.sdk_endpoint = sdk;
  }
  info.ready = bool_field(p, pointer, "ready", true);
  if (!info.ready) info.not_ready_reason = kNotReadyReason;
  out.synced = bool_field(p, pointer, "synced", true);

  auto secret = p.find("secret");
  if (secret != p.end() && !secret->is_null()) {
    std::string sp = pointer + "/secret";
    if (!secret->is_object())
      throw FixtureError(sp, "provider `secret` must be a map {name, namespace}");
    check_keys(*secret, sp, "provider secret", kSecretKeys);
    ObjectRef ref;
    ref.name = string_field(*secret, sp, "name", "provider secret", true);
    ref.ns = string_field(*secret, sp, "namespace", "provider secret", false);
    if (ref.ns.empty()) ref.ns = info.ns;
    info.secret = ref;
  }

  out.hosts = json::array();
  auto hosts = p.find("hosts");
  if (hosts != p.end() && !hosts->is_null()) {
    std::string hp = pointer + "/hosts";
    if (!hosts->is_array())
      throw FixtureError(hp, "provider `hosts` must be a list of Forklift host objects");
    if (info.type != "vsphere" && !hosts->empty())
      throw FixtureError(hp,
                         "only vsphere providers have hosts; remove `hosts` or set "
                         "`type: vsphere`");
    std::vector<HostInfo> infos;
    std::set<std::string> ids;
    for (size_t i = 0; i < hosts->size(); ++i) {
      const json& h = (*hosts)[i];
      std::string pointer_i = hp + "/" + std::to_string(i);
      check_host(h, pointer_i);
      HostInfo hi;
      try {
        hi = host_from_inventory_json(h);
      } catch (const std::invalid_argument& e) {
        throw FixtureError(pointer_i, e.what());
      }
      if (!ids.insert(hi.id).second)
        throw FixtureError(pointer_i + "/id", "duplicate host id '" + hi.id + "' in provider " +
                                                  info.ns + "/" + info.name +
                                                  "; every host id must be unique");
      infos.push_back(std::move(hi));
      out.hosts.push_back(h);
    }
    out.index = HostIndex::build(std::move(infos));
  } else {
    out.index = HostIndex::build({});
  }
  return out;
}

const FixtureProvider* find_uid(const Fixture& f, const std::string& uid) {
  for (const auto& p : f.providers)
    if (p.info.uid == uid) return &p;
  return nullptr;
}

}  // namespace

std::string derived_uid(const std::string& ns, const std::string& name) {
  // Two FNV-1a 64-bit hashes with different offsets give 128 stable bits without a crypto
  // library; uniqueness only has to hold within one fixture.
  auto fnv = [](const std::string& s, uint64_t h) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    return h;
  };
  std::string key = ns + "/" + name;
  uint64_t hi = fnv(key, 0xcbf29ce484222325ULL);
  uint64_t lo = fnv(key, 0x84222325cbf29ce4ULL ^ hi);
  // RFC 4122 shape: version 8 (custom) and the 10xx variant, so it validates as a UUID.
  hi = (hi & ~0xF000ULL) | 0x8000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

Fixture parse_fixture(const json& doc) {
  if (!doc.is_object())
    throw FixtureError(
        "", std::string("a fixture must be a map with a `providers:` list, got ") + type_name(doc));
  check_keys(doc, "", "the fixture", kTopKeys);
  auto providers = doc.find("providers");
  if (providers == doc.end() || providers->is_null())
    throw FixtureError("", "the fixture needs a `providers:` list");
  if (!providers->is_array())
    throw FixtureError("/providers",
                       std::string("`providers` must be a list, got ") + type_name(*providers));
  Fixture fixture;
  for (size_t i = 0; i < providers->size(); ++i) {
    std::string pointer = "/providers/" + std::to_string(i);
    FixtureProvider p = parse_provider((*providers)[i], pointer);
    for (const auto& other : fixture.providers) {
      if (other.info.ns == p.info.ns && other.info.name == p.info.name)
        throw FixtureError(pointer + "/name", "duplicate provider " + p.info.ns + "/" +
                                                  p.info.name + "; each namespace/name once");
      if (other.info.uid == p.info.uid)
        throw FixtureError(pointer + "/uid", "provider uid '" + p.info.uid + "' is also used by " +
                                                 other.info.ns + "/" + other.info.name +
                                                 "; every uid must be unique");
    }
    fixture.providers.push_back(std::move(p));
  }
  return fixture;
}

FixtureInventory::FixtureInventory(std::shared_ptr<const Fixture> fixture)
    : fixture_(std::move(fixture)) {}

ProviderLookup FixtureInventory::provider(const std::string& ns, const std::string& name) {
  ProviderLookup out;
  for (const auto& p : fixture_->providers) {
    if (p.info.ns == ns && p.info.name == name) {
      out.status = LookupStatus::Ok;
      out.provider = p.info;
      return out;
    }
  }
  out.status = LookupStatus::NotFound;
  return out;
}

HostsLookup FixtureInventory::hosts(const ProviderInfo& provider) {
  HostsLookup out;
  const FixtureProvider* p = find_uid(*fixture_, provider.uid);
  // The real inventory serves hosts under /providers/vsphere only: another type is unknown there.
  if (!p || p->info.type != "vsphere") {
    out.status = LookupStatus::NotReady;
    out.error =
        "inventory has no vsphere provider with uid " + provider.uid + " (404 ProviderNotFound)";
    return out;
  }
  if (!p->synced) {
    out.status = LookupStatus::NotReady;
    out.error = "inventory has not synced provider " + p->info.ns + "/" + p->info.name + " (206)";
    return out;
  }
  out.status = LookupStatus::Ok;
  out.hosts = p->index;
  return out;
}

// ---- REST rendering -------------------------------------------------------------------------

namespace {

constexpr int kMaxDetail = 1 << 20;

RestAnswer answer(int status, std::string body = "") {
  RestAnswer a;
  a.status = status;
  a.body = std::move(body);
  if (status == 200) a.headers["Content-Type"] = "application/json";
  return a;
}

// A fixture built by code rather than parsed (parse_yaml_stream refuses bad UTF-8) could still
// hold invalid UTF-8: serve it replaced rather than throw out of a request handler.
std::string body_of(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

RestAnswer provider_not_found() {
  RestAnswer a = answer(404);
  a.headers["X-Reason"] = "ProviderNotFound";
  return a;
}

std::string provider_url(const ProviderInfo& p) {
  if (p.type == "openshift") return "";  // the local cluster: Forklift leaves the URL empty
  if (p.sdk_endpoint == "esxi") return "https://" + p.name + ".example.com/sdk";
  return "https://vcenter." + p.name + ".example.com/sdk";
}

json provider_entry(const FixtureProvider& fp, int detail) {
  const ProviderInfo& p = fp.info;
  std::string self = "providers/" + p.type + "/" + p.uid;
  json e = {{"uid", p.uid},     {"namespace", p.ns}, {"name", p.name},
            {"selfLink", self}, {"id", p.uid},       {"type", p.type}};
  if (detail < 1) return e;
  json spec = {{"type", p.type}, {"url", provider_url(p)}};
  if (p.secret) spec["secret"] = {{"name", p.secret->name}, {"namespace", p.secret->ns}};
  if (p.type == "vsphere") spec["settings"] = {{"sdkEndpoint", p.sdk_endpoint}};
  json ready = {
      {"type", "Ready"}, {"status", p.ready ? "True" : "False"}, {"category", "Critical"}};
  ready["message"] = p.ready ? "The provider is ready." : p.not_ready_reason;
  e["version"] = "1";
  e["object"] = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
                 {"kind", "Provider"},
                 {"metadata", {{"name", p.name}, {"namespace", p.ns}, {"uid", p.uid}}},
                 {"spec", spec},
                 {"status", {{"conditions", json::array({ready})}}}};
  if (p.type == "vsphere") {
    e["apiVersion"] = "8.0.2";
    e["product"] = p.sdk_endpoint == "esxi" ? "VMware ESXi" : "VMware vCenter Server";
    e["hostCount"] = fp.hosts.size();
    e["vmCount"] = 0;
    e["datacenterCount"] = 1;
    e["clusterCount"] = 1;
    e["networkCount"] = 0;
    e["datastoreCount"] = 0;
  } else {
    e["apiVersion"] = "";
    e["product"] = "";
    e["vmCount"] = 0;
    e["networkCount"] = 0;
  }
  return e;
}

json host_entry(const std::string& uid, const json& host, int detail) {
  const std::string id = host.value("id", "");
  const std::string name = host.contains("name") && host["name"].is_string()
                               ? host["name"].get<std::string>()
                               : std::string();
  json parent = host.contains("parent") ? host["parent"] : json();
  if (!parent.is_object()) {
    auto cluster = host.find("cluster");
    parent = cluster != host.end() && cluster->is_string() &&
                     !cluster->get_ref<const std::string&>().empty()
                 ? json{{"kind", "Cluster"}, {"id", *cluster}}
                 : json{{"kind", "Folder"}, {"id", "group-h4"}};
  }
  json path = host.contains("path") ? host["path"] : json();
  if (!path.is_string()) path = name.rfind('/', 0) == 0 ? name : "/Datacenter/host/" + name;
  json revision = host.contains("revision") ? host["revision"] : json(1);
  json e = detail >= 1 ? host : json::object();
  e["id"] = id;
  e["parent"] = parent;
  e["path"] = path;
  e["revision"] = revision;
  e["name"] = name;
  e["selfLink"] = "providers/vsphere/" + uid + "/hosts/" + id;
  return e;
}

std::vector<std::string> split_path(std::string path) {
  auto q = path.find('?');
  if (q != std::string::npos) path.erase(q);
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// detail: absent = 0, "all" = everything, any integer; false when malformed.
bool parse_detail(const std::map<std::string, std::string>& query, int* detail) {
  *detail = 0;
  auto it = query.find("detail");
  if (it == query.end() || it->second.empty()) return true;
  if (it->second == "all") return *detail = kMaxDetail, true;
  const std::string& s = it->second;
  size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0;
  if (i == s.size() || s.size() > 9) return false;
  for (size_t k = i; k < s.size(); ++k)
    if (s[k] < '0' || s[k] > '9') return false;
  *detail = std::max(0, std::stoi(s));
  return true;
}

bool known_type(const std::string& t) {
  return std::find(kProviderTypes.begin(), kProviderTypes.end(), t) != kProviderTypes.end();
}

json provider_list(const Fixture& f, const std::string& type, const std::string& ns, int detail) {
  json list = json::array();
  for (const auto& p : f.providers)
    if (p.info.type == type && (ns.empty() || p.info.ns == ns))
      list.push_back(provider_entry(p, detail));
  return list;
}

}  // namespace

RestAnswer inventory_rest_answer(const Fixture& fixture, const std::string& path,
                                 const std::map<std::string, std::string>& query) {
  auto seg = split_path(path);
  if (seg.empty() || seg[0] != "providers") return answer(404);
  int detail = 0;
  if (!parse_detail(query, &detail)) return answer(400);
  auto ns_it = query.find("namespace");
  std::string ns = ns_it == query.end() ? "" : ns_it->second;

  if (seg.size() == 1) {
    json by_type = json::object();
    for (const auto& p : fixture.providers)
      if (!by_type.contains(p.info.type))
        by_type[p.info.type] = provider_list(fixture, p.info.type, ns, detail);
    return answer(200, body_of(by_type));
  }
  const std::string& type = seg[1];
  if (!known_type(type)) return answer(404);
  if (seg.size() == 2) return answer(200, body_of(provider_list(fixture, type, ns, detail)));

  const FixtureProvider* p = find_uid(fixture, seg[2]);
  if (!p || p->info.type != type) return provider_not_found();
  if (seg.size() == 3) return answer(200, body_of(provider_entry(*p, kMaxDetail)));
  if (seg[3] != "hosts" || seg.size() > 5) return answer(404);
  if (!p->synced) return answer(206);

  if (seg.size() == 5) {
    for (const auto& h : p->hosts)
      if (h.value("id", "") == seg[4])
        return answer(200, body_of(host_entry(p->info.uid, h, kMaxDetail)));
    return answer(404);
  }
  auto name_it = query.find("name");
  json list = json::array();
  for (const auto& h : p->hosts) {
    if (name_it != query.end()) {
      std::string hname =
          h.contains("name") && h["name"].is_string() ? h["name"].get<std::string>() : "";
      if (last_path_segment(hname) != last_path_segment(name_it->second)) continue;
    }
    list.push_back(host_entry(p->info.uid, h, detail));
  }
  return answer(200, body_of(list));
}

json fixture_from_inventory(const json& providers_by_type,
                            const std::map<std::string, json>& hosts_by_uid,
                            const std::map<std::string, int>& host_status_by_uid) {
  std::vector<std::pair<std::string, const json*>> entries;
  if (providers_by_type.is_array()) {
    for (const auto& e : providers_by_type) entries.emplace_back("", &e);
  } else if (providers_by_type.is_object()) {
    for (const auto& [type, list] : providers_by_type.items()) {
      if (!list.is_array()) continue;
      for (const auto& e : list) entries.emplace_back(type, &e);
    }
  } else {
    throw std::invalid_argument("providers answer must be a map by type or a list");
  }

  json providers = json::array();
  for (const auto& [map_type, entry] : entries) {
    ProviderInfo info = provider_from_inventory_json(*entry);
    if (!map_type.empty() && (!entry->contains("type") || (*entry)["type"].is_null()))
      info.type = map_type;
    json p = {{"name", info.name}, {"namespace", info.ns}, {"uid", info.uid}, {"type", info.type}};
    if (info.type == "vsphere") p["sdkEndpoint"] = info.sdk_endpoint;
    p["ready"] = info.ready;
    if (info.secret) p["secret"] = {{"name", info.secret->name}, {"namespace", info.secret->ns}};
    if (info.type == "vsphere") {
      auto status = host_status_by_uid.find(info.uid);
      bool synced = status == host_status_by_uid.end() || status->second == 200;
      p["synced"] = synced;
      auto hosts = hosts_by_uid.find(info.uid);
      p["hosts"] = synced && hosts != hosts_by_uid.end() && hosts->second.is_array()
                       ? hosts->second
                       : json::array();
    }
    providers.push_back(std::move(p));
  }
  return json{{"providers", providers}};
}

}  // namespace hostadm
