// A verdict as the AdmissionResponse kube-apiserver reads: status, warnings, patch and the
// audit annotations.
#include "webhook/core/decision.hpp"

#include "webhook/core/text.hpp"

namespace hostadm {

AdmissionResponse to_response(const AdmissionRequest& req, Verdict v) {
  AdmissionResponse r;
  r.uid = req.uid;
  r.allowed = v.allowed;
  r.code = v.allowed ? 200 : v.code;
  if (!v.allowed) {
    r.reason = status_reason(v.code);
    r.message = v.message;
  }
  auto rules = v.rules();
  std::string decision = !v.allowed ? "denied" : v.warnings.empty() ? "allowed" : "warned";
  r.audit_annotations.emplace_back("decision", decision);
  if (!rules.empty()) {
    r.audit_annotations.emplace_back("rules", text::join(rules, ","));
  }
  r.warnings = std::move(v.warnings);
  if (v.allowed) r.patch = std::move(v.patch);
  return r;
}

}  // namespace hostadm
