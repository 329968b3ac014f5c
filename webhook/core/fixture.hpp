// The mock inventory (the fixture format): parsed from a JSON value (see yaml.hpp),
// served in-process as an InventoryView, and rendered as the Forklift inventory REST API answers
// so `host-harness serve-inventory` and the in-process view give the same answers.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/inventory.hpp"

namespace hostadm {

struct FixtureProvider {
  ProviderInfo info;     // name, ns, uid (default derived from ns/name), type, ...
  bool synced = true;    // false: its hosts answer 206
  nlohmann::json hosts;  // Forklift's host JSON, unknown keys kept verbatim
  std::shared_ptr<const HostIndex> index;
};

struct Fixture {
  std::vector<FixtureProvider> providers;
};

struct FixtureError : std::runtime_error {
  std::string pointer;  // JSON pointer of the offending key
  FixtureError(std::string ptr, const std::string& what)
      : std::runtime_error(what), pointer(std::move(ptr)) {}
};

// Unknown top-level and provider keys are errors naming the key and the accepted ones.
Fixture parse_fixture(const nlohmann::json& doc);
// Deterministic uid for a provider with none: a UUID-shaped hash of "namespace/name".
std::string derived_uid(const std::string& ns, const std::string& name);

class FixtureInventory : public InventoryView {
 public:
  explicit FixtureInventory(std::shared_ptr<const Fixture> fixture);
  ProviderLookup provider(const std::string& ns, const std::string& name) override;
  HostsLookup hosts(const ProviderInfo& provider) override;

 private:
  std::shared_ptr<const Fixture> fixture_;
};

// One inventory REST answer, as the real service gives it.
struct RestAnswer {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;  // JSON on 200, empty otherwise
};

// path like "/providers/vsphere/<uid>/hosts", query parameters already decoded.
RestAnswer inventory_rest_answer(const Fixture& fixture, const std::string& path,
                                 const std::map<std::string, std::string>& query);

// A fixture document (JSON) from live inventory answers: used by `host-harness snapshot`.
nlohmann::json fixture_from_inventory(const nlohmann::json& providers_by_type,
                                      const std::map<std::string, nlohmann::json>& hosts_by_uid,
                                      const std::map<std::string, int>& host_status_by_uid);

}  // namespace hostadm
