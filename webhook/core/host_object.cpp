#include "webhook/core/host_object.hpp"

namespace hostadm {

void HostObject::reset() {
  type = JsonType::Absent;
  name.clear();
  generate_name.clear();
  ns.clear();
  annotations.clear();
  owner_references.clear();
  deleting = false;
  for (ObjectRef* ref : {&spec.provider, &spec.secret}) {
    ref->name.clear();
    ref->ns.clear();
  }
  spec.id.clear();
  spec.name.clear();
  spec.ip_address.clear();
  spec_json.clear();
  shape = PatchShape();
  problems.clear();
}

const Annotation* HostObject::annotation(std::string_view key) const {
  for (const Annotation& a : annotations)
    if (a.key == key) return &a;
  return nullptr;
}

std::string_view HostObject::annotation_text(std::string_view key) const {
  const Annotation* a = annotation(key);
  return a && a->type == JsonType::String ? std::string_view(a->value) : std::string_view();
}

}  // namespace hostadm
