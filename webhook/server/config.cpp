#include "webhook/server/config.hpp"

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

cli::Flag row(const char* name, FlagKind kind, const char* value_name, const char* default_text,
              const char* help) {
  return cli::make_flag(name, kind, value_name, help, default_text);
}

cli::Flag int_row(const char* name, long long min, long long max, const char* default_text,
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

const std::vector<Setting>& settings() {
  using C = ServerConfig;
  auto dur = [](std::chrono::milliseconds C::*field) {
    return [field](C& c, const std::string& v) { c.*field = cli::parse_duration_with_unit(v); };
  };
  auto text = [](std::string C::*field) {
    return [field](C& c, const std::string& v) { c.*field = v; };
  };
  auto duration = [](const char* name, const char* default_text, const char* help) {
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
      {int_row("threads", 1, 4096, "64",
               "worker threads answering requests; connections that are idle, in a TLS "
               "handshake or still sending wait without one"),
       [](C& c, const std::string& v) { c.threads = static_cast<int>(cli::parse_count(v)); }},
      {int_row("active-threads", 0, 4096, "0",
               "workers answering at once: past it a request waits for one of them, and one "
               "more wakes when none took a waiting request for 1 ms (one is waiting on the "
               "inventory). 0: two per core the process may use: its CPU limit (the cgroup's "
               "quota) rounded up, or the cores of its CPU affinity if fewer"),
       [](C& c, const std::string& v) {
         c.active_threads = static_cast<int>(cli::parse_count(v));
       }},
      {int_row("max-connections", 1, 1'000'000, "10000",
               "open connections at most; at the limit the longest-idle keep-alive connection is "
               "closed for a new one, and with none idle the new one is refused"),
       [](C& c, const std::string& v) {
         c.max_connections = static_cast<size_t>(cli::parse_count(v));
       }},
      {row("max-body-bytes", FlagKind::Size, "BYTES", "3Mi",
           "largest request body (object and oldObject, each at most ~1.5Mi in etcd); larger "
           "gets HTTP 413"),
       [](C& c, const std::string& v) {
         const size_t n = cli::parse_size(v);
         if (n < 1024) throw std::invalid_argument("'" + v + "' is below 1024 bytes");
         c.max_body_bytes = n;
       }},
      {duration("keep-alive-timeout", "5s",
                "idle keep-alive connections close after this; bounds shutdown"),
       dur(&C::keep_alive_timeout)},
      {duration("read-timeout", "10s",
                "a request must arrive whole this long after its first byte, else HTTP 408"),
       dur(&C::read_timeout)},
      {duration("handshake-timeout", "10s",
                "a new connection must finish its TLS handshake within this, else it is closed"),
       dur(&C::handshake_timeout)},
      {duration("write-timeout", "10s", "an answer must be written within this"),
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

}  // namespace

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
        "--tls-cert FILE --tls-key FILE (--inventory-url URL | --inventory-fixture FILE) "
        "[flags]"};
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
  std::set<std::string> given;
  std::string config_path;
  for (const auto& [name, value] : parsed.given) {
    if (name == "config") {
      config_path = value;
      continue;
    }
    const Setting* s = find_setting(name);
    if (!s) continue;  // --version: answered before parsing
    apply(out.config, *s, value, "--" + name);
    given.insert(name);
  }
  ServerConfig& cfg = out.config;
  if (!config_path.empty()) {
    apply_config_file(cfg, config_path, given);
    cfg.config_file = config_path;
  }
  if (cfg.inventory_url.empty()) {
    cfg.inventory_url = inventory_url_from_env_or("", getenv);
    cfg.inventory_url_from_env = !cfg.inventory_url.empty();
  }

  if (cfg.tls_cert.empty() || cfg.tls_key.empty())
    throw UsageError(
        "--tls-cert and --tls-key are required: the apiserver only calls webhooks over HTTPS; "
        "for a local run make a pair with certs/make-certs.sh --out certs/dev --service "
        "localhost --ip 127.0.0.1");
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
  if (!cfg.inventory_fixture.empty()) cfg.inventory_url_from_env = false;
  if (!cfg.inventory_fixture.empty()) cfg.inventory_url.clear();
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
