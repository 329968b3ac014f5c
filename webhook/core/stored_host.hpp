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

// `annotation` is the policy's adapter annotation key. Compares HostObject::spec_json, which
// read_review fills for every UPDATE.
UpdateKind classify_update(const AdmissionRequest& req, const std::string& annotation);

// The request kube-apiserver sends for an UPDATE that leaves `stored` as it is (object and
// oldObject both the stored Host, read with read_host_object): how an audit re-decides a Host
// already in the cluster. The namespace and name are the Host's own.
AdmissionRequest unchanged_update(const HostObject& stored, std::string uid);

}  // namespace hostadm
