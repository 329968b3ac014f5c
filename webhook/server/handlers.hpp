// The admission endpoints over HTTP: the media type, the deadline from ?timeout=, the inventory
// view for that deadline, metrics and the log line. The admission itself (read, decide, encode,
// the 4xx/503/500 answers) is the core's admit() (webhook/core/admission_path.hpp), which the
// harness runs too. handle() never throws.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "webhook/core/clock.hpp"
#include "webhook/core/cluster_view.hpp"
#include "webhook/core/inventory.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/inventory/source.hpp"
#include "webhook/server/metrics.hpp"

namespace hostadm::server {

struct HttpReply {
  int status = 200;
  std::string_view content_type = "application/json";  // a literal
  std::string body;
};

// One InventoryView per admission, bound to the inventory deadline.
using ViewFactory = std::function<std::unique_ptr<InventoryView>(Deadline)>;
// One ClusterView per admission, bound to the answer deadline; empty when no Kubernetes API is
// configured (every cluster check off).
using ClusterViewFactory = std::function<std::unique_ptr<ClusterView>(Deadline)>;

struct HandlerOptions {
  std::chrono::milliseconds default_timeout{10'000};  // when the apiserver sends no ?timeout=
  std::chrono::milliseconds max_margin{500};          // --deadline-margin
};

class AdmissionHandler {
 public:
  AdmissionHandler(ViewFactory views, std::shared_ptr<const Policy> policy, Metrics& metrics,
                   HandlerOptions options, ClusterViewFactory cluster = {});

  // The answer into `reply`, whose body's room the answer takes: the router passes the body the
  // worker answered with last time, the room stays with the worker's kept answer, and one
  // answer's buffer is not allocated per request. A fresh reply works as well.
  void handle(Phase webhook, const std::string& content_type, const std::string& timeout_param,
              const std::string& body, SteadyClock::time_point arrival, HttpReply& reply) noexcept;

  // The answer deadline: arrival + timeout - margin, margin = min(--deadline-margin, 10%).
  Deadline answer_deadline(const std::string& timeout_param, SteadyClock::time_point arrival) const;

 private:
  ViewFactory views_;
  ClusterViewFactory cluster_;
  std::shared_ptr<const Policy> policy_;
  Metrics& metrics_;
  HandlerOptions options_;
};

// "application/json", "application/json; charset=utf-8" (case-insensitive media type).
bool is_json_content_type(const std::string& value);

}  // namespace hostadm::server
