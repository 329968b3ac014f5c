// host-webhook: wires the configuration, the inventory (fixture or cached HTTP client), the
// Kubernetes API client and the cluster features on it (self-managed certificates, the inventory
// CA Secret), the certificate store, the HTTPS server and the signal loop together. Exit codes:
// 0 after a clean shutdown, 1 runtime failure (e.g. the port is taken), 2 bad flags or input
// files.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "webhook/build_info.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/http/cpu_budget.hpp"
#include "webhook/http/https_transport.hpp"
#include "webhook/inventory/cache.hpp"
#include "webhook/inventory/http_source.hpp"
#include "webhook/io/input_files.hpp"
#include "webhook/server/audit_setup.hpp"
#include "webhook/server/certificate_manager.hpp"
#include "webhook/server/cluster.hpp"
#include "webhook/server/cluster_view.hpp"
#include "webhook/server/config.hpp"
#include "webhook/server/handlers.hpp"
#include "webhook/server/inventory_ca_secret.hpp"
#include "webhook/server/lifecycle.hpp"
#include "webhook/server/logging.hpp"
#include "webhook/server/metrics.hpp"
#include "webhook/server/router.hpp"
#include "webhook/server/tls.hpp"

using namespace hostadm;
using namespace hostadm::server;

namespace {

struct Inventory {
  ViewFactory views;
  std::shared_ptr<CachedInventory> cache;       // kept alive with the factory
  std::shared_ptr<HttpInventorySource> source;  // the HTTP client, when not a fixture
};

Inventory make_inventory(const ServerConfig& cfg, const Policy& policy,
                         const std::shared_ptr<Metrics>& metrics) {
  Inventory inv;
  if (!cfg.inventory_fixture.empty()) {
    auto fixture = std::make_shared<const Fixture>(load_fixture_file(cfg.inventory_fixture));
    log_info("inventory: fixture served in-process",
             {{"file", cfg.inventory_fixture},
              {"providers", static_cast<long long>(fixture->providers.size())}});
    // The in-process inventory answers at once; the time left is what a real one would get, so
    // a fixture provider that answers 206 only after its syncDelay times out as it would.
    inv.views = [fixture](Deadline d) -> std::unique_ptr<InventoryView> {
      return std::make_unique<FixtureInventory>(
          fixture, std::chrono::duration_cast<std::chrono::milliseconds>(d - SteadyClock::now()));
    };
    return inv;
  }
  if (cfg.inventory_insecure_skip_tls)
    log_warn(
        "--inventory-insecure-skip-tls: the inventory's certificate is NOT verified; "
        "anyone on the path can answer for it",
        {{"url", cfg.inventory_url}});
  HttpSourceConfig source_cfg;
  source_cfg.url = cfg.inventory_url;
  source_cfg.token_file = cfg.inventory_token_file;
  source_cfg.ca_file = cfg.inventory_ca;
  if (!cfg.inventory_ca_secret_name.empty())
    source_cfg.ca_source = InventoryCaSecret::describe(
        cfg.inventory_ca_secret_ns, cfg.inventory_ca_secret_name, cfg.inventory_ca_secret_key);
  source_cfg.insecure_skip_tls = cfg.inventory_insecure_skip_tls;
  auto source = std::make_shared<HttpInventorySource>(source_cfg, metrics);
  inv.source = source;
  inv.cache = std::make_shared<CachedInventory>(source, policy.cache, metrics);
  log_info("inventory: Forklift inventory over HTTP",
           {{"url", cfg.inventory_url},
            {"urlFrom", cfg.inventory_url_from_env ? "MTV_INVENTORY_URL" : "--inventory-url"},
            {"tokenFile", cfg.inventory_token_file},
            {"caFile", cfg.inventory_ca},
            {"caSecret", source_cfg.ca_source},
            {"cacheTtlMs", static_cast<long long>(policy.cache.ttl.count())},
            {"negativeTtlMs", static_cast<long long>(policy.cache.negative_ttl.count())},
            {"staleIfErrorMs", static_cast<long long>(policy.cache.stale_if_error.count())}});
  auto cache = inv.cache;
  inv.views = [cache](Deadline d) { return cache->view(d); };
  return inv;
}

// The serving certificate's source: the files, or the Secret --manage-certificates keeps.
struct ServingCertificates {
  std::unique_ptr<CertStore> store;
  std::unique_ptr<CertificateManager> manager;
};

// Throws std::runtime_error when there is no usable pair or no API to keep one with (exit 2).
ServingCertificates make_serving_certificates(const ServerConfig& cfg, kube::Client* cluster,
                                              const std::shared_ptr<Metrics>& metrics) {
  auto hook = [metrics](bool ok, std::time_t not_after) {
    metrics->tls_reload(ok);
    metrics->tls_expiry(static_cast<double>(not_after));
  };
  ServingCertificates out;
  if (!cfg.manage_certificates) {
    out.store = std::make_unique<CertStore>(cfg.tls_cert, cfg.tls_key, hook);
    out.store->load_initial();
    return out;
  }
  if (!cluster)
    throw std::runtime_error(
        "--manage-certificates keeps the certificates in a Secret through the Kubernetes API, "
        "and none is configured: give --kubeconfig, or run in a pod with its service-account "
        "token");
  ManagedCertificatesConfig managed;
  managed.ns = cluster->default_namespace();
  managed.secret = cfg.certificate_secret;
  managed.webhook_configuration = cfg.webhook_configuration;
  managed.service = cfg.service_name;
  managed.validity = std::chrono::duration_cast<std::chrono::seconds>(cfg.certificate_validity);
  managed.check_interval = cfg.certificate_check_interval;
  log_info("self-managed certificates",
           {{"secret", managed.ns + "/" + managed.secret},
            {"webhookConfiguration", managed.webhook_configuration},
            {"service", managed.service + "." + managed.ns + ".svc"},
            {"validityS", static_cast<long long>(managed.validity.count())}});
  out.store = std::make_unique<CertStore>(hook);
  out.manager = std::make_unique<CertificateManager>(*cluster, managed, *out.store);
  return out;
}

// --inventory-ca-secret, or nothing. Throws std::runtime_error when there is no API (exit 2).
std::unique_ptr<InventoryCaSecret> follow_inventory_ca(const ServerConfig& cfg,
                                                       kube::Client* cluster,
                                                       HttpInventorySource* source) {
  if (cfg.inventory_ca_secret_name.empty() || !source) return nullptr;
  if (!cluster)
    throw std::runtime_error(
        "--inventory-ca-secret reads the Secret through the Kubernetes API, and none is "
        "configured: give --kubeconfig, or run in a pod with its service-account token");
  return std::make_unique<InventoryCaSecret>(*cluster, cfg.inventory_ca_secret_ns,
                                             cfg.inventory_ca_secret_name,
                                             cfg.inventory_ca_secret_key, *source);
}

// The cluster checks over the API client, or none without one. Throws std::runtime_error when
// the policy sets keys only a client can enforce and there is none (exit 2): enforcing less
// than the policy says would be worse than not starting.
std::unique_ptr<ClusterState> make_cluster_checks(kube::Client* cluster,
                                                  const std::shared_ptr<const Policy>& policy,
                                                  const std::shared_ptr<Metrics>& metrics) {
  if (!cluster) {
    const std::vector<std::string> keys = policy->needs_api_client();
    if (keys.empty()) return nullptr;
    std::string list;
    for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
    throw std::runtime_error(
        "the policy sets keys only a Kubernetes API client can enforce (" + list +
        "), and none is configured: give --kubeconfig, run in a pod with its service-account "
        "token, or remove those keys");
  }
  const ClusterChecks checks = policy->cluster_checks(true);
  log_info("cluster checks",
           {{"secretCheck", checks.secret},
            {"duplicateCheck", checks.duplicate},
            {"endpointCheck", checks.endpoint == EndpointCheck::Off     ? "off"
                              : checks.endpoint == EndpointCheck::Login ? "login"
                                                                        : "reach"},
            {"namespaceLabels", policy->uses_namespace_labels()},
            {"kubeApiTimeoutMs", static_cast<long long>(policy->kube_api_timeout.count())},
            {"endpointTimeoutMs", static_cast<long long>(policy->endpoint_timeout.count())}});
  ClusterStateOptions options;
  options.metrics = metrics->cluster();
  return std::make_unique<ClusterState>(*cluster, policy, std::move(options));
}

}  // namespace

int main(int argc, char** argv) {
  block_signals();

  // Before flag parsing, so `--version` answers even next to flags this build does not know.
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--version") {
      std::cout << version_line("host-webhook") << "\n";
      return 0;
    }
  ParsedArgs args;
  try {
    args = parse_args(argc, argv, [](const char* name) { return std::getenv(name); });
  } catch (const UsageError& e) {
    std::fprintf(stderr, "host-webhook: %s\n", e.what());
    return 2;
  }
  if (args.help) {
    std::cout << usage_text(args.help_format);
    return 0;
  }
  // The CPU the process may use is read once, here: the transport gets the resolved number and
  // the start-up line says where it came from.
  const http::CpuBudget cpu = http::cpu_budget();
  args.config.active_threads =
      http::resolve_active_threads(args.config.active_threads, args.config.threads, cpu.cores);
  args.config.cpu_capacity = cpu.capacity();
  const ServerConfig& cfg = args.config;
  setup_logging(cfg.log_format, cfg.log_level);

  auto policy = std::make_shared<Policy>();
  auto metrics = std::make_shared<Metrics>();
  Inventory inventory;
  try {
    if (!cfg.policy.empty()) *policy = load_policy_file(cfg.policy);
    inventory = make_inventory(cfg, *policy, metrics);
  } catch (const InputError& e) {
    log_error("cannot start: bad input file", {{"error", e.what()}});
    std::fprintf(stderr, "host-webhook: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    log_error("cannot start", {{"error", e.what()}});
    std::fprintf(stderr, "host-webhook: %s\n", e.what());
    return 2;
  }
  // One API client for every cluster feature, or none: then they are all off.
  std::unique_ptr<kube::Client> cluster;
  try {
    cluster = make_cluster_client(
        cfg, [](const char* name) { return std::getenv(name); }, metrics);
  } catch (const kube::KubeConfigError& e) {
    log_error("cannot start: the Kubernetes API configuration is unusable", {{"error", e.what()}});
    std::fprintf(stderr, "host-webhook: %s\n", e.what());
    return 2;
  }
  log_info("policy loaded",
           {{"file", cfg.policy.empty() ? "(built-in defaults)" : cfg.policy},
            {"inventoryFailure", to_string(policy->inventory_failure)},
            {"inventoryTimeoutMs", static_cast<long long>(policy->inventory_timeout.count())}});

  ServingCertificates serving;
  std::unique_ptr<InventoryCaSecret> inventory_ca;
  std::unique_ptr<ClusterState> cluster_checks;
  try {
    serving = make_serving_certificates(cfg, cluster.get(), metrics);
    inventory_ca = follow_inventory_ca(cfg, cluster.get(), inventory.source.get());
    cluster_checks = make_cluster_checks(cluster.get(), policy, metrics);
  } catch (const std::exception& e) {
    log_error("cannot start", {{"error", e.what()}});
    std::fprintf(stderr, "host-webhook: %s\n", e.what());
    return 2;
  }
  CertStore& certs = *serving.store;

  ClusterViewFactory cluster_views;
  if (cluster_checks) cluster_views = [c = cluster_checks.get()](Deadline d) { return c->view(d); };
  AdmissionHandler admission(inventory.views, policy, *metrics,
                             HandlerOptions{std::chrono::milliseconds(10'000), cfg.deadline_margin},
                             cluster_views);
  Router server(cfg, certs, admission, *metrics);
  if (!server.valid()) {
    log_error("cannot start: TLS setup failed (see the previous line)");
    return 2;
  }
  if (serving.manager) {
    server.add_readiness_check([m = serving.manager.get()] { return m->not_ready_reason(); });
    serving.manager->start();  // a provisional pair before the first handshake
  }
  if (inventory_ca) {
    server.add_readiness_check([f = inventory_ca.get()] { return f->not_ready_reason(); });
    inventory_ca->start();
  }
  if (cluster_checks) {
    server.add_readiness_check([c = cluster_checks.get()] { return c->not_ready_reason(); });
    cluster_checks->start();
  }
  // The audit decides with the admissions' cluster view: the same Secrets, duplicates and
  // endpoint answers (and their caches).
  std::unique_ptr<audit::Auditor> auditor =
      make_auditor(cfg, cluster.get(), inventory.views, policy, cluster_views, *metrics);
  int port;
  try {
    port = server.bind();
  } catch (const std::exception& e) {
    log_error("cannot start", {{"error", e.what()}});
    std::fprintf(stderr, "host-webhook: %s\n", e.what());
    return 1;
  }
  const std::string host = cfg.listen_host.find(':') != std::string::npos
                               ? "[" + cfg.listen_host + "]"
                               : cfg.listen_host;
  // Descriptors beyond the connections: listener, epoll, certificate watch, inventory client.
  constexpr long long kSpareFiles = 64;
  const long long open_files = raise_open_file_limit();
  if (open_files >= 0 && static_cast<long long>(cfg.max_connections) + kSpareFiles > open_files)
    log_warn(
        "--max-connections is above what the open-file limit allows; connections beyond "
        "it wait in the listen backlog. Raise the limit (ulimit -n) or lower "
        "--max-connections",
        {{"maxConnections", static_cast<long long>(cfg.max_connections)},
         {"openFileLimit", open_files}});
  log_info("listening on https://" + host + ":" + std::to_string(port),
           {{"threads", cfg.threads},
            {"activeThreads", cfg.active_threads},
            {"cores", cpu.cores},
            {"cpuLimit", cpu.limit ? nlohmann::json(*cpu.limit) : nlohmann::json("none")},
            {"maxConnections", static_cast<long long>(cfg.max_connections)},
            {"maxBodyBytes", static_cast<long long>(cfg.max_body_bytes)},
            {"clientCA", cfg.client_ca.empty() ? "(none)" : cfg.client_ca},
            {"config", cfg.config_file}});

  certs.start_watch(cfg.cert_poll_interval);
  // SIGHUP: the files read again, or the Secret and the caBundle checked now.
  auto reload = [&certs, m = serving.manager.get()] {
    if (m)
      m->check_now();
    else
      certs.reload("SIGHUP");
  };
  SignalLoop signals({reload, [&server] { server.set_draining(); }, [&server] { server.stop(); }},
                     cfg.drain_delay, cfg.shutdown_timeout);
  signals.start();
  if (auditor) auditor->start();

  const bool ok = server.run();
  signals.finish();
  if (auditor) auditor->stop();  // a held Lease is handed back for the next replica
  certs.stop_watch();
  if (inventory_ca) inventory_ca->stop();
  if (cluster_checks) cluster_checks->stop();
  if (serving.manager) serving.manager->stop();
  if (!ok) {
    log_error("the server stopped unexpectedly");
    return 1;
  }
  log_info("stopped");
  return 0;
}
