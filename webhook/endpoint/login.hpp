// The login check: what Forklift's connection test does with a Host's Secret. TLS to
// https://<ipAddress>/sdk, the certificate pinned to the inventory's thumbprint before a single
// byte of HTTP is sent, then vSphere's RetrieveServiceContent, Login with the Secret's user and
// password, and Logout. The credentials go nowhere else: not to an unpinned or mismatched
// endpoint, not into a message, not into a log.
#pragma once

#include <string>
#include <string_view>

#include "webhook/core/clock.hpp"
#include "webhook/endpoint/result.hpp"

namespace hostadm::endpoint {

// A Secret's user and password, wiped from memory when destroyed.
struct Credentials {
  std::string user;
  std::string password;
  Credentials() = default;
  Credentials(std::string u, std::string p) : user(std::move(u)), password(std::move(p)) {}
  Credentials(const Credentials&) = default;
  Credentials(Credentials&&) = default;
  Credentials& operator=(const Credentials&) = default;
  Credentials& operator=(Credentials&&) = default;
  ~Credentials();
};

// LoginOk, LoginInvalid (an InvalidLogin fault), LoginError (any other fault, an HTTP error, no
// answer in time), ThumbprintMismatch (nothing sent), or what the TLS dial found. Without an
// expected thumbprint nothing is pinned, so no credential is sent: the result is the reach
// check's, and says that the login was not tried.
Result login(std::string_view address, int port, const Credentials& credentials,
             std::string_view expected_thumbprint, Deadline deadline, Progress* progress = nullptr);

// `server_text` (a fault string the endpoint sent) with every occurrence of the user name and the
// password replaced by "***", cut for a message: a server that echoes what it was sent must not
// carry a credential into a warning.
std::string without_credentials(std::string server_text, const Credentials& credentials);

}  // namespace hostadm::endpoint
