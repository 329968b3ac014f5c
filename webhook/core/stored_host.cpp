#include "webhook/core/stored_host.hpp"

namespace hostadm {

using nlohmann::json;

namespace {

const json* member(const json* obj, const char* key) {
  if (obj == nullptr || !obj->is_object()) return nullptr;
  auto it = obj->find(key);
  return it == obj->end() || it->is_null() ? nullptr : &*it;
}

bool deleting(const json& object) {
  const json* ts = member(member(&object, "metadata"), "deletionTimestamp");
  return ts != nullptr && !(ts->is_string() && ts->get_ref<const std::string&>().empty());
}

// Absent, null, "" and {} all mean "unset", so a stored `spec: {}` and an omitted spec match.
bool same_value(const json* a, const json* b) {
  auto blank = [](const json* v) {
    return v == nullptr || (v->is_string() && v->get_ref<const std::string&>().empty()) ||
           (v->is_object() && v->empty());
  };
  if (blank(a) || blank(b)) return blank(a) && blank(b);
  return *a == *b;
}

}  // namespace

UpdateKind classify_update(const AdmissionRequest& req, const std::string& annotation) {
  if (req.operation != "UPDATE") return UpdateKind::Fresh;
  // The apiserver carries deletionTimestamp over from the stored object; either copy counts.
  if (deleting(req.object) || deleting(req.old_object)) return UpdateKind::Deleting;
  if (!req.object.is_object() || !req.old_object.is_object()) return UpdateKind::Fresh;
  if (!same_value(member(&req.object, "spec"), member(&req.old_object, "spec")) ||
      !same_value(adapter_annotation(req.object, annotation),
                  adapter_annotation(req.old_object, annotation)))
    return UpdateKind::Fresh;
  return UpdateKind::Unchanged;
}

const json* adapter_annotation(const json& object, const std::string& annotation) {
  return member(member(member(&object, "metadata"), "annotations"), annotation.c_str());
}

}  // namespace hostadm
