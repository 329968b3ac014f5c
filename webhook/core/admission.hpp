// AdmissionReview v1 decoding and response encoding, as kube-apiserver expects them.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/json_patch.hpp"

namespace hostadm {

struct GroupVersionResource {
  std::string group, version, resource;
};

struct AdmissionRequest {
  std::string api_version = "admission.k8s.io/v1";  // echoed in the response
  std::string kind = "AdmissionReview";
  std::string uid;
  GroupVersionResource resource;
  std::string sub_resource;
  std::string kind_group, kind_version, kind_kind;  // request.kind
  std::string name;
  std::string ns;
  std::string operation;  // CREATE | UPDATE | DELETE | CONNECT
  bool dry_run = false;
  std::string username;       // request.userInfo.username: who asked, for the log
  nlohmann::json object;      // null when absent
  nlohmann::json old_object;  // null when absent
};

// The review itself is unusable (not an object, no `request`, no uid, wrong apiVersion/kind):
// the server answers HTTP 400, not an AdmissionReview.
struct ReviewError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

AdmissionRequest decode_review(const nlohmann::json& review);
// The same, moving object/oldObject out of `review` instead of copying them (the server's hot
// path: the parsed review is not needed afterwards).
AdmissionRequest decode_review(nlohmann::json&& review);

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
};

// Encodes {"apiVersion","kind","response":{...}} with the request's apiVersion/kind, base64
// JSONPatch only when `patch` is non-empty and the answer allows, warnings clipped to the
// apiserver's limits (each <= 120 chars, all <= 4096), audit annotation keys that the apiserver
// keeps, and invalid UTF-8 replaced (a Host name is user text) instead of failing mid-answer.
std::string encode_review_string(const AdmissionRequest& req, const AdmissionResponse& resp);
// status.reason for a denial's code when the response names none: BadRequest, Forbidden,
// Invalid, InternalError, ServiceUnavailable.
std::string status_reason(int code);

// Clip helpers, exposed for tests.
std::vector<std::string> clip_warnings(const std::vector<std::string>& warnings);
bool valid_audit_key(const std::string& key);

std::string base64_encode(std::string_view in);
// Throws std::invalid_argument on bad input.
std::string base64_decode(std::string_view in);

}  // namespace hostadm
