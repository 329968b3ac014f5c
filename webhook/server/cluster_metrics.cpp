#include "webhook/server/cluster_metrics.hpp"

#include <cstring>

namespace hostadm::server {
namespace {

template <size_t N>
prometheus::Counter* find(const std::array<const char*, N>& names,
                          const std::array<prometheus::Counter*, N>& counters, const char* value) {
  for (size_t i = 0; i < N; ++i)
    if (value && std::strcmp(names[i], value) == 0) return counters[i];
  return nullptr;
}

// A probe ends within endpointTimeout (1 s by default); a refusal on loopback takes microseconds.
const prometheus::Histogram::BucketBoundaries& probe_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

}  // namespace

ClusterMetrics::ClusterMetrics(prometheus::Registry& registry) {
  auto& probes = prometheus::BuildCounter()
                     .Name("hostadm_endpoint_probes_total")
                     .Help(
                         "Probes of ESXi endpoints (TCP + TLS, and the vSphere login in login "
                         "mode), by outcome; a cached answer is no probe.")
                     .Register(registry);
  for (size_t i = 0; i < kOutcomeCount; ++i)
    probes_[i] =
        &probes.Add({{"result", endpoint::outcome_name(static_cast<endpoint::Outcome>(i))}});
  probe_seconds_ = &prometheus::BuildHistogram()
                        .Name("hostadm_endpoint_probe_duration_seconds")
                        .Help("Duration of probes of ESXi endpoints, however they ended.")
                        .Register(registry)
                        .Add({}, probe_buckets());
  auto& endpoint_lookups =
      prometheus::BuildCounter()
          .Name("hostadm_endpoint_cache_lookups_total")
          .Help(
              "Endpoint checks by how they were answered: from the cache (hit), by a probe of "
              "their own (miss) or another admission's (shared), provisionally when the "
              "admission's deadline came first (gave_up), or not at all because too many "
              "probes were running (skipped).")
          .Register(registry);
  for (size_t i = 0; i < kEndpointLookups.size(); ++i)
    endpoint_lookups_[i] = &endpoint_lookups.Add({{"result", kEndpointLookups[i]}});
  auto& secret_lookups =
      prometheus::BuildCounter()
          .Name("hostadm_secret_cache_lookups_total")
          .Help(
              "Secret lookups of the cluster checks by how they were answered: from the cache "
              "(hit), by a get of their own (miss) or by one another admission started "
              "(shared).")
          .Register(registry);
  for (size_t i = 0; i < kSecretLookups.size(); ++i)
    secret_lookups_[i] = &secret_lookups.Add({{"result", kSecretLookups[i]}});
}

void ClusterMetrics::probed(endpoint::Outcome outcome, double seconds) {
  const auto i = static_cast<size_t>(outcome);
  if (i < kOutcomeCount) probes_[i]->Increment();
  probe_seconds_->Observe(seconds);
}

void ClusterMetrics::looked_up(const char* result) {
  if (auto* c = find(kEndpointLookups, endpoint_lookups_, result)) c->Increment();
}

void ClusterMetrics::secret_looked_up(const char* result) {
  if (auto* c = find(kSecretLookups, secret_lookups_, result)) c->Increment();
}

}  // namespace hostadm::server
