// The mock inventory's REST API: a fixture answered as the Forklift inventory answers, with
// run-time faults, for `host-harness serve-inventory` and the tests. Not part of the webhook.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webhook/core/fixture.hpp"

namespace hostadm {

// Run-time switches of the mock inventory (`POST /__faults` of serve-inventory). A provider is
// named by uid or by "namespace/name".
struct RestFaults {
  std::vector<std::string> loading;   // listing at detail > 0 of its namespace answers 500; its
                                      // routes answer 206 (it is not in parity yet)
  std::vector<std::string> unsynced;  // its routes answer 206
  std::optional<std::chrono::milliseconds> sync_delay;  // overrides every provider's syncDelay
};

// One inventory REST answer, as the real service gives it.
struct RestAnswer {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;                    // JSON on 200, empty otherwise
  std::chrono::milliseconds delay{0};  // how long the real inventory waits before answering
};

// The non-empty segments of a REST path (without its query): "/api//v1/pods" -> {"api", "v1",
// "pods"}; the mock Kubernetes API splits its paths with it too.
std::vector<std::string> rest_path_segments(std::string_view path);

// path like "/providers/vsphere/<uid>/hosts", query parameters already decoded.
RestAnswer inventory_rest_answer(const Fixture& fixture, const std::string& path,
                                 const std::map<std::string, std::string>& query,
                                 const RestFaults& faults = {});

}  // namespace hostadm
