#include "webhook/kube/informer.hpp"

namespace hostadm::kube {

ObjectKey ObjectKey::of(const nlohmann::json& object) {
  ObjectKey k;
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return k;
  auto str = [&](const char* key) {
    auto v = md->find(key);
    return v != md->end() && v->is_string() ? v->get<std::string>() : std::string();
  };
  k.ns = str("namespace");
  k.name = str("name");
  k.resource_version = str("resourceVersion");
  return k;
}

}  // namespace hostadm::kube
