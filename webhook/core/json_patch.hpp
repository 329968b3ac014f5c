// The RFC 6902 JSON Patch /mutate answers with: `add` operations only, with the missing parents
// created. Kept as its own compact text, written as the operations are added: building, walking
// and freeing json trees (or a string per path and value) cost more than the decision itself,
// and the answer only needs the text (base64 of it).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/host_object.hpp"

namespace hostadm {

class JsonPatch {
 public:
  // One operation as the text holds it: views into the patch, valid while it is not changed.
  struct Op {
    std::string_view path;   // the JSON pointer as the text writes it (the core's need no escape)
    std::string_view value;  // compact JSON text, byte for byte what nlohmann's dump() writes
  };

  // `path` is a JSON pointer; `value` is compact JSON text as dump() writes it: the decision
  // writes strings with json_write::append_string (InvalidUtf8::Throw: a patch writes the bytes
  // the decision chose, or fails) and its few objects by hand.
  void add_text(std::string_view path, std::string_view value);
  bool empty() const { return spans_.empty(); }
  size_t size() const { return spans_.size(); }
  std::vector<Op> ops() const;

  // [{"op":"add","path":...,"value":...}, ...], compact, byte for byte as nlohmann's dump()
  // writes it: what the apiserver receives (base64 of it).
  std::string_view text() const { return text_.empty() ? std::string_view("[]") : text_; }
  // The same as a json array, for the harness's output and for applying it with patch().
  nlohmann::json to_json() const;
  void append_text(std::string& out) const { out += text(); }

  bool operator==(const JsonPatch& o) const { return text() == o.text(); }
  bool operator!=(const JsonPatch& o) const { return !(*this == o); }

 private:
  struct Span {
    uint32_t path_at, path_size, value_at, value_size;
  };
  void add_escaped(std::string_view path, std::string_view value);

  std::string text_;  // "[...]" once an operation was added
  std::vector<Span> spans_;
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
void add_at(PatchShape& shape, JsonPatch& patch, Path path, std::string_view value, ValueKind kind);

}  // namespace detail
}  // namespace hostadm
