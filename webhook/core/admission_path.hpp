// One admission from the request body's bytes to the answer's: read the AdmissionReview, decide,
// encode the answer. host-webhook's handler and host-harness (replay, test, rules) both take
// this path, so CI runs the bytes-to-bytes path production runs; the server keeps only what is
// HTTP or process state: the media type, the deadline, the inventory view, metrics and logs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "webhook/core/admission.hpp"
#include "webhook/core/cluster_view.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/inventory.hpp"
#include "webhook/core/phase.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm {

// What became of one admission: the one classification that the answer's audit annotation, the
// metrics and the log all use.
enum class Outcome {
  Allowed,   // admitted without a warning
  Warned,    // admitted with warnings
  Denied,    // refused (a rule denied, or the Host is malformed)
  Deferred,  // the inventory failed under inventoryFailure: defer: HTTP 503, failurePolicy decides
  BadRequest,  // the body is not a usable AdmissionReview: HTTP 400
  Error,  // a bug: a review denying with "internal error", or HTTP 500 before the uid was known
};
const char* to_string(Outcome o);  // allowed, warned, denied, deferred, bad-request, error
Outcome outcome_of(const Verdict& v);

struct AdmissionAnswer {
  int status = 200;  // HTTP status
  const char* content_type = "application/json";
  std::string body;  // an AdmissionReview, or {"code","message"} for a 4xx/5xx
  Outcome outcome = Outcome::Error;
  bool decoded = false;      // the body was a usable AdmissionReview: `request` is it
  AdmissionRequest request;  // for the log line: uid, namespace, name, operation, user
  // The decision, once made: what `body` encodes (for a deferred one, what it would have
  // encoded: the 503's message), whether the request was a Host the rules judge, and the ids of
  // every rule that found something, denials first.
  AdmissionResponse response;
  bool in_scope = false;
  std::vector<std::string> rules;
  std::string problem;  // BadRequest, Error: why, without quoting the body (for logs)

  // Back to a default-constructed answer, the request's strings keeping their room.
  void reset();
};

// Never throws. A validating answer, and an answer to a DELETE, never carry a patch.
// `cluster` as decide() takes it.
AdmissionAnswer admit(std::string_view body, Phase phase, InventoryView& inventory,
                      const Policy& policy, ClusterView* cluster = nullptr) noexcept;
// The same, with the view made only once the body is a usable review (the server binds it to
// the request's deadline). A view that cannot be made is an internal error, answered as one.
using MakeView = std::function<std::unique_ptr<InventoryView>()>;
AdmissionAnswer admit(std::string_view body, Phase phase, const MakeView& make_view,
                      const Policy& policy, ClusterView* cluster = nullptr) noexcept;
// The same into `answer`, an earlier admission's, reset first: the server's workers each keep
// one, so the strings of a review are read into room it already has.
void admit(AdmissionAnswer& answer, std::string_view body, Phase phase, const MakeView& make_view,
           const Policy& policy, ClusterView* cluster = nullptr) noexcept;

// {"code":STATUS,"message":MESSAGE}, the body of an answer that carries no AdmissionReview.
std::string error_body(int status, std::string_view message);

}  // namespace hostadm
