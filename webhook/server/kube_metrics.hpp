// Prometheus metrics of the Kubernetes API client (its KubeObserver): requests by verb, resource
// and code, their durations, and watch-cache relists. The verb x resource x code product is too
// large to register up front, so a series appears on first use; every label takes its values
// from the fixed sets below (anything else is "other"), so the series stay bounded.
#pragma once

#include <array>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "webhook/kube/kube_observer.hpp"

namespace hostadm::server {

class KubeMetrics : public kube::KubeObserver {
 public:
  static constexpr std::array<const char*, 7> kVerbs = {"get",    "list",  "watch", "create",
                                                        "update", "patch", "delete"};
  static constexpr std::array<const char*, 10> kResources = {"hosts",
                                                             "providers",
                                                             "namespaces",
                                                             "secrets",
                                                             "events",
                                                             "leases",
                                                             "policyreports",
                                                             "mutatingwebhookconfigurations",
                                                             "validatingwebhookconfigurations",
                                                             "other"};
  // "error": no answer (refused, timed out, TLS); "other": a code not listed.
  static constexpr std::array<const char*, 15> kCodes = {"200", "201", "400", "401",   "403",
                                                         "404", "409", "410", "422",   "429",
                                                         "500", "503", "504", "other", "error"};

  explicit KubeMetrics(prometheus::Registry& registry);

  void request(const char* verb, const std::string& resource, int code, double seconds) override;
  void watch_restart(const std::string& resource, const char* reason) override;

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& restarts_;
  std::mutex mu_;  // the series below, created on first use
  std::array<std::array<std::array<prometheus::Counter*, kCodes.size()>, kResources.size()>,
             kVerbs.size()>
      request_series_{};
  std::array<std::array<prometheus::Histogram*, kResources.size()>, kVerbs.size()>
      duration_series_{};
  std::array<prometheus::Counter*, kResources.size()> restart_series_{};
};

}  // namespace hostadm::server
