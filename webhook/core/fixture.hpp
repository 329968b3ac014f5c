// The mock inventory (the fixture format): parsed from a JSON value (see yaml.hpp) and served
// in-process as an InventoryView. The harness renders the same fixture as the Forklift inventory
// REST API answers (harness/fixture_rest.hpp), so `host-harness serve-inventory` and the
// in-process view give the same answers.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/document_error.hpp"
#include "webhook/core/fixture_cluster.hpp"
#include "webhook/core/inventory.hpp"

namespace hostadm {

// One host of a fixture, held as the JSON text the mock inventory answers, built once when the
// fixture is read: a 5,000-host vCenter (about 50 MB of host JSON) is held as about that much
// text, where a DOM of it took ten times as much.
struct FixtureHost {
  std::string id;
  std::string base;    // `{"id":..,"parent":..,"path":..,"revision":..,"name":..`: detail 0
                       // without selfLink (it names the provider's uid) and the closing brace
  std::string detail;  // `,"key":value` for every other key at full detail, defaults filled in

  // The host as the inventory's full-detail answer has it, without selfLink.
  nlohmann::json value() const;
};

struct FixtureProvider {
  ProviderInfo info;  // name, ns, uid (default derived from ns/name), type, readiness, ...
  bool validated =
      true;            // false: absent from every listing, its routes answer 404 ProviderNotFound
  bool synced = true;  // false: every route under it answers 206, after sync_delay
  std::chrono::milliseconds sync_delay{0};
  nlohmann::json
      status;  // the Provider's status as the inventory's copy has it (phase, conditions)
  std::vector<FixtureHost> hosts;          // Forklift's host JSON, unknown keys kept verbatim
  std::shared_ptr<const HostIndex> index;  // the hosts as the full-detail answers read them,
                                           // in the same order as `hosts`
};

struct Fixture {
  std::vector<FixtureProvider> providers;
  ClusterFacts cluster;  // what the Kubernetes API would say; empty: the fixture says nothing
};

// Builds a fixture from its parts, so that a reader can hand hosts over one at a time and never
// hold a whole real-size inventory as a DOM (webhook/io reads JSON fixtures this way). Errors are
// DocumentErrors naming the JSON pointer of the offending key.
class FixtureBuilder {
 public:
  FixtureBuilder();
  ~FixtureBuilder();
  FixtureBuilder(FixtureBuilder&&) noexcept;
  FixtureBuilder& operator=(FixtureBuilder&&) noexcept;

  // Checks and keeps the `host_index`th host of the `provider_index`th provider.
  void add_host(size_t provider_index, size_t host_index, const nlohmann::json& host);
  // The fixture from `doc`, the document without its hosts: a provider's `hosts`, when present,
  // must be a list, but its hosts are the ones given to add_host (a reader that streamed them
  // leaves the list empty; parse_fixture hands over each one).
  Fixture finish(const nlohmann::json& doc);

 private:
  struct Pending;
  std::unique_ptr<Pending> pending_;
};

// A whole document at once. Unknown top-level and provider keys are errors naming the key and the
// accepted ones.
Fixture parse_fixture(const nlohmann::json& doc);
// Deterministic uid for a provider with none: a UUID-shaped hash of "namespace/name".
std::string derived_uid(const std::string& ns, const std::string& name);
const FixtureProvider* find_provider_by_uid(const Fixture& f, const std::string& uid);

// Provider types Forklift knows; a typo must not become a new type.
extern const std::vector<std::string> kFixtureProviderTypes;
// The keys of a provider condition a fixture records (the inventory's copy has the same).
extern const std::vector<std::string> kFixtureConditionKeys;
// The inventory's ?detail= level that means everything.
inline constexpr int kFixtureMaxDetail = 1 << 20;
// `host` (already checked: a map with a string `id`) as the inventory serves it; `info` gets what
// a client reads from its full-detail answer. Throws std::invalid_argument like
// host_from_inventory_json.
FixtureHost make_fixture_host(const nlohmann::json& host, HostInfo& info);
// One host of a fixture provider with uid `uid` as the inventory answers it at ?detail=`detail`
// (JSON text appended to `out`): the detail-0 keys first, in the inventory's order, then the
// others.
void append_fixture_host(std::string& out, const std::string& uid, const FixtureHost& host,
                         int detail);

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

}  // namespace hostadm
