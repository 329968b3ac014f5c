// Prometheus metrics of the cluster checks: endpoint probes by outcome and how long they ran,
// how endpoint checks and Secret lookups were answered (from memory, by a read of their own, or
// by one another admission started). Every label value comes from a fixed set registered up
// front; the Kubernetes API calls themselves are KubeMetrics'.
#pragma once

#include <array>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "webhook/endpoint/checker.hpp"

namespace hostadm::server {

class ClusterMetrics : public endpoint::Observer {
 public:
  static constexpr size_t kOutcomeCount = 10;  // endpoint::Outcome, Skipped included
  static constexpr std::array<const char*, 5> kEndpointLookups = {"hit", "miss", "shared",
                                                                  "gave_up", "skipped"};
  static constexpr std::array<const char*, 3> kSecretLookups = {"hit", "miss", "shared"};

  explicit ClusterMetrics(prometheus::Registry& registry);

  void probed(endpoint::Outcome outcome, double seconds) override;
  void looked_up(const char* result) override;
  void secret_looked_up(const char* result);

 private:
  std::array<prometheus::Counter*, kOutcomeCount> probes_{};
  prometheus::Histogram* probe_seconds_ = nullptr;
  std::array<prometheus::Counter*, kEndpointLookups.size()> endpoint_lookups_{};
  std::array<prometheus::Counter*, kSecretLookups.size()> secret_lookups_{};
};

}  // namespace hostadm::server
