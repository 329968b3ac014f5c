// A fixture host as the mock inventory serves it: rendered to JSON text once, when the fixture
// is read, and answered from that text.
#include <utility>

#include "webhook/core/fixture.hpp"

namespace hostadm {

using nlohmann::json;

namespace {

// A fixture may be built by code rather than read (the readers refuse bad UTF-8): such a string
// is served replaced rather than thrown out of a request handler.
std::string text_of(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The keys every answer carries (detail 0), in the order the inventory writes them; selfLink is
// added when served.
const char* const kBaseKeys[] = {"id", "parent", "path", "revision", "name", "selfLink"};

bool base_key(const std::string& key) {
  for (const char* k : kBaseKeys)
    if (key == k) return true;
  return false;
}

// The detail-0 values: the host's own when they have the inventory's type, else what the
// inventory derives for a host that has none.
struct Base {
  std::string id, name;
  json parent, path, revision;

  explicit Base(const json& host) : id(host.value("id", "")) {
    auto n = host.find("name");
    if (n != host.end() && n->is_string()) name = n->get<std::string>();
    parent = host.contains("parent") ? host["parent"] : json();
    if (!parent.is_object()) {
      auto cluster = host.find("cluster");
      parent = cluster != host.end() && cluster->is_string() &&
                       !cluster->get_ref<const std::string&>().empty()
                   ? json{{"kind", "Cluster"}, {"id", *cluster}}
                   : json{{"kind", "Folder"}, {"id", "group-h4"}};
    }
    path = host.contains("path") ? host["path"] : json();
    if (!path.is_string()) path = name.rfind('/', 0) == 0 ? name : "/Datacenter/host/" + name;
    revision = host.contains("revision") ? host["revision"] : json(1);
  }

  std::string text() const {
    return "{\"id\":" + text_of(id) + ",\"parent\":" + text_of(parent) +
           ",\"path\":" + text_of(path) + ",\"revision\":" + text_of(revision) +
           ",\"name\":" + text_of(name);
  }
};

}  // namespace

FixtureHost make_fixture_host(const json& host, HostInfo& info) {
  const Base base(host);
  FixtureHost out;
  out.id = base.id;
  out.base = base.text();
  for (const auto& [key, value] : host.items()) {
    if (base_key(key)) continue;
    out.detail += ',' + text_of(key) + ':';
    // Never null at full detail in the real inventory.
    out.detail += key == "networkAdapters" && value.is_null() ? "[]" : text_of(value);
  }
  // Keys the real inventory always sends at full detail; a fixture may leave them out. (A
  // fixture host without `status` is green: write `status: ""` for an empty one.)
  if (!host.contains("status")) out.detail += ",\"status\":\"green\"";
  if (!host.contains("inMaintenance")) out.detail += ",\"inMaintenance\":false";
  if (!host.contains("networkAdapters")) out.detail += ",\"networkAdapters\":[]";

  // What a client of the full-detail answer reads, so the in-process view sees what a client of
  // the served fixture sees.
  json read = {{"id", base.id},
               {"name", base.name},
               {"path", base.path},
               {"status", host.value("status", json("green"))}};
  for (const char* key : {"inMaintenance", "thumbprint", "networkAdapters"})
    if (auto it = host.find(key); it != host.end()) read[key] = *it;
  info = host_from_inventory_json(read);
  return out;
}

json FixtureHost::value() const {
  return json::parse(base + detail + "}");
}

void append_fixture_host(std::string& out, const std::string& uid, const FixtureHost& host,
                         int detail) {
  out += host.base;
  out += ",\"selfLink\":";
  out += text_of("providers/vsphere/" + uid + "/hosts/" + host.id);
  if (detail >= 1) out += host.detail;
  out += '}';
}

}  // namespace hostadm
