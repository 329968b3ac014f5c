#include "webhook/core/host_object.hpp"

namespace hostadm {

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
