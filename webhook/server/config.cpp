#include "webhook/server/config.hpp"

#include <cctype>
#include <set>
#include <vector>

#include "webhook/cli/flags.hpp"
#include "webhook/inventory/connection_flags.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::server {
namespace {

using cli::FlagKind;

// A row of the flag table and how its value lands in the configuration (already checked
// against the row's kind; the setters add the checks a kind cannot express).
struct Setting {
  cli::Flag flag;
  std::function<void(ServerConfig&, const std::string&)> set;
};

cli::Flag row(const char* name, FlagKind kind, const char* value_name,
              const std::string& default_text, const char* help) {
  return cli::make_flag(name, kind, value_name, help, default_text);
}

cli::Flag int_row(const char* name, long long min, long long max, const std::string& default_text,
                  const char* help) {
  cli::Flag f = row(name, FlagKind::Int, "N", default_text, help);
  f.min = min;
  f.max = max;
  return f;
}

cli::Flag enum_row(const char* name, std::vector<std::string> choices, const char* default_text,
                   const char* help) {
  cli::Flag f = row(name, FlagKind::Enum, "", default_text, help);
  f.choices = std::move(choices);
  return f;
}

// A Kubernetes object name (a DNS subdomain), e.g. a Secret's.
cli::Flag name_row(const char* name, const char* default_text, const char* help) {
  cli::Flag f = row(name, FlagKind::String, "NAME", default_text, help);
  f.example = default_text;
  return f;
}

// A DNS subdomain as Kubernetes names objects: at most 253 characters of lower-case letters,
// digits, '-' and '.', starting and ending with a letter or digit.
bool object_name(const std::string& n) {
  if (n.empty() || n.size() > 253 || !std::isalnum(static_cast<unsigned char>(n.front())) ||
      !std::isalnum(static_cast<unsigned char>(n.back())))
    return false;
  for (char ch : n)
    if (!(std::islower(static_cast<unsigned char>(ch)) ||
          std::isdigit(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.'))
      return false;
  return true;
}

// "NAMESPACE/NAME"; "" leaves both empty (the flag off, as an empty env value in a manifest).
void parse_namespaced_name(const std::string& v, std::string& ns, std::string& name) {
  ns.clear();
  name.clear();
  if (v.empty()) return;
  const size_t slash = v.find('/');
  if (slash == std::string::npos || !object_name(v.substr(0, slash)) ||
      !object_name(v.substr(slash + 1)))
    throw std::invalid_argument("'" + v + "' is not NAMESPACE/NAME");
  ns = v.substr(0, slash);
  name = v.substr(slash + 1);
}

const std::vector<Setting>& settings() {
  using C = ServerConfig;
  auto dur = [](std::chrono::milliseconds C::*field) {
    return [field](C& c, const std::string& v) { c.*field = cli::parse_duration_with_unit(v); };
  };
  auto text = [](std::string C::*field) {
    return [field](C& c, const std::string& v) { c.*field = v; };
  };
  auto duration = [](const char* name, const std::string& default_text, const char* help) {
    return row(name, FlagKind::Duration, "DURATION", default_text, help);
  };
  static const std::vector<Setting> kTable = {
      {[] {
         cli::Flag f = row("config", FlagKind::String, "FILE", "",
                           "YAML file whose keys are these flag names without dashes; flags "
                           "override it");
         f.example = "webhook.yaml";
         return f;
       }(),
       nullptr},
      {[] {
         cli::Flag f = row("listen", FlagKind::String, "HOST:PORT", "0.0.0.0:8443",
                           "address to serve HTTPS on; port 0 picks a free port");
         f.example = "0.0.0.0:8443";
         return f;
       }(),
       [](C& c, const std::string& v) {
         parse_listen(v, c.listen_host, c.listen_port);
         c.listen = v;
       }},
      {row("tls-cert", FlagKind::String, "FILE", "",
           "serving certificate (PEM, leaf first then chain); reloaded on change and SIGHUP"),
       text(&C::tls_cert)},
      {row("tls-key", FlagKind::String, "FILE", "", "private key of --tls-cert (PEM)"),
       text(&C::tls_key)},
      {row("client-ca", FlagKind::String, "FILE", "",
           "optional: require client certificates signed by this CA (kube-apiserver's)"),
       text(&C::client_ca)},
      {row("manage-certificates", FlagKind::Bool, "", "",
           "instead of --tls-cert/--tls-key: keep a CA and a serving certificate in "
           "--certificate-secret, renew them, and write the CA into the caBundle of the "
           "--webhook-configuration configurations (needs the Kubernetes API)"),
       [](C& c, const std::string& v) { c.manage_certificates = v == "true"; }},
      {name_row("certificate-secret", "host-webhook-certificates",
                "--manage-certificates: the Secret of the install's namespace that holds them"),
       text(&C::certificate_secret)},
      {name_row("webhook-configuration", "forklift-host-webhook",
                "--manage-certificates: the name of the mutating and of the validating webhook "
                "configuration whose caBundle it writes"),
       text(&C::webhook_configuration)},
      {name_row("service-name", "host-webhook",
                "--manage-certificates: the Service the serving certificate is for "
                "(SERVICE.NAMESPACE.svc and SERVICE.NAMESPACE.svc.cluster.local)"),
       text(&C::service_name)},
      {duration("certificate-validity", "8760h",
                "--manage-certificates: how long a serving certificate is valid; renewed with a "
                "third left. The CA lives ten times as long"),
       dur(&C::certificate_validity)},
      {duration("certificate-check-interval", "1m",
                "--manage-certificates: how often the Secret and the caBundle are checked besides "
                "the Secret's watch (a caBundle reset by someone is written again)"),
       dur(&C::certificate_check_interval)},
      // A string, not an enum: VersionTLS10/11 deserve their own refusal (insecure).
      {row("tls-min-version", FlagKind::String, "VersionTLS12|VersionTLS13", "VersionTLS12",
           "oldest TLS version accepted"),
       [](C& c, const std::string& v) { c.tls.min_version = parse_tls_min_version(v); }},
      {row("tls-cipher-suites", FlagKind::String, "NAME,...",
           "every ECDHE suite with AES-GCM or ChaCha20-Poly1305",
           "comma-separated TLS 1.2 cipher suites, IANA names as kube-apiserver's flag; TLS 1.3 "
           "suites are always on"),
       [](C& c, const std::string& v) { c.tls.cipher_suites = parse_tls_cipher_suites(v); }},
      {inventory_connection_flag(kInventoryUrlFlag), text(&C::inventory_url)},
      {inventory_connection_flag(kInventoryTokenFileFlag, "the pod's service-account token"),
       text(&C::inventory_token_file)},
      {inventory_connection_flag(kInventoryCaFlag), text(&C::inventory_ca)},
      {[] {
         cli::Flag f = row("inventory-ca-secret", FlagKind::String, "NAMESPACE/NAME", "",
                           "the Secret whose --inventory-ca-secret-key verifies the inventory's "
                           "certificate, followed through the Kubernetes API as it is renewed");
         f.example = "konveyor-forklift/forklift-inventory-serving-cert";
         return f;
       }(),
       [](C& c, const std::string& v) {
         parse_namespaced_name(v, c.inventory_ca_secret_ns, c.inventory_ca_secret_name);
       }},
      {[] {
         cli::Flag f = row("inventory-ca-secret-key", FlagKind::String, "KEY", "ca.crt",
                           "the key of --inventory-ca-secret that holds the CA (PEM)");
         f.example = "ca.crt";
         return f;
       }(),
       text(&C::inventory_ca_secret_key)},
      {inventory_connection_flag(kInventoryInsecureFlag),
       [](C& c, const std::string& v) { c.inventory_insecure_skip_tls = v == "true"; }},
      {row("inventory-fixture", FlagKind::String, "FILE", "",
           "serve a mock inventory from this fixture file in-process instead of --inventory-url"),
       text(&C::inventory_fixture)},
      {row("policy", FlagKind::String, "FILE", "built-in defaults", "policy YAML"),
       text(&C::policy)},
      {enum_row("log-format", {"json", "text"}, "json", "json: one JSON line per event"),
       [](C& c, const std::string& v) {
         c.log_format = v == "text" ? LogFormat::Text : LogFormat::Json;
       }},
      {enum_row("log-level", {"trace", "debug", "info", "warn", "error", "critical", "off"}, "info",
                "the least severe events logged"),
       text(&C::log_level)},
      {int_row("threads", 1, 4096, std::to_string(kTransportDefaults.threads),
               "worker threads answering requests; connections that are idle, in a TLS "
               "handshake or still sending wait without one. Those past --active-threads are a "
               "reserve: while the process uses half the CPU it may use, one wakes only when no "
               "worker took a waiting request for 1 ms"),
       [](C& c, const std::string& v) { c.threads = static_cast<int>(cli::parse_count(v)); }},
      {int_row("active-threads", 0, 4096, std::to_string(kTransportDefaults.active_threads),
               "workers answering at once: past it a request waits for one of them, and one "
               "more wakes when none took a waiting request for 1 ms (one is waiting on the "
               "inventory); also, while the process uses half the CPU it may use, how many "
               "workers may wait for the next request on the connection they just answered "
               "(below that, every connection may keep one). 0: two per core the process may "
               "use: its CPU limit (the cgroup's quota) rounded up, or the cores of its CPU "
               "affinity if fewer"),
       [](C& c, const std::string& v) {
         c.active_threads = static_cast<int>(cli::parse_count(v));
       }},
      {int_row("max-connections", 1, 1'000'000, std::to_string(kTransportDefaults.max_connections),
               "open connections at most; at the limit the longest-idle keep-alive connection is "
               "closed for a new one, and with none idle the new one is refused"),
       [](C& c, const std::string& v) {
         c.max_connections = static_cast<size_t>(cli::parse_count(v));
       }},
      {row("max-body-bytes", FlagKind::Size, "BYTES",
           cli::size_text(kTransportDefaults.max_body_bytes),
           "largest request body (object and oldObject, each at most ~1.5Mi in etcd); larger "
           "gets HTTP 413"),
       [](C& c, const std::string& v) {
         const size_t n = cli::parse_size(v);
         if (n < 1024) throw std::invalid_argument("'" + v + "' is below 1024 bytes");
         c.max_body_bytes = n;
       }},
      {duration("keep-alive-timeout", cli::duration_text(kTransportDefaults.keep_alive_timeout),
                "idle keep-alive connections close after this; bounds shutdown"),
       dur(&C::keep_alive_timeout)},
      {duration("read-timeout", cli::duration_text(kTransportDefaults.read_timeout),
                "a request must arrive whole this long after its first byte, else HTTP 408"),
       dur(&C::read_timeout)},
      {duration("handshake-timeout", cli::duration_text(kTransportDefaults.handshake_timeout),
                "a new connection must finish its TLS handshake within this, else it is closed"),
       dur(&C::handshake_timeout)},
      {duration("write-timeout", cli::duration_text(kTransportDefaults.write_timeout),
                "an answer must be written within this"),
       dur(&C::write_timeout)},
      {duration("drain-delay", "5s",
                "after SIGTERM: /readyz answers 503 but requests are still served this long"),
       dur(&C::drain_delay)},
      {duration("shutdown-timeout", "25s",
                "after SIGTERM: hard exit deadline; keep below terminationGracePeriod"),
       dur(&C::shutdown_timeout)},
      {duration("deadline-margin", "500ms",
                "answer this long before the apiserver's ?timeout= (at most 10% of it)"),
       dur(&C::deadline_margin)},
      {duration("cert-poll-interval", "1s",
                "how often --tls-cert/--tls-key (and their symlink targets) are checked"),
       dur(&C::cert_poll_interval)},
      {[] {
         cli::Flag f =
             row("kubeconfig", FlagKind::String, "FILE", "the pod's service account, else none",
                 "Kubernetes API access for the cluster features: a kubeconfig's "
                 "current context; without it, the service account of the pod it runs "
                 "in; neither: the cluster features are off ($KUBECONFIG is not read)");
         f.example = "$HOME/.kube/config";
         return f;
       }(),
       text(&C::kubeconfig)},
      {int_row("kube-api-qps", 0, 100'000, "20",
               "requests per second to the Kubernetes API, on average (0: no limit)"),
       [](C& c, const std::string& v) { c.kube_api_qps = static_cast<int>(cli::parse_count(v)); }},
      {int_row("kube-api-burst", 1, 100'000, "40",
               "requests to the Kubernetes API at once above --kube-api-qps"),
       [](C& c, const std::string& v) {
         c.kube_api_burst = static_cast<int>(cli::parse_count(v));
       }},
      // The audit of stored Hosts.
      // A string checked by its setter: a bare 0 (off) is what users write, and Duration
      // insists on a unit.
      {[] {
         cli::Flag f = row("audit-interval", FlagKind::String, "DURATION", "10m",
                           "how often every stored Host is re-decided and the PolicyReports and "
                           "Events written (needs the Kubernetes API; 0: no audit)");
         f.example = "30m";
         return f;
       }(),
       [](C& c, const std::string& v) {
         c.audit_interval =
             v == "0" ? std::chrono::milliseconds(0) : cli::parse_duration_with_unit(v);
       }},
      {row("leader-elect", FlagKind::Bool, "", "on when the Kubernetes API is configured",
           "audit from one replica at a time, the holder of a Lease (--leader-elect=false: "
           "every replica audits)"),
       [](C& c, const std::string& v) { c.leader_elect = v == "true"; }},
      {name_row("leader-election-id", "host-webhook-audit",
                "the audit Lease's name, in the install's namespace"),
       text(&C::leader_election_id)},
  };
  return kTable;
}

const Setting* find_setting(const std::string& name) {
  for (const auto& s : settings())
    if (s.flag.name == name) return &s;
  return nullptr;
}

// `value` has passed cli::check_value; the setter's own checks throw std::invalid_argument.
void apply(ServerConfig& cfg, const Setting& s, const std::string& value,
           const std::string& where) {
  try {
    s.set(cfg, value);
  } catch (const std::invalid_argument& e) {
    throw UsageError(where + ": " + e.what() + "; " + cli::fix_hint(s.flag));
  }
}

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  throw std::invalid_argument("expected a string, number or boolean");
}

// Keys of the config file, applied only where no flag was given.
void apply_config_file(ServerConfig& cfg, const std::string& path,
                       const std::set<std::string>& from_flags) {
  std::vector<YamlDoc> docs;
  try {
    docs = load_yaml_file(path);
  } catch (const InputError& e) {
    throw UsageError(std::string("--config: ") + e.what());
  }
  if (docs.empty()) return;
  if (docs.size() > 1)
    throw UsageError(path + ": holds " + std::to_string(docs.size()) +
                     " YAML documents; put all settings in one mapping");
  const YamlDoc& doc = docs.front();
  if (!doc.value.is_object())
    throw UsageError(path + ":" + std::to_string(doc.line) +
                     ": expected a mapping of flag names to values, e.g. `listen: 0.0.0.0:8443`");
  for (const auto& [key, value] : doc.value.items()) {
    const int line = doc.lines ? doc.lines->line_of("/" + key) : 0;
    const std::string where = path + (line > 0 ? ":" + std::to_string(line) : "") + ": " + key;
    const Setting* s = find_setting(key);
    if (!s || !s->set)
      throw UsageError(where +
                       ": unknown setting; the keys are the flag names without dashes "
                       "(see host-webhook --help)");
    if (from_flags.count(key)) continue;
    std::string text;
    try {
      text = scalar_text(value);
      // YAML writers say yes/no as often as true/false.
      if (s->flag.kind == FlagKind::Bool && (text == "yes" || text == "1")) text = "true";
      if (s->flag.kind == FlagKind::Bool && (text == "no" || text == "0")) text = "false";
      cli::check_value(s->flag, text, where);
    } catch (const std::invalid_argument& e) {
      throw UsageError(where + ": " + e.what() + "; " + cli::fix_hint(s->flag));
    }
    apply(cfg, *s, text, where);
  }
}

// --tls-cert/--tls-key or --manage-certificates, and the latter's settings.
void check_certificate_source(const ServerConfig& cfg) {
  const bool files = !cfg.tls_cert.empty() || !cfg.tls_key.empty();
  if (cfg.manage_certificates && files)
    throw UsageError(
        "--manage-certificates and --tls-cert/--tls-key both given: the webhook either keeps its "
        "own certificates in --certificate-secret or serves the files; give one");
  if (!cfg.manage_certificates) {
    if (cfg.tls_cert.empty() || cfg.tls_key.empty())
      throw UsageError(
          "--tls-cert and --tls-key are required (or --manage-certificates, with the Kubernetes "
          "API): the apiserver only calls webhooks over HTTPS; for a local run make a pair with "
          "certs/make-certs.sh --out certs/dev --service localhost --ip 127.0.0.1");
    return;
  }
  for (const auto& [flag, value] : {std::pair{"--certificate-secret", &cfg.certificate_secret},
                                    {"--webhook-configuration", &cfg.webhook_configuration}})
    if (!object_name(*value))
      throw UsageError(std::string(flag) + " '" + *value +
                       "' is not a Kubernetes object name (lower-case letters, digits, '-' and "
                       "'.'); e.g. " +
                       flag + " host-webhook-certificates");
  if (!object_name(cfg.service_name) || cfg.service_name.size() > 63 ||
      cfg.service_name.find('.') != std::string::npos)
    throw UsageError("--service-name '" + cfg.service_name +
                     "' is not a Service name (a DNS label: lower-case letters, digits and '-'); "
                     "e.g. --service-name host-webhook");
  if (cfg.certificate_validity < std::chrono::seconds(3))
    throw UsageError(
        "--certificate-validity must be at least 3s (it is renewed with a third left); e.g. "
        "--certificate-validity 8760h");
  if (cfg.certificate_check_interval < std::chrono::seconds(1))
    throw UsageError(
        "--certificate-check-interval must be at least 1s; e.g. --certificate-check-interval 1m");
}

// At most one source of trust for the inventory's certificate.
void check_inventory_ca(const ServerConfig& cfg) {
  if (cfg.inventory_ca_secret_name.empty()) return;
  if (!cfg.inventory_ca.empty())
    throw UsageError(
        "--inventory-ca-secret and --inventory-ca both given: the inventory's CA comes from the "
        "Secret (followed through the API) or from the file; give one");
  if (cfg.inventory_insecure_skip_tls)
    throw UsageError(
        "--inventory-ca-secret and --inventory-insecure-skip-tls contradict each other: one "
        "verifies the inventory's certificate, the other does not; give one");
  if (!cfg.inventory_fixture.empty())
    throw UsageError(
        "--inventory-ca-secret verifies the inventory at --inventory-url; --inventory-fixture "
        "serves a mock inventory in-process, with no certificate to verify; drop one");
  if (cfg.inventory_ca_secret_key.empty())
    throw UsageError("--inventory-ca-secret-key is empty; e.g. --inventory-ca-secret-key ca.crt");
}

// The flags, then the --config file's keys for the settings no flag gave.
void apply_flags_then_file(ServerConfig& cfg, const cli::Parsed& parsed) {
  std::set<std::string> given;
  std::string config_path;
  for (const auto& [name, value] : parsed.given) {
    if (name == "config") {
      config_path = value;
      continue;
    }
    const Setting* s = find_setting(name);
    if (!s) continue;  // --version: answered before parsing
    apply(cfg, *s, value, "--" + name);
    given.insert(name);
  }
  if (config_path.empty()) return;
  apply_config_file(cfg, config_path, given);
  cfg.config_file = config_path;
}

// --inventory-url (or MTV_INVENTORY_URL) or --inventory-fixture: exactly one inventory.
void choose_inventory_source(ServerConfig& cfg, const GetEnv& getenv) {
  if (cfg.inventory_url.empty()) {
    cfg.inventory_url = inventory_url_from_env_or("", getenv);
    cfg.inventory_url_from_env = !cfg.inventory_url.empty();
  }
  if (!cfg.inventory_fixture.empty() && !cfg.inventory_url.empty() && !cfg.inventory_url_from_env)
    throw UsageError(
        "--inventory-fixture and --inventory-url both given; use --inventory-url for the real "
        "Forklift inventory or --inventory-fixture for a mock one, not both");
  if (cfg.inventory_fixture.empty() && cfg.inventory_url.empty())
    throw UsageError(
        "no inventory: give --inventory-url URL (or set MTV_INVENTORY_URL) to ask the Forklift "
        "inventory, e.g. https://forklift-inventory.openshift-mtv.svc.cluster.local:8443, or "
        "--inventory-fixture FILE to serve a mock inventory from a fixture (see "
        "examples/inventory.yaml)");
  if (!cfg.inventory_fixture.empty()) {
    cfg.inventory_url_from_env = false;
    cfg.inventory_url.clear();
  }
}

// The shutdown's order and the transport's lower bounds.
void check_timing(const ServerConfig& cfg) {
  if (cfg.shutdown_timeout <= cfg.drain_delay)
    throw UsageError("--shutdown-timeout (" + std::to_string(cfg.shutdown_timeout.count()) +
                     "ms) must be longer than --drain-delay (" +
                     std::to_string(cfg.drain_delay.count()) +
                     "ms) so in-flight requests can finish; e.g. --shutdown-timeout 25s");
  if (cfg.keep_alive_timeout < std::chrono::seconds(1) ||
      cfg.read_timeout < std::chrono::seconds(1) || cfg.write_timeout < std::chrono::seconds(1) ||
      cfg.handshake_timeout < std::chrono::seconds(1))
    throw UsageError(
        "--keep-alive-timeout, --read-timeout, --write-timeout and --handshake-timeout must be at "
        "least 1s "
        "(less cuts off apiservers on a loaded network); e.g. --read-timeout 10s");
}

}  // namespace

http::TransportLimits transport_limits(const ServerConfig& cfg) {
  http::TransportLimits limits;
  limits.threads = cfg.threads;
  limits.active_threads = cfg.active_threads;
  limits.max_connections = cfg.max_connections;
  limits.max_body_bytes = cfg.max_body_bytes;
  limits.handshake_timeout = cfg.handshake_timeout;
  limits.keep_alive_timeout = cfg.keep_alive_timeout;
  limits.read_timeout = cfg.read_timeout;
  limits.write_timeout = cfg.write_timeout;
  return limits;
}

std::chrono::milliseconds parse_duration_ms(const std::string& text) {
  return cli::parse_duration_with_unit(text);
}

void parse_listen(const std::string& text, std::string& host, int& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("'" + text + "' is not HOST:PORT");
  std::string h = text.substr(0, colon);
  const std::string p = text.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  long long n;
  try {
    n = cli::parse_count(p);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("'" + text + "' has no valid port after ':'");
  }
  if (n > 65535) throw std::invalid_argument("'" + text + "' has a port above 65535");
  host = h;
  port = static_cast<int>(n);
}

const cli::Command& command() {
  static const cli::Command kCommand = [] {
    cli::Command c;
    c.program = "host-webhook";
    c.synopsis = {
        "(--tls-cert FILE --tls-key FILE | --manage-certificates) (--inventory-url URL | "
        "--inventory-fixture FILE) [flags]"};
    c.summary =
        "HTTPS admission webhook for Forklift Host resources: POST /mutate, POST /validate, "
        "GET /healthz, GET /readyz, GET /metrics.";
    for (const auto& s : settings()) c.flags.push_back(s.flag);
    cli::Flag version;
    version.name = "version";
    version.kind = FlagKind::Bool;
    version.help = "print the version and source revision and exit";
    c.flags.push_back(version);
    c.footer =
        "Exit codes: 0 clean shutdown, 1 runtime failure (e.g. the port is in use), 2 bad flags "
        "or input files.";
    return c;
  }();
  return kCommand;
}

ParsedArgs parse_args(int argc, const char* const* argv, const GetEnv& getenv) {
  ParsedArgs out;
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (!args.empty() && args.front() == "help") {  // `host-webhook help`, as many servers take it
    out.help = true;
    return out;
  }
  const cli::Parsed parsed = cli::parse(command(), args);
  if (parsed.help) {
    out.help = true;
    out.help_format = parsed.help_format;
    return out;
  }
  ServerConfig& cfg = out.config;
  apply_flags_then_file(cfg, parsed);
  check_certificate_source(cfg);
  check_inventory_ca(cfg);
  choose_inventory_source(cfg, getenv);
  check_timing(cfg);
  try {
    check_tls_policy(cfg.tls);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--tls-cipher-suites: ") + e.what());
  }
  if (cfg.cert_poll_interval < std::chrono::milliseconds(100))
    throw UsageError("--cert-poll-interval must be at least 100ms; e.g. --cert-poll-interval 1s");
  return out;
}

std::string usage_text(const std::string& format) {
  return format == "markdown" ? cli::markdown(command()) : cli::usage(command());
}

}  // namespace hostadm::server
