#include "webhook/core/json_patch.hpp"

namespace hostadm::detail {

using nlohmann::json;

json patch_shape(const json& object) {
  json shape = json::object();
  if (auto spec = object.find("spec"); spec != object.end()) shape["spec"] = *spec;
  auto meta = object.find("metadata");
  if (meta == object.end()) return shape;
  if (!meta->is_object()) {
    shape["metadata"] = *meta;
    return shape;
  }
  json& kept = shape["metadata"] = json::object();
  if (auto refs = meta->find("ownerReferences"); refs != meta->end())
    kept["ownerReferences"] = *refs;
  return shape;
}

void add_at(json& doc, json& ops, Path path, json value) {
  std::string pointer;
  json* cur = &doc;
  const char* const* key = path.begin();
  for (; key != path.end(); ++key) {
    pointer += '/';
    pointer += *key;
    const bool last = key + 1 == path.end();
    json* next = nullptr;
    if (cur->is_object()) {
      auto it = cur->find(*key);
      if (it != cur->end() && it->is_object()) next = &*it;
    }
    if (!last && next != nullptr) {
      cur = next;
      continue;
    }
    json subtree = std::move(value);
    for (const char* const* k = path.end() - 1; k != key; --k) {
      json parent = json::object();
      parent.emplace(*k, std::move(subtree));
      subtree = std::move(parent);
    }
    json op = json::object();
    op.emplace("op", "add");
    op.emplace("path", std::move(pointer));
    op.emplace("value", subtree);  // the one copy: `doc` keeps the original
    ops.push_back(std::move(op));
    (*cur)[*key] = std::move(subtree);
    return;
  }
}

}  // namespace hostadm::detail
