// What the decision core reads of a Host: the request's object or oldObject, or a stored Host
// (one item of a list). Read straight from JSON by host_reader.hpp, with the type checks made
// while reading; the rest of a Host (labels, status, managedFields) cannot change a verdict or a
// patch, so it is not kept. Every rule, and every check added later, reads a Host through this.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "webhook/core/inventory.hpp"

namespace hostadm {

// The JSON type of a value the core keeps, for the checks that depend on it.
enum class JsonType { Absent, Null, Boolean, Number, String, Array, Object };

// A JSON pointer the patch may write under, and whether the Host has it as an object (or, for
// /metadata/ownerReferences, as a list). The core's patches write under these and no others:
// JsonPatch's add_at refuses a parent it was not told about rather than replace one it cannot see.
enum class Container { Metadata, OwnerReferences, Spec, Provider, Secret };
inline constexpr size_t kContainerCount = 5;

struct PatchShape {
  bool has[kContainerCount] = {};
  bool operator[](Container c) const { return has[static_cast<size_t>(c)]; }
  void set(Container c) { has[static_cast<size_t>(c)] = true; }
};

struct Annotation {
  std::string key;
  std::string value;                 // when `type` is String
  JsonType type = JsonType::String;  // anything else is malformed in an object being written
  bool empty_object = false;         // {}: unset, like "" and null

  // "", {} (and an absent or null annotation) all mean "not set".
  bool unset() const { return (type == JsonType::String && value.empty()) || empty_object; }
};

struct OwnerReference {
  std::string uid;          // "" when absent or not a string
  bool controller = false;  // controller: true
};

struct HostObject {
  JsonType type = JsonType::Absent;  // Object for a Host; Absent when the request has none

  // metadata
  std::string name, generate_name, ns;  // "" when absent, null or not a string
  // Every annotation but null ones, the last of a duplicate key; the server's reader keeps only
  // the one its rules read (host_reader.hpp).
  std::vector<Annotation> annotations;
  std::vector<OwnerReference> owner_references;  // the entries that are objects
  bool deleting = false;  // metadata.deletionTimestamp is set (anything but absent, null, "")

  // spec; "" means unset (absent, null, or not a string: then `problems` says so)
  struct Spec {
    ObjectRef provider;
    std::string id, name, ip_address;
    ObjectRef secret;
  } spec;
  // spec in one canonical text (keys sorted, the last of a duplicate key, compact), "" when the
  // spec is unset (absent, null, "" or {}): two specs are the same when their texts are. Read
  // only when the object is compared with another (an UPDATE, a stored Host).
  std::string spec_json;

  PatchShape shape;

  // The fields whose JSON type is wrong, in the order a user reads them ("spec.id must be a
  // string, got number 7"); for an object that is not a JSON object, the one line that says so.
  std::vector<std::string> problems;

  bool is_object() const { return type == JsonType::Object; }
  // Back to a default-constructed HostObject, its strings keeping their room: the server reads
  // every review into the one request each worker keeps (admission_path.hpp).
  void reset();
  // metadata.annotations[key], nullptr when absent or null.
  const Annotation* annotation(std::string_view key) const;
  // The annotation's value when it is a string, else "".
  std::string_view annotation_text(std::string_view key) const;
  // metadata.name, else metadata.generateName: what a log line calls the object.
  const std::string& display_name() const { return name.empty() ? generate_name : name; }
};

}  // namespace hostadm
