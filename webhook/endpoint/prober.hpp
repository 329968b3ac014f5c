// One endpoint check as the cache asks for it: what to dial, what to pin it to, and, in login
// mode, which Secret's credentials to log in with. The network prober does it for real; tests
// give the cache a fake.
#pragma once

#include <memory>
#include <string>

#include "webhook/core/clock.hpp"
#include "webhook/endpoint/login.hpp"
#include "webhook/endpoint/result.hpp"

namespace hostadm::endpoint {

// The policy's endpointCheck without `off` (an off check never reaches the endpoint library).
enum class Mode { Reach, Login };

struct Request {
  std::string address;  // spec.ipAddress: 10.0.0.1, [fd00::1] or a DNS name
  int port = 443;
  std::string expected_thumbprint;  // the inventory host's `thumbprint`; "" pins nothing
  Mode mode = Mode::Reach;
  // Login mode only. The Secret as "namespace/name" and its resourceVersion are part of the
  // cache key, so an edited Secret is checked again at once; the credentials are not, and are
  // dropped (wiped) when the probe ends.
  std::string secret;
  std::string secret_version;
  Credentials credentials;
};

class Prober {
 public:
  virtual ~Prober() = default;
  // Must return by `deadline`; moves `progress` along as it goes.
  virtual Result run(const Request& request, Deadline deadline, Progress& progress) = 0;
};

// check_reach() in reach mode, login() in login mode.
std::shared_ptr<Prober> network_prober();

}  // namespace hostadm::endpoint
