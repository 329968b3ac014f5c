// Prints the webhook's metrics registry, freshly built, in the Prometheus text format: the input
// of tests/docs/gen_metrics.py, which turns it into docs/reference/metrics.md. Built with the
// tests only (never installed), so the page is generated from the same registry /metrics serves.
#include <iostream>

#include "webhook/server/metrics.hpp"

int main() {
  hostadm::server::Metrics metrics;
  std::cout << metrics.serialize();
  return 0;
}
