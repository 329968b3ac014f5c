// What a Kubernetes API call answered: the object on success; on failure the API server's
// metav1.Status (reason, message, code), decoded from the body or, when the body is not one (a
// proxy's page, API Priority and Fairness' plain-text 429), made from the HTTP code the way
// client-go does; or why no answer came (transport failure, deadline, client-side rate limit).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "webhook/kube/retry.hpp"

namespace hostadm::kube {

// The fields of metav1.Status that callers decide on.
struct Status {
  int code = 0;
  std::string reason;   // NotFound, AlreadyExists, Conflict, Forbidden, Expired, TooManyRequests...
  std::string message;  // the API server's words, e.g. `secrets "x" not found`
  std::string name, group, kind;  // details: the object concerned (kind is the resource's plural)
  int retry_after_seconds = 0;    // details.retryAfterSeconds
};

// A failed answer's Status: the body when it is a `kind: Status` object, else one made from
// `code` with client-go's wording; `what` ("get secrets demo/x") is appended to a made one.
Status status_from_answer(int code, std::string_view body, Verb verb, const std::string& what);

struct Result {
  int code = 0;            // HTTP status; 0 when no answer came (see error)
  nlohmann::json object;   // a 2xx answer's body (null for an empty one)
  Status status;           // a non-2xx answer's Status
  std::string error;       // why no answer came; never carries a credential
  bool timed_out = false;  // the deadline passed (or would have, waiting for a token or a retry)
  int attempts = 0;        // requests sent, retries included

  bool ok() const { return code >= 200 && code < 300; }
  bool answered() const { return code != 0; }
  bool is(std::string_view reason) const { return !ok() && status.reason == reason; }
  bool not_found() const { return code == 404; }
  bool conflict() const { return code == 409; }  // Conflict or AlreadyExists
  bool gone() const { return code == 410; }
  // One line for a log or a message: "403 Forbidden: secrets "x" is forbidden: ..." or the error.
  std::string describe() const;
};

}  // namespace hostadm::kube
