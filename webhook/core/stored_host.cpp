#include "webhook/core/stored_host.hpp"

namespace hostadm {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first

namespace {

// Absent, null, "" and {} all mean "unset", so a stored empty annotation and an omitted one
// match. A value of another type never equals one the rules accept (a string): those objects
// are malformed, and the verdict says so whatever their update kind.
bool same_annotation(const Annotation* a, const Annotation* b) {
  const bool a_unset = a == nullptr || a->unset();
  const bool b_unset = b == nullptr || b->unset();
  if (a_unset || b_unset) return a_unset && b_unset;
  return a->type == JsonType::String && b->type == JsonType::String && a->value == b->value;
}

}  // namespace

UpdateKind classify_update(const AdmissionRequest& req, const std::string& annotation) {
  if (req.operation != "UPDATE"sv) return UpdateKind::Fresh;
  // The apiserver carries deletionTimestamp over from the stored object; either copy counts.
  if (req.object.deleting || req.old_object.deleting) return UpdateKind::Deleting;
  if (!req.object.is_object() || !req.old_object.is_object()) return UpdateKind::Fresh;
  if (req.object.spec_json != req.old_object.spec_json ||
      !same_annotation(req.object.annotation(annotation), req.old_object.annotation(annotation)))
    return UpdateKind::Fresh;
  return UpdateKind::Unchanged;
}

AdmissionRequest unchanged_update(const HostObject& stored, std::string uid) {
  AdmissionRequest req;
  req.uid = std::move(uid);
  req.resource = {"forklift.konveyor.io", "v1beta1", "hosts"};
  req.kind_group = "forklift.konveyor.io";
  req.kind_version = "v1beta1";
  req.kind_kind = "Host";
  req.operation = "UPDATE";
  req.ns = stored.ns;
  req.name = stored.name;
  req.object = stored;
  req.old_object = stored;
  return req;
}

}  // namespace hostadm
