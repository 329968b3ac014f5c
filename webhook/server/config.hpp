// host-webhook's settings: command-line flags, each also a
// key of an optional `--config` YAML file (the flag name without the dashes; flags win).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "webhook/cli/flags.hpp"
#include "webhook/http/transport_limits.hpp"
#include "webhook/server/tls_policy.hpp"

namespace hostadm::server {

enum class LogFormat { Json, Text };

// Where the transport flags' defaults (and their --help text) come from.
inline constexpr http::TransportLimits kTransportDefaults{};

struct ServerConfig {
  std::string listen = "0.0.0.0:8443";
  std::string listen_host = "0.0.0.0";  // parsed from `listen`
  int listen_port = 8443;               // 0: any free port

  std::string tls_cert;
  std::string tls_key;
  std::string client_ca;

  // --manage-certificates (certificate_manager.hpp) instead of --tls-cert/--tls-key.
  bool manage_certificates = false;
  std::string certificate_secret = "host-webhook-certificates";
  std::string webhook_configuration = "forklift-host-webhook";
  std::string service_name = "host-webhook";
  std::chrono::milliseconds certificate_validity{365LL * 24 * 3600 * 1000};
  std::chrono::milliseconds certificate_check_interval{60'000};
  TlsPolicy tls;  // --tls-min-version, --tls-cipher-suites

  std::string inventory_url;
  bool inventory_url_from_env = false;
  std::string inventory_token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string inventory_ca;
  // --inventory-ca-secret NS/NAME: the inventory's CA followed in a Secret through the API.
  std::string inventory_ca_secret_ns, inventory_ca_secret_name;
  std::string inventory_ca_secret_key = "ca.crt";
  bool inventory_insecure_skip_tls = false;
  std::string inventory_fixture;
  std::string policy;

  LogFormat log_format = LogFormat::Json;
  std::string log_level = "info";

  // The transport's settings (transport_limits below); their defaults are the transport's own.
  int threads = kTransportDefaults.threads;
  int active_threads = kTransportDefaults.active_threads;  // 0: two per usable core
  // The CPU time the process may use per second, read at start-up; 0: the transport reads it.
  double cpu_capacity = 0;
  size_t max_connections = kTransportDefaults.max_connections;
  std::chrono::milliseconds handshake_timeout = kTransportDefaults.handshake_timeout;
  size_t max_body_bytes = kTransportDefaults.max_body_bytes;
  std::chrono::milliseconds keep_alive_timeout = kTransportDefaults.keep_alive_timeout;
  std::chrono::milliseconds read_timeout = kTransportDefaults.read_timeout;
  std::chrono::milliseconds write_timeout = kTransportDefaults.write_timeout;
  std::chrono::milliseconds drain_delay{5'000};
  std::chrono::milliseconds shutdown_timeout{25'000};
  std::chrono::milliseconds deadline_margin{500};
  std::chrono::milliseconds cert_poll_interval{1'000};

  // The Kubernetes API (webhook/server/cluster.hpp): a kubeconfig file, else the pod's service
  // account, else none (every cluster feature off).
  std::string kubeconfig;
  int kube_api_qps = 20;  // 0: no client-side limit
  int kube_api_burst = 40;

  // The audit of stored Hosts (webhook/audit): needs the Kubernetes API.
  std::chrono::milliseconds audit_interval{600'000};  // 0: no audit
  std::optional<bool> leader_elect;                   // unset: on when the API is configured
  std::string leader_election_id = "host-webhook-audit";

  std::string config_file;  // where file-set values came from, for the startup log
};

// Bad usage: the message names the flag (or FILE:LINE of the config key) and the fix. Exit 2.
using cli::UsageError;

struct ParsedArgs {
  ServerConfig config;
  bool help = false;
  std::string help_format;  // --help=markdown: the flag table as Markdown
};

using GetEnv = std::function<const char*(const char*)>;

// argv[0] is skipped. Throws UsageError.
ParsedArgs parse_args(int argc, const char* const* argv, const GetEnv& getenv);
// `host-webhook --help`, generated from the flag table; "markdown": the reference page's table.
std::string usage_text(const std::string& format = "");

// The transport's limits as configured; the ones without a flag keep the transport's defaults.
http::TransportLimits transport_limits(const ServerConfig& cfg);

// "10s", "9500ms", "1m30s", "2h", "0s"; throws std::invalid_argument.
std::chrono::milliseconds parse_duration_ms(const std::string& text);

// "0.0.0.0:8443", "127.0.0.1:0", "[::1]:8443", ":8443"; throws std::invalid_argument.
void parse_listen(const std::string& text, std::string& host, int& port);

}  // namespace hostadm::server
