#include "harness/fixture_rest.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace hostadm {

using nlohmann::json;

namespace {

// Provider types in the inventory's `GET /providers` map: always these seven keys (no nutanix).
const std::vector<std::string> kProviderMapTypes = {"openshift", "vsphere", "ovirt", "openstack",
                                                    "ova",       "ec2",     "hyperv"};

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
  if (it->second == "all") return *detail = kFixtureMaxDetail, true;
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
  return std::find(kFixtureProviderTypes.begin(), kFixtureProviderTypes.end(), t) !=
         kFixtureProviderTypes.end();
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

// `GET .../hosts/<id>`, always at full detail; "" for an unknown id.
std::string host_text(const FixtureProvider& p, const std::string& id) {
  std::string out;
  if (auto it = p.index->by_id.find(id); it != p.index->by_id.end())
    append_fixture_host(out, p.info.uid, p.hosts[it->second], kFixtureMaxDetail);
  return out;
}

// A page of the host list, from the text each host was rendered to when the fixture was read.
std::string host_list(const FixtureProvider& p, size_t offset, size_t limit, int detail) {
  std::string out = "[";
  if (offset < p.hosts.size()) {
    const size_t end = offset + std::min(limit, p.hosts.size() - offset);
    size_t bytes = 2;
    for (size_t i = offset; i < end; ++i)
      bytes += p.hosts[i].base.size() + 96 + (detail >= 1 ? p.hosts[i].detail.size() : 0);
    out.reserve(bytes);
    for (size_t i = offset; i < end; ++i) {
      if (i > offset) out += ',';
      append_fixture_host(out, p.info.uid, p.hosts[i], detail);
    }
  }
  out += ']';
  return out;
}

}  // namespace

std::vector<std::string> rest_path_segments(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

RestAnswer inventory_rest_answer(const Fixture& fixture, const std::string& path,
                                 const std::map<std::string, std::string>& query,
                                 const RestFaults& faults) {
  auto seg = rest_path_segments(std::string_view(path).substr(0, path.find('?')));
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

  const FixtureProvider* p = find_provider_by_uid(fixture, seg[2]);
  if (!p || !p->validated) return provider_not_found();  // no collector for that uid
  if (p->info.type != type) return answer(404);          // a provider of another type
  if (seg.size() == 3) return answer(200, body_of(provider_entry(*p, kFixtureMaxDetail)));
  if (!in_parity(*p, faults)) {
    RestAnswer late = answer(206);
    late.delay = parity_wait(*p, faults);
    return late;
  }
  if (seg[3] != "hosts" || seg.size() > 5) return answer(404);

  if (seg.size() == 5) {
    const std::string text = host_text(*p, seg[4]);
    return text.empty() ? answer(404) : answer(200, text);
  }
  auto name_it = query.find("name");
  if (name_it == query.end()) return answer(200, host_list(*p, offset, limit, detail));
  const auto& idx = p->index->hosts;  // same order as p->hosts
  std::vector<size_t> hits = name_matches(
      idx.size(), name_it->second, [&](size_t k) { return idx[k].name; },
      [&](size_t k) { return host_path(idx[k]); });
  std::string body = "[";
  for (size_t i = offset; i < hits.size() && i - offset < limit; ++i) {
    if (i > offset) body += ',';
    append_fixture_host(body, p->info.uid, p->hosts[hits[i]], detail);
  }
  body += ']';
  return answer(200, std::move(body));
}

}  // namespace hostadm
