#include "webhook/endpoint/result.hpp"

namespace hostadm::endpoint {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::ReachOk:
      return "reach_ok";
    case Outcome::Refused:
      return "refused";
    case Outcome::Timeout:
      return "timeout";
    case Outcome::TlsError:
      return "tls_error";
    case Outcome::Unreachable:
      return "unreachable";
    case Outcome::ThumbprintMismatch:
      return "thumbprint_mismatch";
    case Outcome::LoginOk:
      return "login_ok";
    case Outcome::LoginInvalid:
      return "login_invalid";
    case Outcome::LoginError:
      return "login_error";
    case Outcome::Skipped:
      return "skipped";
  }
  return "unreachable";
}

const char* rule_for(Outcome outcome) {
  switch (outcome) {
    case Outcome::Refused:
    case Outcome::Timeout:
    case Outcome::TlsError:
    case Outcome::Unreachable:
      return "endpoint-unreachable";
    case Outcome::ThumbprintMismatch:
      return "endpoint-thumbprint-mismatch";
    case Outcome::LoginInvalid:
    case Outcome::LoginError:
      return "endpoint-login-failed";
    case Outcome::ReachOk:
    case Outcome::LoginOk:
    case Outcome::Skipped:
      return nullptr;
  }
  return nullptr;
}

}  // namespace hostadm::endpoint
