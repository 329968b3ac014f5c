#include "webhook/core/admission_path.hpp"

#include <stdexcept>
#include <utility>

#include "webhook/core/json_document.hpp"
#include "webhook/core/json_write.hpp"
#include "webhook/core/review_reader.hpp"

namespace hostadm {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::Allowed:
      return "allowed";
    case Outcome::Warned:
      return "warned";
    case Outcome::Denied:
      return "denied";
    case Outcome::Deferred:
      return "deferred";
    case Outcome::BadRequest:
      return "bad-request";
    case Outcome::Error:
      return "error";
  }
  return "error";
}

Outcome outcome_of(const Verdict& v) {
  if (v.defer) return Outcome::Deferred;
  if (!v.allowed) return Outcome::Denied;
  if (!v.warnings.empty()) return Outcome::Warned;
  return Outcome::Allowed;
}

// Field by field: assigning a new answer (moving the request back into it) cost 3,600
// instructions per /mutate more, the request's thirty strings moved twice.
void AdmissionAnswer::reset() {
  status = 200;
  content_type = "application/json";
  body.clear();
  outcome = Outcome::Error;
  decoded = false;
  request.reset();
  response.reset();
  in_scope = false;
  rules.clear();
  problem.clear();
}

std::string error_body(int status, std::string_view message) {
  std::string out = "{\"code\":";
  out += std::to_string(status);
  out += ",\"message\":";
  json_write::append_string(out, message, json_write::InvalidUtf8::Replace);
  out += '}';
  return out;
}

namespace {

void refuse(AdmissionAnswer& a, int status, std::string message, std::string problem) {
  a.status = status;
  a.outcome = Outcome::BadRequest;
  a.body = error_body(status, message);
  a.problem = std::move(problem);
}

// The review read, or the answer's 400 filled in. The 400's message may quote the body back to
// its sender; `problem`, which is logged, never does.
bool read(std::string_view body, const Policy& policy, AdmissionAnswer& a) {
  try {
    read_review(body, a.request, &policy.adapter_annotation);
    a.decoded = true;
  } catch (const JsonTooDeep& e) {
    refuse(a, 400, std::string("request body refused: ") + e.what(),
           "JSON too deep at byte " + std::to_string(e.byte));
  } catch (const InvalidJson& e) {
    refuse(a, 400, std::string("request body is not valid JSON: ") + e.what(),
           "invalid JSON at byte " + std::to_string(e.byte));
  } catch (const ReviewError& e) {
    refuse(a, 400, std::string("not an AdmissionReview: ") + e.what(), e.what());
  }
  return a.decoded;
}

void decide_and_encode(AdmissionAnswer& a, Phase phase, InventoryView& inventory,
                       const Policy& policy, ClusterView* cluster) {
  Verdict verdict = decide(a.request, phase, inventory, policy, cluster);
  verdict.rules_into(a.rules);
  a.outcome = outcome_of(verdict);
  a.in_scope = verdict.in_scope;
  const bool defer = verdict.defer;
  to_response(a.request, std::move(verdict), a.response);
  // The contract, whatever the decision returned: a validating answer and an answer to a
  // DELETE never carry a patch (the apiserver rejects those).
  if (phase == Phase::Validate || a.request.operation == "DELETE"sv) a.response.patch = JsonPatch();
  if (defer) {
    // HTTP 503 is a call failure for the apiserver, so its failurePolicy decides.
    a.status = 503;
    a.body = error_body(503, a.response.message.empty()
                                 ? "inventory unavailable; deferring to the webhook's "
                                   "failurePolicy"
                                 : a.response.message);
    return;
  }
  // Room for the whole answer at once: the fixed part, the message, the base64 of the patch, the
  // warnings (their JSON escapes aside).
  size_t size = 512 + a.response.message.size() + a.response.patch.text().size() / 3 * 4;
  for (const auto& w : a.response.warnings) size += w.size() + 3;
  a.body.reserve(size);
  encode_review(a.body, a.request, a.response);
}

// A valid review with the uid: the user sees "internal error" instead of a call failure.
void internal_error(AdmissionAnswer& a, std::string problem) {
  a.outcome = Outcome::Error;
  a.problem = std::move(problem);
  a.rules.clear();
  a.body.clear();
  if (!a.decoded) {
    a.status = 500;
    a.body = error_body(500, "internal error");
    return;
  }
  a.status = 200;
  a.response.reset();
  a.response.allowed = false;
  a.response.code = 500;
  a.response.reason = "InternalError";
  a.response.message = "internal error";
  encode_review(a.body, a.request, a.response);
}

// One path for every entry: `inventory()` gives the view once the review was read. `a` is a
// default-constructed answer, or one reset.
template <class View>
void admit_with(AdmissionAnswer& a, std::string_view body, Phase phase, View inventory,
                const Policy& policy, ClusterView* cluster) noexcept {
  try {
    try {
      if (read(body, policy, a)) decide_and_encode(a, phase, inventory(), policy, cluster);
    } catch (const std::exception& e) {
      internal_error(a, e.what());
    } catch (...) {
      internal_error(a, "unknown exception");
    }
  } catch (...) {  // out of memory even for that
    a.status = 500;
    a.content_type = "text/plain";
    a.outcome = Outcome::Error;
    try {
      a.body = "internal error\n";
    } catch (...) {
    }
  }
}

}  // namespace

AdmissionAnswer admit(std::string_view body, Phase phase, InventoryView& inventory,
                      const Policy& policy, ClusterView* cluster) noexcept {
  AdmissionAnswer a;
  admit_with(
      a, body, phase, [&]() -> InventoryView& { return inventory; }, policy, cluster);
  return a;
}

void admit(AdmissionAnswer& a, std::string_view body, Phase phase, const MakeView& make_view,
           const Policy& policy, ClusterView* cluster) noexcept {
  a.reset();
  std::unique_ptr<InventoryView> view;
  admit_with(
      a, body, phase,
      [&]() -> InventoryView& {
        view = make_view();
        if (!view) throw std::runtime_error("no inventory view");
        return *view;
      },
      policy, cluster);
}

AdmissionAnswer admit(std::string_view body, Phase phase, const MakeView& make_view,
                      const Policy& policy, ClusterView* cluster) noexcept {
  AdmissionAnswer a;
  admit(a, body, phase, make_view, policy, cluster);
  return a;
}

}  // namespace hostadm
