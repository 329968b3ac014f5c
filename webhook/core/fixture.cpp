// The fixture format: a YAML/JSON document of providers and their hosts, checked key by key.
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

// Provider types Forklift knows; a typo must not become a new type.
const std::vector<std::string> kFixtureProviderTypes = {
    "openshift", "vsphere", "ovirt", "openstack", "ova", "ec2", "hyperv", "nutanix"};
const std::vector<std::string> kFixtureConditionKeys = {"type",   "status",  "category",
                                                        "reason", "message", "lastTransitionTime"};

namespace {

const std::vector<std::string> kTopKeys = {"providers"};
const std::vector<std::string> kProviderKeys = {
    "name",  "namespace",  "uid",       "type",   "sdkEndpoint", "ready",  "staleReady",
    "phase", "conditions", "validated", "synced", "syncDelay",   "secret", "hosts"};
const std::vector<std::string> kSecretKeys = {"name", "namespace"};
const char* kNotReadyReason = "the Provider's Ready condition is False";
// What the inventory's copy shows after a vCenter login failure: phase and a Critical condition
// are current, the Ready condition is the old one.
const char* kAuthFailedMessage =
    "Could not connect to the vCenter: login failed, incorrect user "
    "name or password.";
void check_keys(const json& obj, const std::string& pointer, const char* what,
                const std::vector<std::string>& accepted) {
  for (const auto& [key, value] : obj.items()) {
    (void)value;
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end())
      throw DocumentError(
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
      throw DocumentError(pointer + "/" + key,
                          std::string(what) + " needs `" + key + "` (a non-empty string)");
    return "";
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty())
    throw DocumentError(pointer + "/" + key, std::string(what) + " `" + key +
                                                 "` must be a non-empty string, got " +
                                                 (it->is_string() ? "\"\"" : type_name(*it)));
  return it->get<std::string>();
}

bool bool_field(const json& obj, const std::string& pointer, const std::string& key, bool dflt) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_boolean())
    throw DocumentError(pointer + "/" + key,
                        "provider `" + key + "` must be true or false, got " + type_name(*it));
  return it->get<bool>();
}

void check_host(const json& host, const std::string& pointer) {
  if (!host.is_object())
    throw DocumentError(
        pointer, std::string("a host must be a map with at least `id`, got ") + type_name(host));
  string_field(host, pointer, "id", "host", true);
  string_field(host, pointer, "name", "host", false);
  for (const char* key : {"status"}) {
    auto it = host.find(key);
    if (it != host.end() && !it->is_null() && !it->is_string())
      throw DocumentError(pointer + "/" + key, std::string("host `") + key +
                                                   "` must be a string (green, yellow, red, gray)");
  }
  auto m = host.find("inMaintenance");
  if (m != host.end() && !m->is_null() && !m->is_boolean())
    throw DocumentError(pointer + "/inMaintenance", "host `inMaintenance` must be true or false");
  auto adapters = host.find("networkAdapters");
  if (adapters == host.end() || adapters->is_null()) return;
  if (!adapters->is_array())
    throw DocumentError(pointer + "/networkAdapters",
                        "host `networkAdapters` must be a list of {name, ipAddress, ...}");
  for (size_t i = 0; i < adapters->size(); ++i) {
    const json& a = (*adapters)[i];
    std::string ap = pointer + "/networkAdapters/" + std::to_string(i);
    if (!a.is_object())
      throw DocumentError(ap, "a network adapter must be a map {name, ipAddress, ...}");
    for (const char* key : {"name", "ipAddress"}) {
      auto it = a.find(key);
      if (it != a.end() && !it->is_null() && !it->is_string())
        throw DocumentError(ap + "/" + key,
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
    throw DocumentError(pointer + "/staleReady",
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
      throw DocumentError(cp,
                          "provider `conditions` must be a list of {type, status, category, "
                          "message}");
    for (size_t i = 0; i < extra->size(); ++i) {
      const json& c = (*extra)[i];
      const std::string ci = cp + "/" + std::to_string(i);
      if (!c.is_object()) throw DocumentError(ci, "a condition must be a map {type, status, ...}");
      check_keys(c, ci, "condition", kFixtureConditionKeys);
      json given = c;
      // YAML reads an unquoted True as a boolean: take it as the condition status it means.
      if (auto st = given.find("status"); st != given.end() && st->is_boolean())
        *st = st->get<bool>() ? "True" : "False";
      json kept = json::object();
      for (const auto& key : kFixtureConditionKeys)
        if (!string_field(given, ci, key, "condition", key == "type" || key == "status").empty())
          kept[key] = given[key];
      const std::string st = kept["status"];
      if (st != "True" && st != "False" && st != "Unknown")
        throw DocumentError(ci + "/status", "condition `status` must be True, False or Unknown");
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
    throw DocumentError(pointer, std::string("a provider must be a map with `name` and "
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
    if (std::find(kFixtureProviderTypes.begin(), kFixtureProviderTypes.end(), type) ==
        kFixtureProviderTypes.end())
      throw DocumentError(pointer + "/type", "provider type '" + type +
                                                 "' is not a Forklift provider type; use one of: " +
                                                 text::join(kFixtureProviderTypes));
    info.type = type;
  }
  std::string sdk = string_field(p, pointer, "sdkEndpoint", "provider", false);
  if (!sdk.empty()) {
    if (sdk != "vcenter" && sdk != "esxi")
      throw DocumentError(pointer + "/sdkEndpoint",
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
      throw DocumentError(
          pointer + "/syncDelay",
          std::string("provider `syncDelay` must be a duration like 10s or 500ms (") + e.what() +
              ")");
    }
  }

  auto secret = p.find("secret");
  if (secret != p.end() && !secret->is_null()) {
    std::string sp = pointer + "/secret";
    if (!secret->is_object())
      throw DocumentError(sp, "provider `secret` must be a map {name, namespace}");
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
      throw DocumentError(hp, "provider `hosts` must be a list of Forklift host objects");
    if (info.type != "vsphere" && !hosts->empty())
      throw DocumentError(hp,
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
        throw DocumentError(pointer_i, e.what());
      }
      const std::string id = h["id"];
      if (!ids.insert(id).second)
        throw DocumentError(pointer_i + "/id", "duplicate host id '" + id + "' in provider " +
                                                   info.ns + "/" + info.name +
                                                   "; every host id must be unique");
      out.hosts.push_back(h);
      // Read back from the full-detail answer, so the in-process view sees what a client of the
      // served fixture sees (defaults included).
      infos.push_back(host_from_inventory_json(fixture_host_entry(info.uid, h, kFixtureMaxDetail)));
    }
    out.index = HostIndex::build(std::move(infos));
  } else {
    out.index = HostIndex::build({});
  }
  return out;
}

}  // namespace

json fixture_host_entry(const std::string& uid, const json& host, int detail) {
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
    throw DocumentError(
        "", std::string("a fixture must be a map with a `providers:` list, got ") + type_name(doc));
  check_keys(doc, "", "the fixture", kTopKeys);
  auto providers = doc.find("providers");
  if (providers == doc.end() || providers->is_null())
    throw DocumentError("", "the fixture needs a `providers:` list");
  if (!providers->is_array())
    throw DocumentError("/providers",
                        std::string("`providers` must be a list, got ") + type_name(*providers));
  Fixture fixture;
  for (size_t i = 0; i < providers->size(); ++i) {
    std::string pointer = "/providers/" + std::to_string(i);
    FixtureProvider p = parse_provider((*providers)[i], pointer);
    for (const auto& other : fixture.providers) {
      if (other.info.ns == p.info.ns && other.info.name == p.info.name)
        throw DocumentError(pointer + "/name", "duplicate provider " + p.info.ns + "/" +
                                                   p.info.name + "; each namespace/name once");
      if (other.info.uid == p.info.uid)
        throw DocumentError(pointer + "/uid", "provider uid '" + p.info.uid + "' is also used by " +
                                                  other.info.ns + "/" + other.info.name +
                                                  "; every uid must be unique");
    }
    fixture.providers.push_back(std::move(p));
  }
  return fixture;
}

const FixtureProvider* find_provider_by_uid(const Fixture& f, const std::string& uid) {
  for (const auto& p : f.providers)
    if (p.info.uid == uid) return &p;
  return nullptr;
}

}  // namespace hostadm
