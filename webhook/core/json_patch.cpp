#include "webhook/core/json_patch.hpp"

#include "webhook/core/json_write.hpp"

namespace hostadm {

using nlohmann::json;

json JsonPatch::to_json() const {
  json out = json::array();
  for (const Op& op : ops_) {
    json o = json::object();
    o.emplace("op", "add");
    o.emplace("path", op.path);
    o.emplace("value", json::parse(op.value));
    out.push_back(std::move(o));
  }
  return out;
}

void JsonPatch::append_text(std::string& out) const {
  out += '[';
  for (size_t i = 0; i < ops_.size(); ++i) {
    out += i ? ",{\"op\":\"add\",\"path\":" : "{\"op\":\"add\",\"path\":";
    json_write::append_string(out, ops_[i].path, json_write::InvalidUtf8::Throw);
    out += ",\"value\":";
    out += ops_[i].value;
    out += '}';
  }
  out += ']';
}

namespace detail {

namespace {

// The objects under `object` and nothing else: all add_at asks of a parent is whether it is
// there as an object. Copying the values too (a Host's spec, its owner references) cost more
// than the rest of the decision.
json object_skeleton(const json& object) {
  json out = json::object();
  for (const auto& [key, value] : object.get_ref<const json::object_t&>())
    if (value.is_object()) out.emplace(key, object_skeleton(value));
  return out;
}

}  // namespace

json patch_shape(const json& object) {
  json shape = json::object();
  if (!object.is_object()) return shape;
  if (auto spec = object.find("spec"); spec != object.end() && spec->is_object())
    shape["spec"] = object_skeleton(*spec);
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return shape;
  json& kept = shape["metadata"] = json::object();
  if (auto refs = meta->find("ownerReferences"); refs != meta->end() && refs->is_array())
    kept["ownerReferences"] = json::array();
  return shape;
}

void add_at(json& doc, JsonPatch& patch, Path path, std::string value, ValueKind kind) {
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
    // The missing parents from here on, as one subtree: {"a":{"b":value}}.
    std::string subtree;
    json shape = kind == ValueKind::Object  ? json::object()
                 : kind == ValueKind::Array ? json::array()
                                            : json();
    for (const char* const* k = key + 1; k != path.end(); ++k) {
      subtree += '{';
      json_write::append_string(subtree, *k, json_write::InvalidUtf8::Throw);
      subtree += ':';
    }
    subtree += value;
    subtree.append(path.end() - key - 1, '}');
    for (const char* const* k = path.end() - 1; k != key; --k) {
      json parent = json::object();
      parent.emplace(*k, std::move(shape));
      shape = std::move(parent);
    }
    (*cur)[*key] = std::move(shape);
    patch.add_text(std::move(pointer), std::move(subtree));
    return;
  }
}

}  // namespace detail
}  // namespace hostadm
