// What "the fast reader reads a review exactly like the full one" means, shared by the unit test
// and the differential fuzz target: the same request fields, object/oldObject equal to
// decision_view() of the full ones, and the same verdict in both phases.
#pragma once

#include <string>

#include "webhook/core/admission.hpp"
#include "webhook/core/decision.hpp"

namespace hostadm::testing {

// "" when equal, else the first field that differs.
inline std::string request_difference(const AdmissionRequest& fast, const AdmissionRequest& full) {
  auto differ = [](const std::string& what, const auto& a, const auto& b) -> std::string {
    return a == b ? "" : what;
  };
  for (const std::string& d :
       {differ("apiVersion", fast.api_version, full.api_version),
        differ("kind", fast.kind, full.kind), differ("uid", fast.uid, full.uid),
        differ("resource.group", fast.resource.group, full.resource.group),
        differ("resource.version", fast.resource.version, full.resource.version),
        differ("resource.resource", fast.resource.resource, full.resource.resource),
        differ("subResource", fast.sub_resource, full.sub_resource),
        differ("kind.group", fast.kind_group, full.kind_group),
        differ("kind.version", fast.kind_version, full.kind_version),
        differ("kind.kind", fast.kind_kind, full.kind_kind), differ("name", fast.name, full.name),
        differ("namespace", fast.ns, full.ns), differ("operation", fast.operation, full.operation),
        differ("dryRun", fast.dry_run, full.dry_run),
        differ("userInfo.username", fast.username, full.username),
        differ("object", fast.object, decision_view(full.object)),
        differ("oldObject", fast.old_object, decision_view(full.old_object))}) {
    if (!d.empty()) return d;
  }
  return "";
}

inline std::string verdict_difference(const Verdict& a, const Verdict& b) {
  if (a.allowed != b.allowed) return "allowed";
  if (a.code != b.code) return "code";
  if (a.defer != b.defer) return "defer";
  if (a.mode != b.mode) return "mode";
  if (a.in_scope != b.in_scope) return "in_scope";
  if (a.message != b.message) return "message: '" + a.message + "' vs '" + b.message + "'";
  if (a.warnings != b.warnings) return "warnings";
  if (a.patch != b.patch)
    return "patch: " + a.patch.to_json().dump() + " vs " + b.patch.to_json().dump();
  if (a.rules() != b.rules()) return "rules";
  return "";
}

}  // namespace hostadm::testing
