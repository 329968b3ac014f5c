// One row of the decision table (host_cases.hpp) and the Host manifests the rows are built
// from.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/testlib/fake_cluster.hpp"
#include "unit/testlib/fake_inventory.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/core/review_reader.hpp"

namespace hostadm::testing {

using nlohmann::json;

inline constexpr const char* kAdapterKey = "forklift.konveyor.io/network-adapter";

json owner_ref(const std::string& name, const std::string& uid, bool controller = true);

// A stored, already mutated Host: every check passes and nothing is left to fill in.
json stored_host();

// stored_host() with an RFC 7386 merge patch applied: null removes a key.
json host_with(const json& merge);

// A merge patch cannot set {} (it means "no change"), so empty objects go in by pointer.
json set_at(json host, const std::string& pointer, json value);

json with_adapter(json host, const std::string& adapter);

struct HostCase {
  std::string name;
  json object;
  json old_object = nullptr;
  std::string operation;  // default: CREATE, or UPDATE when old_object is set
  std::string request_ns = "demo";
  std::string group = "forklift.konveyor.io";
  std::string resource = "hosts";
  std::string sub_resource;
  json policy_doc = nullptr;
  std::function<void(FakeInventory&)> setup;
  // Set: decided with a cluster view (a Kubernetes API client), as this sets it up.
  std::function<void(FakeCluster&)> cluster_setup;

  // What decide(Mutate) must answer.
  bool allowed = true;
  int code = 200;
  bool defer = false;
  std::vector<std::string> rules;     // exactly, in Verdict::rules() order
  std::vector<std::string> mentions;  // each must appear in the message or a warning
  json patch = json::array();         // exactly
  bool in_scope = true;
  // Admitted without the fields the schema requires: only when inventoryFailure: allow could
  // not derive them (the lead's decision: the apiserver's schema check rejects it then).
  bool schema_may_fail = false;

  HostCase(std::string n, json obj) : name(std::move(n)), object(std::move(obj)) {}
  friend void PrintTo(const HostCase& c, std::ostream* os) { *os << "'" << c.name << "'"; }

  HostCase& denied(std::vector<std::string> r, int c = 403) {
    allowed = false;
    code = c;
    rules = std::move(r);
    return *this;
  }
  HostCase& admitted(std::vector<std::string> r = {}) {
    allowed = true;
    code = 200;
    rules = std::move(r);
    return *this;
  }
  HostCase& deferred() {
    allowed = false;
    code = 503;
    defer = true;
    rules = {"inventory-unavailable"};
    return *this;
  }
  HostCase& naming(std::vector<std::string> m) {
    mentions = std::move(m);
    return *this;
  }
  HostCase& patched(json p) {
    patch = std::move(p);
    return *this;
  }
  HostCase& update_from(json old) {
    old_object = std::move(old);
    return *this;
  }
  HostCase& op(std::string o) {
    operation = std::move(o);
    return *this;
  }
  HostCase& policy(json doc) {
    policy_doc = std::move(doc);
    return *this;
  }
  HostCase& inventory(std::function<void(FakeInventory&)> f) {
    setup = std::move(f);
    return *this;
  }
  HostCase& cluster(std::function<void(FakeCluster&)> f = [](FakeCluster&) {}) {
    cluster_setup = std::move(f);
    return *this;
  }
  HostCase& out_of_scope() {
    in_scope = false;
    return *this;
  }

  // The AdmissionReview the apiserver would send for this row, as its bytes.
  std::string review_text() const;
  // The request the decision reads: the review's bytes through the webhook's own reader.
  AdmissionRequest request() const;
  // The same row with `patched` as its object: the request after /mutate's patch.
  AdmissionRequest request_with(json patched) const;
  FakeInventory make_inventory() const;
  Policy make_policy() const;
  std::unique_ptr<FakeCluster> make_cluster() const;
  // decide() on `req` with this row's inventory, policy and cluster view.
  Verdict decide_with(const AdmissionRequest& req, Phase phase) const;
};

// A JSON Patch operation `add` of `value` at `path`.
json add(const std::string& path, json value);

json vsphere_secret();

}  // namespace hostadm::testing
