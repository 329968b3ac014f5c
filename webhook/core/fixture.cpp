// The fixture format: a YAML/JSON document of providers and their hosts, checked key by key.
#include "webhook/core/fixture.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <string_view>
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

const std::vector<std::string> kTopKeys = {"providers", "secrets", "clusterHosts", "endpoints",
                                           "namespaces"};
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
  if (auto t = host.find("thumbprint"); t != host.end() && !t->is_null() && !t->is_string())
    throw DocumentError(pointer + "/thumbprint",
                        "host `thumbprint` must be a string, the certificate's SHA-1 as "
                        "\"AA:BB:...\" (20 colon-separated hex bytes)");
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
      check_fixture_keys(c, ci, "condition", kFixtureConditionKeys);
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

// `syncDelay`: a duration ("10s", "500ms") or whole seconds.
std::chrono::milliseconds sync_delay_field(const json& p, const std::string& pointer) {
  auto delay = p.find("syncDelay");
  if (delay == p.end() || delay->is_null()) return std::chrono::milliseconds(0);
  try {
    if (delay->is_number_unsigned()) return std::chrono::seconds(delay->get<unsigned>());
    if (delay->is_string()) return parse_duration(delay->get<std::string>());
    throw std::invalid_argument("got " + std::string(type_name(*delay)));
  } catch (const std::exception& e) {
    throw DocumentError(pointer + "/syncDelay",
                        std::string("provider `syncDelay` must be a duration like 10s or 500ms (") +
                            e.what() + ")");
  }
}

FixtureProvider parse_provider(const json& p, const std::string& pointer) {
  if (!p.is_object())
    throw DocumentError(pointer, std::string("a provider must be a map with `name` and "
                                             "`namespace`, got ") +
                                     type_name(p));
  check_fixture_keys(p, pointer, "provider", kProviderKeys);
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
  out.sync_delay = sync_delay_field(p, pointer);

  auto secret = p.find("secret");
  if (secret != p.end() && !secret->is_null()) {
    std::string sp = pointer + "/secret";
    if (!secret->is_object())
      throw DocumentError(sp, "provider `secret` must be a map {name, namespace}");
    check_fixture_keys(*secret, sp, "provider secret", kSecretKeys);
    ObjectRef ref;
    ref.name = string_field(*secret, sp, "name", "provider secret", true);
    ref.ns = string_field(*secret, sp, "namespace", "provider secret", false);
    if (ref.ns.empty()) ref.ns = info.ns;
    info.secret = ref;
  }

  // The hosts themselves come through FixtureBuilder::add_host.
  auto hosts = p.find("hosts");
  if (hosts != p.end() && !hosts->is_null() && !hosts->is_array())
    throw DocumentError(pointer + "/hosts",
                        "provider `hosts` must be a list of Forklift host objects");
  return out;
}

// Host ids are unique within a provider: an id lookup must have one answer.
void check_unique_ids(const std::vector<FixtureHost>& hosts, const std::string& pointer,
                      const ProviderInfo& info) {
  std::set<std::string_view> ids;
  for (size_t i = 0; i < hosts.size(); ++i)
    if (!ids.insert(hosts[i].id).second)
      throw DocumentError(pointer + "/hosts/" + std::to_string(i) + "/id",
                          "duplicate host id '" + hosts[i].id + "' in provider " + info.ns + "/" +
                              info.name + "; every host id must be unique");
}

}  // namespace

struct FixtureBuilder::Pending {
  struct Hosts {
    std::vector<FixtureHost> hosts;
    std::vector<HostInfo> infos;
  };
  std::vector<Hosts> by_provider;  // by the provider's index in `providers`
};

FixtureBuilder::FixtureBuilder() : pending_(std::make_unique<Pending>()) {}
FixtureBuilder::~FixtureBuilder() = default;
FixtureBuilder::FixtureBuilder(FixtureBuilder&&) noexcept = default;
FixtureBuilder& FixtureBuilder::operator=(FixtureBuilder&&) noexcept = default;

void FixtureBuilder::add_host(size_t provider_index, size_t host_index, const json& host) {
  const std::string pointer =
      "/providers/" + std::to_string(provider_index) + "/hosts/" + std::to_string(host_index);
  check_host(host, pointer);
  if (pending_->by_provider.size() <= provider_index)
    pending_->by_provider.resize(provider_index + 1);
  Pending::Hosts& to = pending_->by_provider[provider_index];
  HostInfo info;
  FixtureHost h;
  try {
    h = make_fixture_host(host, info);
  } catch (const std::invalid_argument& e) {
    throw DocumentError(pointer, e.what());
  }
  to.hosts.push_back(std::move(h));
  to.infos.push_back(std::move(info));
}

Fixture FixtureBuilder::finish(const json& doc) {
  if (!doc.is_object())
    throw DocumentError(
        "", std::string("a fixture must be a map with a `providers:` list, got ") + type_name(doc));
  check_fixture_keys(doc, "", "the fixture", kTopKeys);
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
    Pending::Hosts hosts;
    if (i < pending_->by_provider.size()) hosts = std::move(pending_->by_provider[i]);
    if (p.info.type != "vsphere" && !hosts.hosts.empty())
      throw DocumentError(pointer + "/hosts",
                          "only vsphere providers have hosts; remove `hosts` or set "
                          "`type: vsphere`");
    check_unique_ids(hosts.hosts, pointer, p.info);
    p.hosts = std::move(hosts.hosts);
    p.index = HostIndex::build(std::move(hosts.infos));
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
  fixture.cluster = parse_cluster_facts(doc);
  return fixture;
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
  FixtureBuilder builder;
  auto providers = doc.is_object() ? doc.find("providers") : doc.end();
  if (doc.is_object() && providers != doc.end() && providers->is_array()) {
    for (size_t i = 0; i < providers->size(); ++i) {
      const json& p = (*providers)[i];
      auto hosts = p.is_object() ? p.find("hosts") : p.end();
      if (!p.is_object() || hosts == p.end() || !hosts->is_array()) continue;
      for (size_t h = 0; h < hosts->size(); ++h) builder.add_host(i, h, (*hosts)[h]);
    }
  }
  return builder.finish(doc);
}

const FixtureProvider* find_provider_by_uid(const Fixture& f, const std::string& uid) {
  for (const auto& p : f.providers)
    if (p.info.uid == uid) return &p;
  return nullptr;
}

}  // namespace hostadm
