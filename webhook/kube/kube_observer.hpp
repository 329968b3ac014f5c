// Hooks through which the Kubernetes API client reports what it does, for metrics and logs; the
// server implements them with prometheus-cpp and its logger. Default: no-op.
#pragma once

#include <string>

namespace hostadm::kube {

class KubeObserver {
 public:
  virtual ~KubeObserver() = default;
  // One request sent to the API server and its answer; every retry is a request of its own.
  // verb: get|list|watch|create|update|patch|delete; resource: the plural ("secrets"); code: the
  // HTTP status, 0 when no answer came. A watch reports when its stream ends.
  virtual void request(const char* /*verb*/, const std::string& /*resource*/, int /*code*/,
                       double /*seconds*/) {}
  // A watch cache listed its resource again from scratch. reason: "expired" (410 Gone: the
  // server no longer has the version to resume from) or "error" (the list failed part way).
  virtual void watch_restart(const std::string& /*resource*/, const char* /*reason*/) {}
  // Something an operator should see once in the log: a watch that keeps failing, a token file
  // that cannot be read. Never carries a credential.
  virtual void warning(const std::string& /*message*/) {}
};

}  // namespace hostadm::kube
