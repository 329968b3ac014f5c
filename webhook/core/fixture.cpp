#include "webhook/core/fixture.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <utility>

#include "webhook/core/policy.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {

using nlohmann::json;

namespace {

const std::vector<std::string> kTopKeys = {"providers"};
const std::vector<std::string> kProviderKeys = {
    "name",  "namespace",  "uid",       "type",   "sdkEndpoint", "ready",  "staleReady",
    "phase", "conditions", "validated", "synced", "syncDelay",   "secret", "hosts"};
const std::vector<std::string> kConditionKeys = {"type",   "status",  "category",
                                                 "reason", "message", "lastTransitionTime"};
const std::vector<std::string> kSecretKeys = {"name", "namespace"};
// Provider types Forklift knows; a typo must not become a new type.
const std::vector<std::string> kProviderTypes = {"openshift", "vsphere", "ovirt",  "openstack",
                                                 "ova",       "ec2",     "hyperv", "nutanix"};
const char* kNotReadyReason = "the Provider's Ready condition is False";
// What the inventory's copy shows after a vCenter login failure: phase and a Critical condition
// are current, the Ready condition is the old one.
const char* kAuthFailedMessage =
    "Could not connect to the vCenter: login failed, incorrect user "
    "name or password.";
// Provider types in the inventory's `GET /providers` map: always these seven keys (no nutanix).
const std::vector<std::string> kProviderMapTypes = {"openshift", "vsphere", "ovirt", "openstack",
                                                    "ova",       "ec2",     "hyperv"};

constexpr int kMaxDetail = 1 << 20;

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
  if (detail >= 1) {
    // Keys the real inventory always sends at full detail; a fixture may leave them out.
    // (A fixture host without `status` is green: write `status: ""` for an empty one.)
    if (!e.contains("status")) e["status"] = "green";
    if (!e.contains("inMaintenance")) e["inMaintenance"] = false;
    if (!e.contains("networkAdapters") || e["networkAdapters"].is_null())
      e["networkAdapters"] = json::array();
  }
  e["id"] = id;
  e["parent"] = parent;
  e["path"] = path;
  e["revision"] = revision;
  e["name"] = name;
  e["selfLink"] = "providers/vsphere/" + uid + "/hosts/" + id;
  return e;
}

void check_keys(const json& obj, const std::string& pointer, const char* what,
                const std::vector<std::string>& accepted) {
  for (const auto& [key, value] : obj.items()) {
    (void)value;
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end())
      throw FixtureError(
          text::json_pointer_child(pointer, key),
          "unknown key '" + key + "' in " + what + "; accepted: " + text::join(accepted));
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

json condition(const char* type, bool status, const char* category, const char* reason,
               const std::string& message) {
  return {{"type", type},         {"status", status ? "True" : "False"},
          {"category", category}, {"reason", reason},
          {"message", message},   {"lastTransitionTime", "2026-01-01T00:00:00Z"}};
}

// The Provider's status as the inventory's copy shows it, from `ready`, `staleReady`, `phase` and
// `conditions` (extra conditions; one of type Ready replaces the derived one).
json provider_status(const json& p, const std::string& pointer) {
  const bool ready = bool_field(p, pointer, "ready", true);
  const bool stale = bool_field(p, pointer, "staleReady", false);
  if (stale && !ready)
    throw FixtureError(pointer + "/staleReady",
                       "`staleReady: true` is a copy that still says Ready; drop `ready: false`");
  json conditions = json::array();
  conditions.push_back(ready ? condition("Ready", true, "Required", "", "The provider is ready.")
                             : condition("Ready", false, "Required", "", kNotReadyReason));
  if (stale)
    conditions.push_back(
        condition("ConnectionAuthFailed", true, "Critical", "Tested", kAuthFailedMessage));
  std::string phase = ready && !stale ? "Ready" : "ConnectionFailed";
  if (auto it = p.find("phase"); it != p.end() && !it->is_null())
    phase = string_field(p, pointer, "phase", "provider", true);
  auto extra = p.find("conditions");
  if (extra != p.end() && !extra->is_null()) {
    const std::string cp = pointer + "/conditions";
    if (!extra->is_array())
      throw FixtureError(cp,
                         "provider `conditions` must be a list of {type, status, category, "
                         "message}");
    for (size_t i = 0; i < extra->size(); ++i) {
      const json& c = (*extra)[i];
      const std::string ci = cp + "/" + std::to_string(i);
      if (!c.is_object()) throw FixtureError(ci, "a condition must be a map {type, status, ...}");
      check_keys(c, ci, "condition", kConditionKeys);
      json given = c;
      // YAML reads an unquoted True as a boolean: take it as the condition status it means.
      if (auto st = given.find("status"); st != given.end() && st->is_boolean())
        *st = st->get<bool>() ? "True" : "False";
      json kept = json::object();
      for (const auto& key : kConditionKeys)
        if (!string_field(given, ci, key, "condition", key == "type" || key == "status").empty())
          kept[key] = given[key];
      const std::string st = kept["status"];
      if (st != "True" && st != "False" && st != "Unknown")
        throw FixtureError(ci + "/status", "condition `status` must be True, False or Unknown");
      if (kept["type"] == "Ready")
        conditions[0] = std::move(kept);
      else
        conditions.push_back(std::move(kept));
    }
  }
  return {{"phase", phase}, {"conditions", conditions}};
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
                                                text::join(kProviderTypes));
    info.type = type;
  }
  std::string sdk = string_field(p, pointer, "sdkEndpoint", "provider", false);
  if (!sdk.empty()) {
    if (sdk != "vcenter" && sdk != "esxi")
      throw FixtureError(pointer + "/sdkEndpoint",
                         "provider sdkEndpoint '" + sdk + "' is invalid; use vcenter or esxi");
    info.sdk_endpoint = sdk;
  }
  out.status = provider_status(p, pointer);
  read_provider_readiness(json{{"status", out.status}}, info);
  out.validated = bool_field(p, pointer, "validated", true);
  out.synced = bool_field(p, pointer, "synced", true);
  if (auto delay = p.find("syncDelay"); delay != p.end() && !delay->is_null()) {
    try {
      if (delay->is_number_unsigned()) {
        out.sync_delay = std::chrono::seconds(delay->get<unsigned>());
      } else if (delay->is_string()) {
        out.sync_delay = parse_duration(delay->get<std::string>());
      } else {
        throw std::invalid_argument("got " + std::string(type_name(*delay)));
      }
    } catch (const std::exception& e) {
      throw FixtureError(
          pointer + "/syncDelay",
          std::string("provider `syncDelay` must be a duration like 10s or 500ms (") + e.what() +
              ")");
    }
  }

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
      try {
        host_from_inventory_json(h);
      } catch (const std::invalid_argument& e) {
        throw FixtureError(pointer_i, e.what());
      }
      const std::string id = h["id"];
      if (!ids.insert(id).second)
        throw FixtureError(pointer_i + "/id", "duplicate host id '" + id + "' in provider " +
                                                  info.ns + "/" + info.name +
                                                  "; every host id must be unique");
      out.hosts.push_back(h);
      // Read back from the full-detail answer, so the in-process view sees what a client of the
      // served fixture sees (defaults included).
      infos.push_back(host_from_inventory_json(host_entry(info.uid, h, kMaxDetail)));
    }
    out.index = HostIndex::build(std::move(infos));
  } else {
    out.index = HostIndex::build({});
  }
  return out;
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

// ---- REST rendering -------------------------------------------------------------------------

namespace {

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
  e["version"] = "1";
  e["object"] = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
                 {"kind", "Provider"},
                 {"metadata", {{"name", p.name}, {"namespace", p.ns}, {"uid", p.uid}}},
                 {"spec", spec},
                 {"status", fp.status}};
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

// A non-negative integer of at most 9 digits ('+' allowed); false otherwise.
bool parse_count(const std::string& s, int* out) {
  size_t i = !s.empty() && s[0] == '+' ? 1 : 0;
  if (i == s.size() || s.size() - i > 9) return false;
  for (size_t k = i; k < s.size(); ++k)
    if (s[k] < '0' || s[k] > '9') return false;
  *out = std::stoi(s.substr(i));
  return true;
}

// detail: absent = 0, "all" = everything, any integer (negative = 0); false when malformed.
bool parse_detail(const std::map<std::string, std::string>& query, int* detail) {
  *detail = 0;
  auto it = query.find("detail");
  if (it == query.end() || it->second.empty()) return true;
  if (it->second == "all") return *detail = kMaxDetail, true;
  const std::string& s = it->second;
  if (s[0] == '-') return parse_count(s.substr(1), detail) && (*detail = 0, true);
  return parse_count(s, detail);
}

// ?limit= / ?offset= page a list; negative or non-integer values are a bad request.
bool parse_page(const std::map<std::string, std::string>& query, size_t* offset, size_t* limit) {
  *offset = 0;
  *limit = SIZE_MAX;
  int v = 0;
  if (auto it = query.find("offset"); it != query.end()) {
    if (!parse_count(it->second, &v)) return false;
    *offset = static_cast<size_t>(v);
  }
  if (auto it = query.find("limit"); it != query.end()) {
    if (!parse_count(it->second, &v)) return false;
    if (v > 0) *limit = static_cast<size_t>(v);
  }
  return true;
}

json page(json list, size_t offset, size_t limit) {
  if (offset == 0 && limit >= list.size()) return list;
  json out = json::array();
  for (size_t i = offset; i < list.size() && out.size() < limit; ++i)
    out.push_back(std::move(list[i]));
  return out;
}

bool known_type(const std::string& t) {
  return std::find(kProviderTypes.begin(), kProviderTypes.end(), t) != kProviderTypes.end();
}

bool named(const std::vector<std::string>& names, const FixtureProvider& p) {
  for (const auto& n : names)
    if (n == p.info.uid || n == p.info.ns + "/" + p.info.name) return true;
  return false;
}

// The inventory lists only providers with a collector, i.e. validated ones.
json provider_list(const Fixture& f, const std::string& type, const std::string& ns, int detail) {
  json list = json::array();
  for (const auto& p : f.providers)
    if (p.validated && p.info.type == type && (ns.empty() || p.info.ns == ns))
      list.push_back(provider_entry(p, detail));
  return list;
}

// At detail > 0 each vSphere entry is enriched from its collector's stored vCenter record; one
// still loading fails the listing for every caller in its namespace.
bool listing_fails(const Fixture& f, const RestFaults& faults, const std::string& type,
                   const std::string& ns, int detail) {
  if (detail < 1 || (!type.empty() && type != "vsphere")) return false;
  for (const auto& p : f.providers)
    if (p.validated && p.info.type == "vsphere" && (ns.empty() || p.info.ns == ns) &&
        named(faults.loading, p))
      return true;
  return false;
}

// Every route under a provider first waits for its collector to be in parity with vCenter.
bool in_parity(const FixtureProvider& p, const RestFaults& faults) {
  return p.synced && !named(faults.unsynced, p) && !named(faults.loading, p);
}

std::chrono::milliseconds parity_wait(const FixtureProvider& p, const RestFaults& faults) {
  return faults.sync_delay ? *faults.sync_delay : p.sync_delay;
}

const FixtureProvider* find_uid(const Fixture& f, const std::string& uid) {
  for (const auto& p : f.providers)
    if (p.info.uid == uid) return &p;
  return nullptr;
}

// Indices of the hosts `?name=` matches: the last name segment by equality, then the
// datacenter filter for path names.
template <class NameOf, class PathOf>
std::vector<size_t> name_matches(size_t count, const std::string& name, NameOf name_of,
                                 PathOf path_of) {
  std::vector<size_t> hits;
  std::vector<std::string> paths;
  const std::string wanted = last_path_segment(name);
  for (size_t i = 0; i < count; ++i) {
    if (last_path_segment(name_of(i)) != wanted) continue;
    hits.push_back(i);
    paths.push_back(path_of(i));
  }
  std::vector<size_t> kept;
  for (size_t k : datacenter_filter(name, paths)) kept.push_back(hits[k]);
  return kept;
}

}  // namespace

FixtureInventory::FixtureInventory(std::shared_ptr<const Fixture> fixture,
                                   std::chrono::milliseconds budget)
    : fixture_(std::move(fixture)), budget_(budget) {}

ProviderLookup FixtureInventory::provider(const std::string& ns, const std::string& name) {
  ProviderLookup out;
  for (const auto& p : fixture_->providers) {
    if (p.validated && p.info.ns == ns && p.info.name == name) {
      out.status = LookupStatus::Ok;
      out.provider = p.info;
      return out;
    }
  }
  out.status = LookupStatus::NotFound;
  return out;
}

const FixtureProvider* FixtureInventory::host_routes(const ProviderInfo& provider,
                                                     HostsLookup& out) const {
  const FixtureProvider* p = find_uid(*fixture_, provider.uid);
  // The real inventory serves hosts under /providers/vsphere only: another type is unknown there.
  if (!p || p->info.type != "vsphere" || !p->validated) {
    out.status = LookupStatus::NotReady;
    out.error =
        "inventory has no vsphere provider with uid " + provider.uid + " (404 ProviderNotFound)";
    return nullptr;
  }
  if (!in_parity(*p, RestFaults{})) {
    const auto wait = parity_wait(*p, RestFaults{});
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

RestAnswer inventory_rest_answer(const Fixture& fixture, const std::string& path,
                                 const std::map<std::string, std::string>& query,
                                 const RestFaults& faults) {
  auto seg = split_path(path);
  if (seg.empty() || seg[0] != "providers") return answer(404);
  int detail = 0;
  size_t offset = 0, limit = 0;
  if (!parse_detail(query, &detail) || !parse_page(query, &offset, &limit)) return answer(400);
  auto ns_it = query.find("namespace");
  std::string ns = ns_it == query.end() ? "" : ns_it->second;

  if (seg.size() == 1) {
    if (listing_fails(fixture, faults, "", ns, detail)) return answer(500);
    json by_type = json::object();
    for (const auto& type : kProviderMapTypes)
      by_type[type] = page(provider_list(fixture, type, ns, detail), offset, limit);
    return answer(200, body_of(by_type));
  }
  const std::string& type = seg[1];
  if (!known_type(type)) return answer(404);
  if (seg.size() == 2) {
    if (listing_fails(fixture, faults, type, ns, detail)) return answer(500);
    return answer(200, body_of(page(provider_list(fixture, type, ns, detail), offset, limit)));
  }

  const FixtureProvider* p = find_uid(fixture, seg[2]);
  if (!p || !p->validated) return provider_not_found();  // no collector for that uid
  if (p->info.type != type) return answer(404);          // a provider of another type
  if (seg.size() == 3) return answer(200, body_of(provider_entry(*p, kMaxDetail)));
  if (!in_parity(*p, faults)) {
    RestAnswer late = answer(206);
    late.delay = parity_wait(*p, faults);
    return late;
  }
  if (seg[3] != "hosts" || seg.size() > 5) return answer(404);

  const std::string& uid = p->info.uid;
  if (seg.size() == 5) {
    for (const auto& h : p->hosts)
      if (h.value("id", "") == seg[4]) return answer(200, body_of(host_entry(uid, h, kMaxDetail)));
    return answer(404);
  }
  json list = json::array();
  auto name_it = query.find("name");
  if (name_it == query.end()) {
    for (size_t i = offset; i < p->hosts.size() && list.size() < limit; ++i)
      list.push_back(host_entry(uid, p->hosts[i], detail));
    return answer(200, body_of(list));
  }
  const auto& idx = p->index->hosts;  // same order as p->hosts
  for (size_t i : name_matches(
           idx.size(), name_it->second, [&](size_t k) { return idx[k].name; },
           [&](size_t k) { return host_path(idx[k]); }))
    list.push_back(host_entry(uid, p->hosts[i], detail));
  return answer(200, body_of(page(std::move(list), offset, limit)));
}

json fixture_provider_from_inventory(const json& entry, const std::string& type, int hosts_status) {
  ProviderInfo info = provider_from_inventory_json(entry);
  if (!type.empty() && (!entry.contains("type") || entry["type"].is_null())) info.type = type;
  json p = {{"name", info.name}, {"namespace", info.ns}, {"uid", info.uid}, {"type", info.type}};
  if (info.type == "vsphere") p["sdkEndpoint"] = info.sdk_endpoint;
  // Listed, so Forklift has validated it.
  p["validated"] = true;
  const json* status = nullptr;
  if (auto object = entry.find("object"); object != entry.end() && object->is_object()) {
    if (auto st = object->find("status"); st != object->end() && st->is_object()) status = &*st;
  }
  if (status) {
    // Phase and conditions as the inventory's copy has them: they decide readiness, a stale
    // Ready included. The derived Ready condition is replaced by the recorded one.
    bool ready_condition = false;
    json conditions = json::array();
    if (auto cs = status->find("conditions"); cs != status->end() && cs->is_array()) {
      for (const auto& c : *cs) {
        if (!c.is_object()) continue;
        json kept = json::object();
        for (const auto& key : kConditionKeys)
          if (auto v = c.find(key);
              v != c.end() && v->is_string() && !v->get_ref<const std::string&>().empty())
            kept[key] = *v;
        if (!kept.contains("type") || !kept.contains("status")) continue;
        if (kept["type"] == "Ready") ready_condition = kept["status"] == "True";
        conditions.push_back(std::move(kept));
      }
    }
    p["ready"] = ready_condition;
    auto phase = status->find("phase");
    if (phase != status->end() && phase->is_string() &&
        !phase->get_ref<const std::string&>().empty())
      p["phase"] = *phase;
    p["conditions"] = conditions;
  }
  if (info.secret) p["secret"] = {{"name", info.secret->name}, {"namespace", info.secret->ns}};
  if (info.type == "vsphere") p["synced"] = hosts_status == 200;
  return p;
}

}  // namespace hostadm
