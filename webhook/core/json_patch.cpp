#include "webhook/core/json_patch.hpp"

#include <stdexcept>
#include <string_view>

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

// The containers PatchShape tracks, by the JSON pointer add_at builds.
constexpr std::string_view kPointers[kContainerCount] = {"/metadata", "/metadata/ownerReferences",
                                                         "/spec", "/spec/provider", "/spec/secret"};

size_t tracked(std::string_view pointer) {
  for (size_t i = 0; i < kContainerCount; ++i)
    if (kPointers[i] == pointer) return i;
  return kContainerCount;
}

}  // namespace

void add_at(PatchShape& shape, JsonPatch& patch, Path path, std::string value, ValueKind kind) {
  // The pointer of the first part of `path` that does not exist (or of the whole path).
  std::string pointer;
  pointer.reserve(48);
  const char* const* key = path.begin();
  for (;; ++key) {
    pointer += '/';
    pointer += *key;
    if (key + 1 == path.end()) break;
    const size_t parent = tracked(pointer);
    if (parent == kContainerCount)
      throw std::logic_error("the patch shape does not track " + pointer);
    if (!shape.has[parent]) break;
  }
  // What the operation creates, the operations after it see: every part from `key` on but a
  // scalar value.
  auto created = [&](std::string_view at) {
    if (const size_t c = tracked(at); c != kContainerCount) shape.has[c] = true;
  };
  if (key + 1 == path.end()) {
    if (kind != ValueKind::Scalar) created(pointer);
    patch.add_text(std::move(pointer), std::move(value));
    return;
  }
  std::string parent = pointer;
  for (const char* const* k = key;; ++k) {
    const bool last = k + 1 == path.end();
    if (!last || kind != ValueKind::Scalar) created(parent);
    if (last) break;
    parent.append("/").append(k[1]);
  }
  // One `add` of {"b":{"c":value}} at /a creates them all.
  std::string subtree;
  subtree.reserve(value.size() + 16 * static_cast<size_t>(path.end() - key));
  for (const char* const* k = key + 1; k != path.end(); ++k) {
    subtree += '{';
    json_write::append_string(subtree, *k, json_write::InvalidUtf8::Throw);
    subtree += ':';
  }
  subtree += value;
  subtree.append(static_cast<size_t>(path.end() - key - 1), '}');
  patch.add_text(std::move(pointer), std::move(subtree));
}

}  // namespace detail
}  // namespace hostadm
