// A verdict as the AdmissionResponse kube-apiserver reads: status, warnings, patch and the
// audit annotations.
#include "webhook/core/admission_path.hpp"
#include "webhook/core/decision.hpp"

namespace hostadm {

AdmissionResponse to_response(const AdmissionRequest& req, Verdict v) {
  AdmissionResponse r;
  to_response(req, std::move(v), r);
  return r;
}

// Into `r`'s strings where they have room: a worker answers every review into the same response
// (AdmissionAnswer::reset empties it keeping that room).
void to_response(const AdmissionRequest& req, Verdict v, AdmissionResponse& r) {
  r.uid.assign(req.uid);
  r.allowed = v.allowed;
  r.code = v.allowed ? 200 : v.code;
  r.reason.clear();
  r.message.clear();
  if (!v.allowed) {
    r.reason = status_reason(v.code);
    r.message = std::move(v.message);
  }
  // The audit log's word for the outcome: a deferred verdict is never encoded, so an answer
  // that refuses says "denied".
  const Outcome outcome = outcome_of(v);
  auto& notes = r.audit_annotations;
  notes.resize(v.findings.empty() ? 1 : 2);
  notes[0].first.assign("decision");
  notes[0].second.assign(outcome == Outcome::Allowed  ? "allowed"
                         : outcome == Outcome::Warned ? "warned"
                                                      : "denied");
  if (!v.findings.empty()) {
    notes[1].first.assign("rules");
    std::string& rules = notes[1].second;  // Verdict::rules() joined, without building its list
    rules.clear();
    for (size_t i = 0; i < v.findings.size(); ++i) {
      const std::string& id = v.findings[i].rule;
      bool seen = false;
      for (size_t j = 0; j < i && !seen; ++j) seen = v.findings[j].rule == id;
      if (seen) continue;
      if (!rules.empty()) rules += ',';
      rules += id;
    }
  }
  r.warnings = std::move(v.warnings);
  r.patch = v.allowed ? std::move(v.patch) : JsonPatch();
}

}  // namespace hostadm
