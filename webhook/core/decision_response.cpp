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

// Into `r`, reset first, so its strings and lists keep their room: a worker answers every review
// into the same response.
void to_response(const AdmissionRequest& req, Verdict v, AdmissionResponse& r) {
  r.reset();
  r.uid.assign(req.uid);
  r.allowed = v.allowed;
  r.code = v.allowed ? 200 : v.code;
  if (!v.allowed) {
    r.reason = status_reason(v.code);
    r.message = std::move(v.message);
  }
  // The audit log's word for the outcome: a deferred verdict is never encoded, so an answer
  // that refuses says "denied".
  const Outcome outcome = outcome_of(v);
  r.audit_annotations.emplace_back("decision", outcome == Outcome::Allowed  ? "allowed"
                                               : outcome == Outcome::Warned ? "warned"
                                                                            : "denied");
  if (!v.findings.empty()) {
    std::string rules;  // Verdict::rules() joined, without building its list
    for (size_t i = 0; i < v.findings.size(); ++i) {
      const std::string& id = v.findings[i].rule;
      bool seen = false;
      for (size_t j = 0; j < i && !seen; ++j) seen = v.findings[j].rule == id;
      if (seen) continue;
      if (!rules.empty()) rules += ',';
      rules += id;
    }
    r.audit_annotations.emplace_back("rules", std::move(rules));
  }
  r.warnings = std::move(v.warnings);
  if (v.allowed) r.patch = std::move(v.patch);
}

}  // namespace hostadm
