#include "webhook/server/kube_metrics.hpp"

#include <cstring>

namespace hostadm::server {

namespace {

template <size_t N>
size_t index_or_last(const std::array<const char*, N>& set, const char* value) {
  for (size_t i = 0; i + 1 < N; ++i)
    if (value && std::strcmp(set[i], value) == 0) return i;
  return N - 1;
}

size_t code_index(int code) {
  if (code == 0) return KubeMetrics::kCodes.size() - 1;  // error
  const std::string text = std::to_string(code);
  const size_t i = index_or_last(KubeMetrics::kCodes, text.c_str());
  return i == KubeMetrics::kCodes.size() - 1 ? i - 1 : i;  // other, never error
}

// API calls take from milliseconds (a cached read) to the whole admission budget.
const prometheus::Histogram::BucketBoundaries& api_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

}  // namespace

KubeMetrics::KubeMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("hostadm_kube_api_requests_total")
                    .Help("Requests to the Kubernetes API, by verb, resource and HTTP code "
                          "(error: no answer); every retry counts.")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("hostadm_kube_api_request_duration_seconds")
                     .Help("Duration of requests to the Kubernetes API (a watch: its whole "
                           "stream), by verb and resource.")
                     .Register(registry)),
      restarts_(prometheus::BuildCounter()
                    .Name("hostadm_kube_watch_restarts_total")
                    .Help("Watch caches that listed their resource again from scratch (410 "
                          "Gone: the version to resume from was no longer kept).")
                    .Register(registry)) {}

void KubeMetrics::request(const char* verb, const std::string& resource, int code, double seconds) {
  size_t v = 0;
  while (v < kVerbs.size() && std::strcmp(kVerbs[v], verb ? verb : "") != 0) ++v;
  if (v == kVerbs.size()) return;  // the client speaks only these verbs
  const size_t r = index_or_last(kResources, resource.c_str());
  const size_t c = code_index(code);
  prometheus::Counter* counter = nullptr;
  prometheus::Histogram* histogram = nullptr;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto& cs = request_series_[v][r][c];
    if (!cs)
      cs = &requests_.Add({{"verb", kVerbs[v]}, {"resource", kResources[r]}, {"code", kCodes[c]}});
    auto& hs = duration_series_[v][r];
    if (!hs)
      hs = &durations_.Add({{"verb", kVerbs[v]}, {"resource", kResources[r]}}, api_buckets());
    counter = cs;
    histogram = hs;
  }
  counter->Increment();
  histogram->Observe(seconds);
}

void KubeMetrics::watch_restart(const std::string& resource, const char*) {
  const size_t r = index_or_last(kResources, resource.c_str());
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto& s = restart_series_[r];
    if (!s) s = &restarts_.Add({{"resource", kResources[r]}});
    counter = s;
  }
  counter->Increment();
}

}  // namespace hostadm::server
