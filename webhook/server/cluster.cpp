#include "webhook/server/cluster.hpp"

#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

// The client's reports: requests and relists into the metrics, warnings (a watch that keeps
// failing, a token file that cannot be read) into the log, where an operator looks first.
class ClusterObserver : public kube::KubeObserver {
 public:
  explicit ClusterObserver(std::shared_ptr<KubeMetrics> metrics) : metrics_(std::move(metrics)) {}
  void request(const char* verb, const std::string& resource, int code, double seconds) override {
    metrics_->request(verb, resource, code, seconds);
  }
  void watch_restart(const std::string& resource, const char* reason) override {
    metrics_->watch_restart(resource, reason);
  }
  void warning(const std::string& message) override {
    log_warn("Kubernetes API", {{"error", message}});
  }

 private:
  std::shared_ptr<KubeMetrics> metrics_;
};

}  // namespace

std::unique_ptr<kube::Client> make_cluster_client(const ServerConfig& config,
                                                  const kube::Getenv& getenv,
                                                  const std::shared_ptr<Metrics>& metrics) {
  std::optional<kube::KubeConfig> kube_config =
      kube::resolve_kube_config(config.kubeconfig, getenv);
  if (!kube_config) {
    log_info(
        "no Kubernetes API configured: the cluster features are off (give --kubeconfig, or run "
        "in a pod with its service-account token mounted)");
    return nullptr;
  }
  kube::ClientOptions options;
  options.qps = config.kube_api_qps;
  options.burst = config.kube_api_burst;
  options.observer = std::make_shared<ClusterObserver>(metrics->kube());
  log_info("Kubernetes API", {{"from", kube_config->origin},
                              {"server", kube_config->server},
                              {"namespace", kube_config->ns},
                              {"qps", config.kube_api_qps},
                              {"burst", config.kube_api_burst}});
  return std::make_unique<kube::Client>(std::move(*kube_config), std::move(options));
}

}  // namespace hostadm::server
