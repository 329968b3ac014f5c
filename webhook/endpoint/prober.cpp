#include "webhook/endpoint/prober.hpp"

#include "webhook/endpoint/probe.hpp"

namespace hostadm::endpoint {

namespace {

class NetworkProber : public Prober {
 public:
  Result run(const Request& request, Deadline deadline, Progress& progress) override {
    if (request.mode == Mode::Login)
      return login(request.address, request.port, request.credentials, request.expected_thumbprint,
                   deadline, &progress);
    return check_reach(request.address, request.port, request.expected_thumbprint, deadline,
                       &progress);
  }
};

}  // namespace

std::shared_ptr<Prober> network_prober() {
  return std::make_shared<NetworkProber>();
}

}  // namespace hostadm::endpoint
