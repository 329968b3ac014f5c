// The reach check: TCP + TLS to https://<ipAddress>:443 by a deadline, and the certificate
// pinned to the thumbprint the inventory lists for the host, as Forklift's Host controller pins
// it. Nothing is sent but the TLS handshake.
#pragma once

#include <string>
#include <string_view>

#include "webhook/core/clock.hpp"
#include "webhook/endpoint/result.hpp"
#include "webhook/endpoint/target.hpp"

namespace hostadm::endpoint {

// ReachOk with the certificate's thumbprint, or Refused / Timeout / TlsError / Unreachable with
// what failed. `address` is spec.ipAddress: 10.0.0.1, [fd00::1] or a DNS name.
Result probe(std::string_view address, int port, Deadline deadline, Progress* progress = nullptr);

// probe(), then ThumbprintMismatch when the certificate is not `expected_thumbprint` (an empty
// expectation pins nothing: ReachOk whatever the certificate).
Result check_reach(std::string_view address, int port, std::string_view expected_thumbprint,
                   Deadline deadline, Progress* progress = nullptr);

// The message of a ThumbprintMismatch: both thumbprints and what a mismatch usually means.
std::string mismatch_message(const Target& target, const std::string& seen,
                             std::string_view expected);

}  // namespace hostadm::endpoint
