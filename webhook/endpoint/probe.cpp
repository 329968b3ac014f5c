#include "webhook/endpoint/probe.hpp"

#include "webhook/core/text.hpp"
#include "webhook/endpoint/thumbprint.hpp"
#include "webhook/endpoint/tls_stream.hpp"

namespace hostadm::endpoint {

namespace {

Result reach(std::string_view address, int port, std::string_view expected, Deadline deadline,
             Progress* progress) {
  Result r;
  Target target;
  if (!parse_target(address, port, target, r.message)) {
    r.outcome = Outcome::Unreachable;
    return r;
  }
  Dial d = dial(target, deadline, progress);
  r.outcome = d.outcome;
  if (!d.stream) {
    r.message = std::move(d.message);
    return r;
  }
  r.thumbprint = d.stream->thumbprint();
  if (!expected.empty() && !same_thumbprint(r.thumbprint, expected)) {
    r.outcome = Outcome::ThumbprintMismatch;
    r.message = mismatch_message(target, r.thumbprint, expected);
    return r;
  }
  r.message = "TLS to " + target.shown + " completed; certificate thumbprint " + r.thumbprint;
  return r;
}

}  // namespace

Result probe(std::string_view address, int port, Deadline deadline, Progress* progress) {
  return reach(address, port, "", deadline, progress);
}

Result check_reach(std::string_view address, int port, std::string_view expected_thumbprint,
                   Deadline deadline, Progress* progress) {
  return reach(address, port, expected_thumbprint, deadline, progress);
}

std::string mismatch_message(const Target& target, const std::string& seen,
                             std::string_view expected) {
  return "the certificate at " + target.shown + " has thumbprint " + seen +
         ", but the inventory lists " + text::shown_in_message(std::string(expected)) +
         " for this host: the address belongs to another machine or to a load balancer, not to "
         "the ESXi host the Host names";
}

}  // namespace hostadm::endpoint
