// An AdmissionReview's request as the decision core reads it, and the response encoding, as
// kube-apiserver expects them. review_reader.hpp reads a request from the body's bytes.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "webhook/core/host_object.hpp"
#include "webhook/core/json_patch.hpp"

namespace hostadm {

struct GroupVersionResource {
  std::string group, version, resource;
};

struct AdmissionRequest {
  static constexpr std::string_view kApiVersion = "admission.k8s.io/v1";
  static constexpr std::string_view kKind = "AdmissionReview";

  std::string api_version{kApiVersion};  // echoed in the response
  std::string kind{kKind};
  std::string uid;
  GroupVersionResource resource;
  std::string sub_resource;
  std::string kind_group, kind_version, kind_kind;  // request.kind
  std::string name;
  std::string ns;
  std::string operation;  // CREATE | UPDATE | DELETE | CONNECT
  bool dry_run = false;
  std::string username;   // request.userInfo.username: who asked, for the log
  HostObject object;      // type Absent when the request carries none
  HostObject old_object;  // set on UPDATE (and DELETE)

  // The request's name, else the object's (or the old object's) name or generateName: what a
  // log line calls it.
  const std::string& display_name() const;
  // Back to a default-constructed request, its strings keeping their room (HostObject::reset).
  void reset();
};

// The review itself is unusable (not an object, no `request`, no uid, wrong apiVersion/kind):
// the server answers HTTP 400, not an AdmissionReview.
struct ReviewError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A webhook's answer before encoding (an empty patch: none).
struct AdmissionResponse {
  std::string uid;
  bool allowed = true;
  int code = 200;       // status.code when denied
  std::string reason;   // status.reason when denied: Forbidden | BadRequest
  std::string message;  // status.message when denied
  std::vector<std::string> warnings;
  JsonPatch patch;
  std::vector<std::pair<std::string, std::string>> audit_annotations;

  // Back to a default-constructed response, its strings and lists keeping their room.
  void reset();
};

// Appends {"apiVersion","kind","response":{...}} to `out` with the request's apiVersion/kind,
// base64 JSONPatch only when `patch` is non-empty and the answer allows, warnings clipped to the
// apiserver's limits (each <= 120 chars, all <= 4096), audit annotation keys that the apiserver
// keeps, and invalid UTF-8 replaced (a Host name is user text) instead of failing mid-answer.
void encode_review(std::string& out, const AdmissionRequest& req, const AdmissionResponse& resp);
// The same into a string of its own.
std::string encode_review_string(const AdmissionRequest& req, const AdmissionResponse& resp);
// status.reason for a denial's code when the response names none: BadRequest, Forbidden,
// Invalid, InternalError, ServiceUnavailable.
std::string status_reason(int code);

// Clip helpers, exposed for tests.
std::vector<std::string> clip_warnings(const std::vector<std::string>& warnings);
bool valid_audit_key(const std::string& key);

std::string base64_encode(std::string_view in);
void base64_append(std::string& out, std::string_view in);
// Throws std::invalid_argument on bad input.
std::string base64_decode(std::string_view in);

}  // namespace hostadm
