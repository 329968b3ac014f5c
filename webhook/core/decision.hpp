// The decision core: a Host, the request context, an inventory view and a policy in; a verdict
// out. No I/O of its own: the view is the only way out, and it is an interface.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/admission.hpp"
#include "webhook/core/cluster_view.hpp"
#include "webhook/core/inventory.hpp"
#include "webhook/core/phase.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm {

struct Finding {
  std::string rule;     // a rule id from rules.hpp
  bool deny = false;    // false: a warning
  std::string message;  // starts with the rule id: "address-conflict: ..."
  // A denial kept as a warning (a `warn` namespace, or a stored Host updated without change):
  // what an audit reports as a failure, since enforcing on a new Host would refuse it.
  bool demoted = false;
};

struct Verdict {
  bool allowed = true;
  int code = 200;      // 403 policy denial, 400 malformed, 503 deferred to failurePolicy
  bool defer = false;  // inventory failed under `inventoryFailure: defer`: answer HTTP 503
  Mode mode = Mode::Enforce;
  std::vector<Finding> findings;  // denials first, in rule order, then warnings
  std::string message;            // denials joined with "; " (empty when allowed)
  std::vector<std::string> warnings;
  JsonPatch patch;        // RFC 6902 `add`s, only from Phase::Mutate
  bool in_scope = false;  // a Host CREATE/UPDATE on the main resource

  std::vector<std::string> rules() const;  // rule ids of all findings, in order, unique
  // The same appended to `out` (a list that keeps its room), none of them twice.
  void rules_into(std::vector<std::string>& out) const;
};

// `cluster`: the Kubernetes API's and the endpoint's answers; nullptr when no API client is
// configured (the cluster checks are then off and `selector:` entries match no namespace).
Verdict decide(const AdmissionRequest& req, Phase phase, InventoryView& inventory,
               const Policy& policy, ClusterView* cluster = nullptr);

// Verdict -> the AdmissionResponse to encode (uid, status, warnings, patch, audit annotations).
// Pass std::move(verdict) when it is not read again: the patch and warnings move over.
AdmissionResponse to_response(const AdmissionRequest& req, Verdict v);
// The same into `into`, every field set, its strings written where they have room.
void to_response(const AdmissionRequest& req, Verdict v, AdmissionResponse& into);

// The Host CRD's required fields (tests/data/crds/forklift.konveyor.io_hosts.yaml): ipAddress,
// provider, secret, as non-empty. Returns the missing ones (JSON pointers): the apiserver's schema
// check, which the harness runs between /mutate and /validate on the Host document it patched.
std::vector<std::string> missing_required_fields(const nlohmann::json& host);

}  // namespace hostadm
