// Prints the webhook's metrics registry, freshly built, in the Prometheus text format: the input
// of tests/docs/gen_metrics.py, which turns it into docs/reference/metrics.md. Built with the
// tests only (never installed), so the page is generated from the same registry /metrics serves.
#include <iostream>
#include <string>

#include "webhook/server/metrics.hpp"

int main() {
  using hostadm::server::KubeMetrics;
  hostadm::server::Metrics metrics;
  // The Kubernetes API series appear on first use (their label product is too large to register
  // up front): one use per label value, through the observer the client calls, lists them all.
  auto kube = metrics.kube();
  for (const char* verb : KubeMetrics::kVerbs) kube->request(verb, "hosts", 200, 0);
  for (const char* resource : KubeMetrics::kResources) {
    kube->request("get", resource, 200, 0);
    kube->watch_restart(resource, "expired");
  }
  for (const std::string code : KubeMetrics::kCodes)  // 0: no answer; 599: a code not listed
    kube->request("get", "hosts", code == "error" ? 0 : code == "other" ? 599 : std::stoi(code), 0);
  // The audit's findings appear with a pass's results: one result lists the labels.
  metrics.audit()->findings(
      {{{"demo", "host-1", "uid-1"}, "admission", hostadm::audit::Result::Pass, "admitted"}});
  std::cout << metrics.serialize();
  return 0;
}
