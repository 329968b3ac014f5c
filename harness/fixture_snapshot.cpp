#include "harness/fixture_snapshot.hpp"

#include "webhook/core/fixture.hpp"
#include "webhook/core/inventory.hpp"

namespace hostadm {

using nlohmann::json;

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
        for (const auto& key : kFixtureConditionKeys)
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
