#include "webhook/core/json_patch.hpp"

#include <cstring>
#include <stdexcept>
#include <string_view>

#include "webhook/core/json_write.hpp"

namespace hostadm {

using nlohmann::json;

void JsonPatch::add_text(std::string_view path, std::string_view value) {
  if (!json_write::is_plain(path)) return add_escaped(path, value);
  // The core's pointers need no escape: the operation is one known size, written in one step.
  static constexpr std::string_view kPath = "{\"op\":\"add\",\"path\":\"";
  static constexpr std::string_view kValue = "\",\"value\":";
  const bool first = text_.empty();
  if (first) {
    text_.reserve(512);
    spans_.reserve(5);  // an admission adds at most five
  }
  const size_t at = first ? 0 : text_.size() - 1;  // a later one takes the place of the ']'
  text_.resize(at + 1 + kPath.size() + path.size() + kValue.size() + value.size() + 2);
  char* p = text_.data() + at;
  *p++ = first ? '[' : ',';
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(kPath);
  Span span{};
  span.path_at = static_cast<uint32_t>(p - text_.data());
  span.path_size = static_cast<uint32_t>(path.size());
  put(path);
  put(kValue);
  span.value_at = static_cast<uint32_t>(p - text_.data());
  span.value_size = static_cast<uint32_t>(value.size());
  put(value);
  put("}]");
  spans_.push_back(span);
}

void JsonPatch::add_escaped(std::string_view path, std::string_view value) {
  if (text_.empty()) {
    text_.reserve(512);
    spans_.reserve(5);  // an admission adds at most five
    text_ += '[';
  } else {
    text_.back() = ',';  // the closing ']' makes way for the next operation
  }
  text_ += "{\"op\":\"add\",\"path\":";
  Span span{};
  span.path_at = static_cast<uint32_t>(text_.size() + 1);
  json_write::append_string(text_, path, json_write::InvalidUtf8::Throw);
  span.path_size = static_cast<uint32_t>(text_.size() - 1 - span.path_at);
  text_ += ",\"value\":";
  span.value_at = static_cast<uint32_t>(text_.size());
  span.value_size = static_cast<uint32_t>(value.size());
  text_ += value;
  text_ += "}]";
  spans_.push_back(span);
}

std::vector<JsonPatch::Op> JsonPatch::ops() const {
  std::vector<Op> out;
  out.reserve(spans_.size());
  const std::string_view text(text_);
  for (const Span& s : spans_)
    out.push_back({text.substr(s.path_at, s.path_size), text.substr(s.value_at, s.value_size)});
  return out;
}

json JsonPatch::to_json() const {
  return json::parse(text());
}

namespace detail {

namespace {

// The containers PatchShape tracks, by the JSON pointer add_at builds. Their lengths differ, so
// a pointer's length says which one it can be.
constexpr std::string_view kPointers[kContainerCount] = {"/metadata", "/metadata/ownerReferences",
                                                         "/spec", "/spec/provider", "/spec/secret"};
constexpr bool lengths_differ() {
  for (size_t i = 0; i < kContainerCount; ++i)
    for (size_t j = i + 1; j < kContainerCount; ++j)
      if (kPointers[i].size() == kPointers[j].size()) return false;
  return true;
}
static_assert(lengths_differ(), "tracked() tells containers apart by the length of their pointer");

size_t tracked(std::string_view pointer) {
  for (size_t i = 0; i < kContainerCount; ++i)
    if (kPointers[i].size() == pointer.size()) return kPointers[i] == pointer ? i : kContainerCount;
  return kContainerCount;
}

}  // namespace

void add_at(PatchShape& shape, JsonPatch& patch, Path path, std::string_view value,
            ValueKind kind) {
  // The pointer of the first part of `path` that does not exist (or of the whole path), built in
  // a buffer of the thread's own: every /mutate adds a few.
  thread_local std::string pointer;
  pointer.clear();
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
    patch.add_text(pointer, value);
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
  thread_local std::string subtree;
  subtree.clear();
  for (const char* const* k = key + 1; k != path.end(); ++k) {
    subtree += '{';
    json_write::append_string(subtree, *k, json_write::InvalidUtf8::Throw);
    subtree += ':';
  }
  subtree += value;
  subtree.append(static_cast<size_t>(path.end() - key - 1), '}');
  patch.add_text(pointer, subtree);
}

}  // namespace detail
}  // namespace hostadm
