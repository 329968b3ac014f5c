#include "webhook/core/json_patch.hpp"

#include <stdexcept>

#include "webhook/core/json_write.hpp"

namespace hostadm {

using nlohmann::json;

json JsonPatch::to_json() const {
  json out = json::array();
  for (const Op& op : ops_) {
    json o = json::object();
    o.emplace("op", "add");
    o.emplace("path", op.path);
    o.emplace("value", op.value);
    out.push_back(std::move(o));
  }
  return out;
}

void JsonPatch::append_text(std::string& out) const {
  using json_write::InvalidUtf8;
  out += '[';
  for (size_t i = 0; i < ops_.size(); ++i) {
    out += i ? ",{\"op\":\"add\",\"path\":" : "{\"op\":\"add\",\"path\":";
    json_write::append_string(out, ops_[i].path, InvalidUtf8::Throw);
    out += ",\"value\":";
    json_write::append_value(out, ops_[i].value, InvalidUtf8::Throw);
    out += '}';
  }
  out += ']';
}

JsonPatch JsonPatch::from_json(const json& patch) {
  if (!patch.is_array()) throw std::invalid_argument("a JSON Patch must be an array");
  JsonPatch out;
  for (const json& op : patch) {
    if (!op.is_object() || op.value("op", json()) != "add" || !op.contains("path") ||
        !op["path"].is_string() || !op.contains("value") || op.size() != 3)
      throw std::invalid_argument("only {op: add, path, value} operations are kept: " + op.dump());
    out.add(op["path"].get<std::string>(), op["value"]);
  }
  return out;
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

json shape_of(const json& value) {
  if (value.is_object()) return object_skeleton(value);
  if (value.is_array()) return json::array();  // add_owner_reference appends to an array
  return nullptr;
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

void add_at(json& doc, JsonPatch& patch, Path path, json value) {
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
    (*cur)[*key] = shape_of(subtree);
    patch.add(std::move(pointer), std::move(subtree));
    return;
  }
}

}  // namespace detail
}  // namespace hostadm
