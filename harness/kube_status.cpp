#include "harness/kube_status.hpp"

namespace hostadm::kubemock::status {

Body failure(int code, const std::string& reason, const std::string& message, Body details) {
  Body b;
  b["kind"] = "Status";
  b["apiVersion"] = "v1";
  b["metadata"] = Body::object();
  b["status"] = "Failure";
  b["message"] = message;
  if (!reason.empty()) b["reason"] = reason;
  if (!details.is_null()) b["details"] = std::move(details);
  b["code"] = code;
  return b;
}

Body details(const KindInfo& k, const std::string& name) {
  Body d = Body::object();
  if (!name.empty()) d["name"] = name;
  if (!k.group.empty()) d["group"] = k.group;
  d["kind"] = k.resource;
  return d;
}

namespace {

std::string quoted(const std::string& s) {
  return nlohmann::json(s).dump();  // Go's %q for the names the API server accepts
}

std::string named(const KindInfo& k, const std::string& name) {
  return k.qualified() + (name.empty() ? "" : " " + quoted(name));
}

}  // namespace

Body not_found(const KindInfo& k, const std::string& name) {
  return failure(404, "NotFound", k.qualified() + " " + quoted(name) + " not found",
                 details(k, name));
}

Body no_such_resource() {
  return failure(404, "NotFound", "the server could not find the requested resource",
                 Body::object());
}

Body already_exists(const KindInfo& k, const std::string& name) {
  return failure(409, "AlreadyExists", k.qualified() + " " + quoted(name) + " already exists",
                 details(k, name));
}

Body conflict(const KindInfo& k, const std::string& name, const std::string& why) {
  return failure(
      409, "Conflict",
      "Operation cannot be fulfilled on " + k.qualified() + " " + quoted(name) + ": " + why,
      details(k, name));
}

Body forbidden(const KindInfo& k, const std::string& name, const std::string& user,
               const std::string& verb, const std::string& ns) {
  std::string why = "User " + quoted(user) + " cannot " + verb + " resource " + quoted(k.resource) +
                    " in API group " + quoted(k.group);
  why += k.namespaced && !ns.empty() ? " in the namespace " + quoted(ns) : " at the cluster scope";
  return forbidden_because(k, name, why);
}

Body forbidden_because(const KindInfo& k, const std::string& name, const std::string& why) {
  return failure(403, "Forbidden", named(k, name) + " is forbidden: " + why, details(k, name));
}

Body unauthorized() {
  return failure(401, "Unauthorized", "Unauthorized");
}

Body expired(const std::string& message) {
  return failure(410, "Expired", message);
}

Body bad_request(const std::string& message) {
  return failure(400, "BadRequest", message);
}

Body invalid(const KindInfo& k, const std::string& name, const std::string& field,
             const std::string& cause_type, const std::string& detail) {
  Body d = Body::object();
  d["name"] = name;
  if (!k.group.empty()) d["group"] = k.group;
  d["kind"] = k.kind;
  d["causes"] = Body::array({Body{{"reason", cause_type}, {"message", detail}, {"field", field}}});
  return failure(422, "Invalid",
                 k.kind + " " + quoted(name) + " is invalid: " + field + ": " + detail, d);
}

Body internal_error(const std::string& error) {
  Body d = Body::object();
  d["causes"] = Body::array({Body{{"message", error}}});
  return failure(500, "InternalError", "Internal error occurred: " + error, d);
}

Body too_many_requests(int retry_after_seconds) {
  Body d = Body::object();
  d["retryAfterSeconds"] = retry_after_seconds;
  return failure(429, "TooManyRequests", "Too many requests, please try again later.", d);
}

Body service_unavailable() {
  return failure(503, "ServiceUnavailable", "the server is currently unable to handle the request");
}

Body timeout() {
  return failure(504, "Timeout", "Timeout: request did not complete within the allotted timeout");
}

Body method_not_supported(const KindInfo& k, const std::string& action) {
  Body d = Body::object();
  if (!k.group.empty()) d["group"] = k.group;
  d["kind"] = k.resource;
  return failure(405, "MethodNotAllowed",
                 action + " is not supported on resources of kind " + quoted(k.qualified()), d);
}

Body unsupported_media_type() {
  return failure(415, "UnsupportedMediaType",
                 "the body of the request was in an unknown format - accepted media types "
                 "include: application/json-patch+json, application/merge-patch+json, "
                 "application/apply-patch+yaml");
}

Body for_code(int code, const std::string& message) {
  switch (code) {
    case 401:
      return unauthorized();
    case 410:
      return expired(message);
    case 429:
      return too_many_requests(1);
    case 500:
      return internal_error(message);
    case 503:
      return service_unavailable();
    case 504:
      return timeout();
    default:
      return failure(code, code == 400 ? "BadRequest" : code == 409 ? "Conflict" : "", message);
  }
}

}  // namespace hostadm::kubemock::status
