// metav1.Status bodies of the mock Kubernetes API, written as the API server writes them: field
// order, reasons, codes, details, and messages in its words (`secrets "x" not found`).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/kube_kinds.hpp"

namespace hostadm::kubemock::status {

using Body = nlohmann::ordered_json;

// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":...,
//  "reason":...,"details":...,"code":...}; details left out when null.
Body failure(int code, const std::string& reason, const std::string& message,
             Body details = nullptr);
// {name, group, kind}, the group left out when empty, as Go's omitempty does.
Body details(const KindInfo& k, const std::string& name);

Body not_found(const KindInfo& k, const std::string& name);       // 404 NotFound
Body no_such_resource();                                          // 404 for an unknown path
Body already_exists(const KindInfo& k, const std::string& name);  // 409 AlreadyExists
Body conflict(const KindInfo& k, const std::string& name, const std::string& why);  // 409
// 403: `secrets "x" is forbidden: User "U" cannot get resource "secrets" in API group "" in the
// namespace "ns"` (or `at the cluster scope`); the name is left out for a collection.
Body forbidden(const KindInfo& k, const std::string& name, const std::string& user,
               const std::string& verb, const std::string& ns);
// 403 for another reason the API server gives in its own words.
Body forbidden_because(const KindInfo& k, const std::string& name, const std::string& why);
Body unauthorized();                           // 401 "Unauthorized"
Body expired(const std::string& message);      // 410 Expired
Body bad_request(const std::string& message);  // 400 BadRequest
// 422 Invalid: `Secret "x" is invalid: FIELD: DETAIL`, with one cause.
Body invalid(const KindInfo& k, const std::string& name, const std::string& field,
             const std::string& cause_type, const std::string& detail);
Body internal_error(const std::string& error);                            // 500 InternalError
Body too_many_requests(int retry_after_seconds);                          // 429 TooManyRequests
Body service_unavailable();                                               // 503 ServiceUnavailable
Body timeout();                                                           // 504 Timeout
Body method_not_supported(const KindInfo& k, const std::string& action);  // 405
Body unsupported_media_type();                                            // 415
// Any other code a test asks for: the reason from the code, a plain message.
Body for_code(int code, const std::string& message);

}  // namespace hostadm::kubemock::status
