// Where the Kubernetes API is and how to authenticate to it, found as every Kubernetes tool finds
// it: a kubeconfig file given on the command line (`--kubeconfig`), else the pod's service
// account (in-cluster), else nothing, in which case every cluster feature stays off.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace hostadm::kube {

// Where the kubelet mounts a pod's service-account token, CA and namespace.
inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct KubeConfig {
  // For messages and the start-up log line: "kubeconfig FILE (context NAME)" or "in-cluster
  // service account (DIR)". Never carries a credential.
  std::string origin;
  std::string server;  // https://HOST:PORT[/PREFIX]; http:// only for tests
  // The CA that signed the API server's certificate: a PEM file (followed when it changes) or PEM
  // text from `certificate-authority-data`. Neither: the system trust store.
  std::string ca_file;
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  // Bearer token: `token_file` wins over `token` when both are set (as client-go does), and is
  // re-read whenever it changes (projected service-account tokens rotate).
  std::string token;
  std::string token_file;
  // Client certificate and key: files, or PEM text from the `-data` fields.
  std::string client_cert_file, client_cert_pem;
  std::string client_key_file, client_key_pem;
  std::string ns;  // the context's namespace, or the pod's; "default" when none is given
};

// Bad input: what() names the file (or directory), the field and the fix.
struct KubeConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a kubeconfig file (YAML or JSON) and resolves `context` (empty: its current-context).
// Relative paths in it are taken from the file's directory, as kubectl does. Throws
// KubeConfigError for an unreadable file, a missing or unknown context, cluster or user, a bad
// server URL, data that is not base64, and authentication this client cannot do (exec plugins,
// auth providers, username/password), rather than calling the API anonymously.
KubeConfig load_kubeconfig(const std::string& path, const std::string& context = "");

// The pod's own configuration: `KUBERNETES_SERVICE_HOST`/`_PORT` from `getenv`, the token, CA and
// namespace from `sa_dir`. Returns nothing when the variables are not set (not in a pod); throws
// KubeConfigError when they are set but the token cannot be read.
using Getenv = std::function<const char*(const char*)>;
std::optional<KubeConfig> in_cluster_config(const Getenv& getenv,
                                            const std::string& sa_dir = kServiceAccountDir);

// `--kubeconfig` when given, else in-cluster, else nothing (cluster features off; the caller
// logs that once). $KUBECONFIG and ~/.kube/config are not read: a developer's shell must not turn
// cluster checks on by accident.
std::optional<KubeConfig> resolve_kube_config(const std::string& kubeconfig_path,
                                              const Getenv& getenv,
                                              const std::string& sa_dir = kServiceAccountDir);

}  // namespace hostadm::kube
