// How an UPDATE of a stored Host is judged. A Host that was admitted before (or predates the
// webhook) must not get stuck because the inventory changed under it: relabelling, the garbage
// collector and finalizer removal have to go through whatever Forklift's state is now.
#pragma once

#include <string>

#include "webhook/core/admission.hpp"

namespace hostadm {

enum class UpdateKind {
  Fresh,      // a CREATE, or an UPDATE that changed what the rules judge: judged like a CREATE
  Deleting,   // metadata.deletionTimestamp is set: admitted untouched
  Unchanged,  // spec and the adapter annotation equal oldObject's: denials (but malformed) warn
};

// `annotation` is the policy's adapter annotation key.
UpdateKind classify_update(const AdmissionRequest& req, const std::string& annotation);

// The object's metadata.annotations[annotation]; nullptr when absent or null (whatever its type
// otherwise: read_host reports a non-string one).
const nlohmann::json* adapter_annotation(const nlohmann::json& object,
                                         const std::string& annotation);

}  // namespace hostadm
