// The Host fields the admission rules read, checked for shape first: the decision core's view of
// a Host manifest (internal to webhook/core).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hostadm::detail {

// The fields the rules read, after the shape checks; "" means unset.
struct HostFields {
  std::string ns;
  std::string provider_name, provider_ns;
  std::string id, name, ip;
  std::string secret_name, secret_ns;
  std::string adapter;  // the adapter annotation's value
  bool spec_present = false;
  bool provider_present = false;  // spec.provider is a non-empty object
  bool secret_present = false;    // spec.secret is a non-empty object
  std::vector<std::string> owner_uids;
  bool has_controller_owner = false;
};

// Absent, null, "" or {}.
bool unset(const nlohmann::json* v);
// obj[key] when obj is an object holding it, else nullptr.
const nlohmann::json* find(const nlohmann::json& obj, const char* key);
// metadata.namespace when it is a string, else "".
std::string object_namespace(const nlohmann::json& object);
// The fields of a Host in namespace `ns`, or nullopt with `problem` naming every wrongly typed
// field and the fix.
std::optional<HostFields> read_host(const nlohmann::json& object, const std::string& ns,
                                    const std::string& annotation, std::string& problem);

}  // namespace hostadm::detail
