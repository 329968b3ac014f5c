// The RFC 6902 JSON Patch /mutate answers with: `add` operations only, with the missing parents
// created. Kept as a list of (path, value text) rather than a json array of objects: building,
// walking and freeing the values' trees cost more than the decision itself.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/host_object.hpp"

namespace hostadm {

class JsonPatch {
 public:
  struct Op {
    std::string path;   // a JSON pointer
    std::string value;  // compact JSON text, byte for byte what nlohmann's dump() writes
    bool operator==(const Op& o) const { return path == o.path && value == o.value; }
  };

  // `value` is compact JSON text as dump() writes it: the decision writes strings with
  // json_write::append_string (InvalidUtf8::Throw: a patch writes the bytes the decision chose,
  // or fails) and its few objects by hand.
  void add_text(std::string path, std::string value) {
    if (ops_.empty()) ops_.reserve(5);  // an admission adds at most five
    ops_.push_back({std::move(path), std::move(value)});
  }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  const std::vector<Op>& ops() const { return ops_; }

  // [{"op":"add","path":...,"value":...}, ...]: what the apiserver receives (base64 of its
  // compact text), for the harness's output and for applying it with nlohmann's patch().
  nlohmann::json to_json() const;
  // Appends to_json()'s compact text, byte for byte as its dump() would write it.
  void append_text(std::string& out) const;

  bool operator==(const JsonPatch& o) const { return ops_ == o.ops_; }
  bool operator!=(const JsonPatch& o) const { return !(*this == o); }

 private:
  std::vector<Op> ops_;
};

namespace detail {

// What a value added is, for the shape add_at keeps up to date: an object later operations may
// write under, an array add_owner_reference appends to, or anything else. An object value's own
// members are not recorded: the core adds objects of strings only (a secret reference).
enum class ValueKind { Scalar, Object, Array };

// Adds `value` (compact JSON text) at `path`, creating the missing parents as one `add` of the
// whole subtree (the apiserver cannot add into a map that does not exist). `shape` (the Host's,
// host_object.hpp) follows the patch so that later operations see the parents earlier ones
// created. Path keys are the core's literals, none with '~' or '/', so the JSON pointer needs no
// escaping. Throws std::logic_error for a parent PatchShape does not track: writing there blind
// could replace what the Host holds.
using Path = std::initializer_list<const char*>;
void add_at(PatchShape& shape, JsonPatch& patch, Path path, std::string value, ValueKind kind);

}  // namespace detail
}  // namespace hostadm
