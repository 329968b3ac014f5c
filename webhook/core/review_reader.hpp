// The AdmissionReview body a webhook receives, read straight into AdmissionRequest: simdjson
// parses and validates the whole body once (json_document.hpp; from a copy with its escapes
// blanked, json_escapes.hpp, and a second time as it is when a string read held one), and only
// the request fields and what the decision reads of object and oldObject (host_reader.hpp) are
// copied out. Bodies of any size are read; admission_path.hpp is the one caller on the server's
// path.
#pragma once

#include <string>
#include <string_view>

#include "webhook/core/admission.hpp"

namespace hostadm {

// Throws JsonTooDeep or InvalidJson (json_document.hpp) when the body is not JSON, and
// ReviewError (admission.hpp) when it is JSON but no usable AdmissionReview: not an object, no
// request, no uid, a wrong apiVersion or kind, a request field of the wrong type.
AdmissionRequest read_review(std::string_view body);
// The same into `out`, a default-constructed or reset request (the server's answer holds it: no
// copy, and its strings keep their room from the review before).
// `kept_annotation` as read_host_object (host_reader.hpp) takes it: the server keeps only the
// annotation its policy's rules read (a kubectl-applied Host carries its whole last-applied
// configuration as one), so as not to copy the others on every admission.
void read_review(std::string_view body, AdmissionRequest& out,
                 const std::string* kept_annotation = nullptr);

}  // namespace hostadm
