// Building the RFC 6902 JSON Patch /mutate answers with: `add` operations only, with the missing
// parents created (internal to webhook/core).
#pragma once

#include <initializer_list>

#include <nlohmann/json.hpp>

namespace hostadm::detail {

// What add_at needs of a Host to place operations: the parents the patch may write under (spec,
// metadata.ownerReferences), not the annotations, labels and managedFields around them.
nlohmann::json patch_shape(const nlohmann::json& object);

// Adds `value` at `path`, creating the missing parents as one `add` of the whole subtree (the
// apiserver cannot add into a map that does not exist). `doc` follows the patch so that later
// operations see the parents earlier ones created. Path keys are the core's literals, none with
// '~' or '/', so the JSON pointer needs no escaping.
using Path = std::initializer_list<const char*>;
void add_at(nlohmann::json& doc, nlohmann::json& ops, Path path, nlohmann::json value);

}  // namespace hostadm::detail
