#include "harness/inventory_faults.hpp"

#include <utility>
#include <vector>

namespace hostadm::harness {

using nlohmann::json;

json Faults::to_json() {
  std::lock_guard<std::mutex> lk(mu);
  json j = {
      {"latencyMs", latency_ms}, {"status", status},          {"drop", drop},
      {"loading", rest.loading}, {"unsynced", rest.unsynced}, {"errorMessage", error_message}};
  j["syncDelayMs"] = rest.sync_delay ? json(rest.sync_delay->count()) : json(nullptr);
  return j;
}

json Counts::to_json() const {
  return {{"providers", providers.load()},
          {"provider", provider.load()},
          {"hosts", hosts.load()},
          {"host", host.load()},
          {"total", total.load()}};
}

void Counts::reset() {
  providers = provider = hosts = host = total = 0;
}

// Which kind of inventory request a path is, for /__requests (tests count fetches with it).
void count(Counts& c, const std::string& path) {
  ++c.total;
  std::vector<std::string> seg;
  size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) seg.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (seg.size() >= 4 && seg[3] == "hosts")
    ++(seg.size() == 4 ? c.hosts : c.host);
  else if (seg.size() == 3)
    ++c.provider;
  else
    ++c.providers;
}

namespace {

constexpr const char* kFaultKeys =
    "latencyMs, status, drop, loading, unsynced, syncDelayMs, errorMessage";

std::string names_field(const json& v, const char* key, std::vector<std::string>& out) {
  if (!v.is_array()) return std::string(key) + " must be a list of provider uids or namespace/name";
  for (const auto& n : v) {
    if (!n.is_string() || n.get_ref<const std::string&>().empty())
      return std::string(key) + " must be a list of provider uids or namespace/name";
    out.push_back(n.get<std::string>());
  }
  return "";
}

}  // namespace

std::string apply_faults(Faults& f, const std::string& body) {
  json j;
  try {
    j = json::parse(body.empty() ? "{}" : body);
  } catch (const json::exception&) {
    return "body must be JSON like {\"latencyMs\": 0, \"status\": 0, \"drop\": false}";
  }
  if (!j.is_object()) return "body must be a JSON object";
  int latency = 0, status = 0;
  bool drop = false;
  std::string message;
  RestFaults rest;
  for (const auto& [key, v] : j.items()) {
    std::string err;
    if (key == "latencyMs") {
      if (!v.is_number_integer() || v.get<long>() < 0 || v.get<long>() > 600000)
        return "latencyMs must be an integer from 0 to 600000";
      latency = v.get<int>();
    } else if (key == "status") {
      if (!v.is_number_integer() ||
          (v.get<long>() != 0 && (v.get<long>() < 200 || v.get<long>() > 599)))
        return "status must be 0 (off) or an HTTP code such as 500, 503, 206, 401 or 403";
      status = v.get<int>();
    } else if (key == "drop") {
      if (!v.is_boolean()) return "drop must be true or false";
      drop = v.get<bool>();
    } else if (key == "loading") {
      err = names_field(v, "loading", rest.loading);
    } else if (key == "unsynced") {
      err = names_field(v, "unsynced", rest.unsynced);
    } else if (key == "syncDelayMs") {
      if (!v.is_null()) {
        if (!v.is_number_integer() || v.get<long>() < 0 || v.get<long>() > 600000)
          return "syncDelayMs must be an integer from 0 to 600000, or null";
        rest.sync_delay = std::chrono::milliseconds(v.get<long>());
      }
    } else if (key == "errorMessage") {
      if (!v.is_string()) return "errorMessage must be a string";
      message = v.get<std::string>();
    } else {
      return "unknown key '" + key + "'; accepted: " + kFaultKeys;
    }
    if (!err.empty()) return err;
  }
  std::lock_guard<std::mutex> lk(f.mu);
  f.latency_ms = latency;
  f.status = status;
  f.drop = drop;
  f.error_message = message;
  f.rest = std::move(rest);
  return "";
}

}  // namespace hostadm::harness
