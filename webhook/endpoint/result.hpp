// What a check of an ESXi endpoint found: the outcome (one of a small fixed set, also the metric
// label), a message a user reads, and the certificate thumbprint the endpoint showed. Shared by
// the probe, the login and the cache; the decision maps outcomes to rule ids with rule_for().
#pragma once

#include <atomic>
#include <string>

namespace hostadm::endpoint {

enum class Outcome {
  ReachOk,             // TCP + TLS completed (and the thumbprint matched, when one was expected)
  Refused,             // the TCP connection was refused (nothing listens on the port)
  Timeout,             // TCP or TLS did not complete by the deadline
  TlsError,            // the TLS handshake failed (an alert, not TLS at all, closed mid-way)
  Unreachable,         // no route, a name that does not resolve, an address that is not usable
  ThumbprintMismatch,  // TLS completed, but the certificate is not the one the inventory lists
  LoginOk,             // vSphere Login accepted (and the session logged out again)
  LoginInvalid,        // vSphere Login refused with an InvalidLogin fault
  LoginError,          // the login exchange failed otherwise (another fault, HTTP error, no answer)
  Skipped,             // not checked: too many probes already in flight
};

// The outcome as a metric label: "reach_ok", "refused", "timeout", "tls_error", "unreachable",
// "thumbprint_mismatch", "login_ok", "login_invalid", "login_error", "skipped".
const char* outcome_name(Outcome outcome);

// The rule an outcome raises: "endpoint-unreachable" (Refused, Timeout, TlsError, Unreachable),
// "endpoint-thumbprint-mismatch", "endpoint-login-failed" (LoginInvalid, LoginError), or nullptr
// (ReachOk, LoginOk, Skipped).
const char* rule_for(Outcome outcome);

// True for the outcomes cached for the positive TTL.
inline bool is_ok(Outcome outcome) {
  return outcome == Outcome::ReachOk || outcome == Outcome::LoginOk;
}

struct Result {
  Outcome outcome = Outcome::Unreachable;
  // What happened, for a warning a user reads: names the endpoint and what failed (refused,
  // timeout, the TLS error, both thumbprints, InvalidLogin or the fault). Never a credential.
  std::string message;
  // The SHA-1 thumbprint the endpoint's certificate has ("AA:BB:..."), when TLS completed.
  std::string thumbprint;
  // The answer came from a probe still running when the caller's deadline passed: Timeout or
  // LoginError by the stage it had reached; the probe goes on and fills the cache.
  bool provisional = false;
};

// How far a running probe got: a caller that stops waiting for it answers by the stage (no TCP+TLS
// yet is a timeout of the endpoint; a login without an answer is a failed login).
enum class Stage { Connect, Handshake, Login };
struct Progress {
  std::atomic<Stage> stage{Stage::Connect};
};

}  // namespace hostadm::endpoint
