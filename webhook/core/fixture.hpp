// The mock inventory (the fixture format): parsed from a JSON value (see yaml.hpp),
// served in-process as an InventoryView, and rendered as the Forklift inventory REST API answers
// so `host-harness serve-inventory` and the in-process view give the same answers.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/inventory.hpp"

namespace hostadm {

struct FixtureProvider {
  ProviderInfo info;  // name, ns, uid (default derived from ns/name), type, readiness, ...
  bool validated =
      true;            // false: absent from every listing, its routes answer 404 ProviderNotFound
  bool synced = true;  // false: every route under it answers 206, after sync_delay
  std::chrono::milliseconds sync_delay{0};
  nlohmann::json
      status;            // the Provider's status as the inventory's copy has it (phase, conditions)
  nlohmann::json hosts;  // Forklift's host JSON, unknown keys kept verbatim
  std::shared_ptr<const HostIndex> index;  // the hosts as the full-detail answers read them
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

// The fixture in-process, answering what the HTTP client would read from the same fixture served
// by `host-harness serve-inventory`. `budget` is how long the caller would wait for the
// inventory: a provider that is not synced answers NotReady when its sync delay fits in it, and
// Unavailable (timed out) when it does not, as the real inventory's late 206 does.
class FixtureInventory : public InventoryView {
 public:
  explicit FixtureInventory(std::shared_ptr<const Fixture> fixture,
                            std::chrono::milliseconds budget = std::chrono::milliseconds::max());
  ProviderLookup provider(const std::string& ns, const std::string& name) override;
  HostsLookup host_by_id(const ProviderInfo& provider, const std::string& id) override;
  HostsLookup hosts_by_name(const ProviderInfo& provider, const std::string& name) override;

 private:
  // nullptr with `out` filled when the provider's host routes do not answer 200.
  const FixtureProvider* host_routes(const ProviderInfo& provider, HostsLookup& out) const;

  std::shared_ptr<const Fixture> fixture_;
  std::chrono::milliseconds budget_;
};

// Run-time switches of the mock inventory (`POST /__faults` of serve-inventory). A provider is
// named by uid or by "namespace/name".
struct RestFaults {
  std::vector<std::string> loading;   // listing at detail > 0 of its namespace answers 500; its
                                      // routes answer 206 (it is not in parity yet)
  std::vector<std::string> unsynced;  // its routes answer 206
  std::optional<std::chrono::milliseconds> sync_delay;  // overrides every provider's syncDelay
};

// One inventory REST answer, as the real service gives it.
struct RestAnswer {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;                    // JSON on 200, empty otherwise
  std::chrono::milliseconds delay{0};  // how long the real inventory waits before answering
};

// path like "/providers/vsphere/<uid>/hosts", query parameters already decoded.
RestAnswer inventory_rest_answer(const Fixture& fixture, const std::string& path,
                                 const std::map<std::string, std::string>& query,
                                 const RestFaults& faults = {});

// One provider of a fixture document, without `hosts`, from what the inventory answers about it:
// `entry` is `GET /providers/<type>/<uid>` (a listing entry for a provider that cannot have
// hosts), `hosts_status` the HTTP status its host routes answered (206: not synced). Records what
// the verdicts depend on: validated (it was listed), phase and conditions, synced, secret.
nlohmann::json fixture_provider_from_inventory(const nlohmann::json& entry, const std::string& type,
                                               int hosts_status);

}  // namespace hostadm
