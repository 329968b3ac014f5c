// Run-time faults of the mock Kubernetes API (`POST /__faults` of serve-kube): latency, an HTTP
// status (with the API server's Status body, or Retry-After), or a dropped connection, for every
// request or for those matching a verb, resource, namespace and name, always or the first N times.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hostadm::kubemock {

struct FaultRule {
  std::string verb;      // get|list|watch|create|update|patch|delete; "" any
  std::string resource;  // plural; "" any
  std::string ns, name;  // "" any
  int latency_ms = 0;
  int status = 0;          // 0: answer normally (after the latency)
  int retry_after = -1;    // Retry-After seconds; -1: none (a 429 gets 1)
  bool text_body = false;  // a text/plain body (how API Priority and Fairness answers 429)
  bool drop = false;       // close the connection without an answer
  int times = 0;           // 0: every matching request; N: the first N only
  int used = 0;

  bool matches(const std::string& v, const std::string& r, const std::string& n,
               const std::string& nm) const;
};

// What applies to one request.
struct FaultHit {
  int latency_ms = 0;
  int status = 0;
  int retry_after = -1;
  bool text_body = false;
  bool drop = false;
};

class Faults {
 public:
  // Replaces every rule with those of `body` (`{}` clears them). Returns an error message naming
  // the key and the accepted values, or "" when applied.
  std::string set(const std::string& body);
  nlohmann::json to_json() const;
  // The first rule matching the request that has uses left (its use is counted).
  FaultHit hit(const std::string& verb, const std::string& resource, const std::string& ns,
               const std::string& name);

 private:
  mutable std::mutex mu_;
  std::vector<FaultRule> rules_;
};

}  // namespace hostadm::kubemock
