#include "webhook/server/config.hpp"

#include "webhook/core/policy.hpp"

#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "webhook/inventory/files.hpp"

namespace hostadm::server {
namespace {

enum class Kind { String, Bool, Int, Size, Duration };

struct Flag {
  const char* name;
  Kind kind;
  const char* value_hint;  // shown in --help and in error fixes
  const char* help;
  std::function<void(ServerConfig&, const std::string&)> set;
};

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool parse_bool(const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  throw std::invalid_argument("'" + v + "' is not a boolean (true or false)");
}

long long parse_int(const std::string& v) {
  if (v.empty() || v.size() > 18) throw std::invalid_argument("'" + v + "' is not an integer");
  long long n = 0;
  for (char c : v) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      throw std::invalid_argument("'" + v + "' is not a non-negative integer");
    n = n * 10 + (c - '0');
  }
  return n;
}

// Plain bytes, or with a binary suffix: 7Mi, 512Ki, 1Gi (Kubernetes quantity style).
size_t parse_size(const std::string& v) {
  static const std::pair<const char*, size_t> kSuffixes[] = {
      {"Ki", 1u << 10}, {"Mi", 1u << 20}, {"Gi", 1u << 30}};
  for (const auto& [suffix, mult] : kSuffixes) {
    const size_t n = std::char_traits<char>::length(suffix);
    if (v.size() > n && v.compare(v.size() - n, n, suffix) == 0)
      return static_cast<size_t>(parse_int(v.substr(0, v.size() - n))) * mult;
  }
  return static_cast<size_t>(parse_int(v));
}

std::vector<Flag> flags() {
  using C = ServerConfig;
  auto dur = [](std::chrono::milliseconds C::*field) {
    return [field](C& c, const std::string& v) { c.*field = parse_duration_ms(v); };
  };
  return {
      {"listen", Kind::String, "HOST:PORT",
       "address to serve HTTPS on (default 0.0.0.0:8443; port 0 picks a free port)",
       [](C& c, const std::string& v) {
         parse_listen(v, c.listen_host, c.listen_port);
         c.listen = v;
       }},
      {"tls-cert", Kind::String, "FILE",
       "serving certificate (PEM, leaf first then chain); reloaded on change and SIGHUP",
       [](C& c, const std::string& v) { c.tls_cert = v; }},
      {"tls-key", Kind::String, "FILE", "private key of --tls-cert (PEM)",
       [](C& c, const std::string& v) { c.tls_key = v; }},
      {"client-ca", Kind::String, "FILE",
       "optional: require client certificates signed by this CA (kube-apiserver's)",
       [](C& c, const std::string& v) { c.client_ca = v; }},
      {"tls-min-version", Kind::String, "VersionTLS12|VersionTLS13",
       "oldest TLS version accepted: VersionTLS12 (default) or VersionTLS13",
       [](C& c, const std::string& v) { c.tls.min_version = parse_tls_min_version(v); }},
      {"tls-cipher-suites", Kind::String, "NAME,...",
       "comma-separated TLS 1.2 cipher suites, IANA names as kube-apiserver's flag (default: "
       "every ECDHE suite with AES-GCM or ChaCha20-Poly1305; TLS 1.3 suites are always on)",
       [](C& c, const std::string& v) { c.tls.cipher_suites = parse_tls_cipher_suites(v); }},
      {"inventory-url", Kind::String, "URL",
       "Forklift inventory base URL (else env MTV_INVENTORY_URL)",
       [](C& c, const std::string& v) { c.inventory_url = v; }},
      {"inventory-token-file", Kind::String, "FILE",
       "bearer token for the inventory, re-read when it changes (default the pod's "
       "service-account token)",
       [](C& c, const std::string& v) { c.inventory_token_file = v; }},
      {"inventory-ca", Kind::String, "FILE", "CA bundle that verifies the inventory's certificate",
       [](C& c, const std::string& v) { c.inventory_ca = v; }},
      {"inventory-insecure-skip-tls", Kind::Bool, "",
       "do not verify the inventory's certificate (logged as a warning)",
       [](C& c, const std::string& v) { c.inventory_insecure_skip_tls = parse_bool(v); }},
      {"inventory-fixture", Kind::String, "FILE",
       "serve a mock inventory from this fixture file in-process instead of --inventory-url",
       [](C& c, const std::string& v) { c.inventory_fixture = v; }},
      {"policy", Kind::String, "FILE", "policy YAML (spec section 3); default: built-in defaults",
       [](C& c, const std::string& v) { c.policy = v; }},
      {"log-format", Kind::String, "json|text", "json (default): one JSON line per event",
       [](C& c, const std::string& v) {
         if (v == "json")
           c.log_format = LogFormat::Json;
         else if (v == "text")
           c.log_format = LogFormat::Text;
         else
           throw std::invalid_argument("'" + v + "' is not json or text");
       }},
      {"log-level", Kind::String, "LEVEL", "trace|debug|info (default)|warn|error|critical|off",
       [](C& c, const std::string& v) {
         static const std::set<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                       "error", "critical", "off"};
         if (!kLevels.count(v))
           throw std::invalid_argument(
               "'" + v + "' is not one of trace, debug, info, warn, error, critical, off");
         c.log_level = v;
       }},
      {"threads", Kind::Int, "N",
       "worker threads answering requests (default 64); connections that are idle, in a TLS "
       "handshake or still sending wait without one",
       [](C& c, const std::string& v) {
         const long long n = parse_int(v);
         if (n < 1 || n > 4096) throw std::invalid_argument("'" + v + "' is not within 1..4096");
         c.threads = static_cast<int>(n);
       }},
      {"max-connections", Kind::Int, "N",
       "open connections at most (default 10000); at the limit the longest-idle keep-alive "
       "connection is closed for a new one, and with none idle the new one is refused",
       [](C& c, const std::string& v) {
         const long long n = parse_int(v);
         if (n < 1 || n > 1'000'000)
           throw std::invalid_argument("'" + v + "' is not within 1..1000000");
         c.max_connections = static_cast<size_t>(n);
       }},
      {"max-body-bytes", Kind::Size, "BYTES",
       "largest request body (default 7Mi, as controller-runtime); larger gets HTTP 413",
       [](C& c, const std::string& v) {
         const size_t n = parse_size(v);
         if (n < 1024) throw std::invalid_argument("'" + v + "' is below 1024 bytes");
         c.max_body_bytes = n;
       }},
      {"keep-alive-timeout", Kind::Duration, "DURATION",
       "idle keep-alive connections close after this (default 5s); bounds shutdown",
       dur(&C::keep_alive_timeout)},
      {"read-timeout", Kind::Duration, "DURATION",
       "a request must arrive whole this long after its first byte, else HTTP 408 (default 10s)",
       dur(&C::read_timeout)},
      {"handshake-timeout", Kind::Duration, "DURATION",
       "a new connection must finish its TLS handshake within this, else it is closed "
       "(default 10s)",
       dur(&C::handshake_timeout)},
      {"write-timeout", Kind::Duration, "DURATION",
       "an answer must be written within this (default 10s)", dur(&C::write_timeout)},
      {"drain-delay", Kind::Duration, "DURATION",
       "after SIGTERM: /readyz answers 503 but requests are still served this long (default 5s)",
       dur(&C::drain_delay)},
      {"shutdown-timeout", Kind::Duration, "DURATION",
       "after SIGTERM: hard exit deadline (default 25s; keep below terminationGracePeriod)",
       dur(&C::shutdown_timeout)},
      {"deadline-margin", Kind::Duration, "DURATION",
       "answer this long before the apiserver's ?timeout= (default 500ms, at most 10% of it)",
       dur(&C::deadline_margin)},
      {"cert-poll-interval", Kind::Duration, "DURATION",
       "how often --tls-cert/--tls-key (and their symlink targets) are checked (default 1s)",
       dur(&C::cert_poll_interval)},
  };
}

const Flag* find_flag(const std::vector<Flag>& table, const std::string& name) {
  for (const auto& f : table)
    if (name == f.name) return &f;
  return nullptr;
}

std::string fix_hint(const Flag& f) {
  std::string hint = std::string("e.g. --") + f.name;
  switch (f.kind) {
    case Kind::Bool:
      return hint + " (or --" + f.name + "=false)";
    case Kind::Duration:
      return hint + " 10s (units ms, s, m, h)";
    case Kind::Int:
      return hint + " 64";
    case Kind::Size:
      return hint + " 7Mi (bytes, or Ki/Mi/Gi)";
    default:
      return hint + " " + f.value_hint;
  }
}

void apply(ServerConfig& cfg, const Flag& f, const std::string& value, const std::string& where) {
  try {
    f.set(cfg, value);
  } catch (const std::invalid_argument& e) {
    throw UsageError(where + ": " + e.what() + "; " + fix_hint(f));
  }
}

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  throw std::invalid_argument("expected a string, number or boolean");
}

// Keys of the config file, applied only where no flag was given.
void apply_config_file(ServerConfig& cfg, const std::vector<Flag>& table, const std::string& path,
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
    const Flag* f = find_flag(table, key);
    if (!f || key == "config")
      throw UsageError(where +
                       ": unknown setting; the keys are the flag names without dashes "
                       "(see host-webhook --help)");
    if (from_flags.count(key)) continue;
    std::string text;
    try {
      text = scalar_text(value);
    } catch (const std::invalid_argument& e) {
      throw UsageError(where + ": " + e.what() + "; " + fix_hint(*f));
    }
    apply(cfg, *f, text, where);
  }
}

}  // namespace

std::chrono::milliseconds parse_duration_ms(const std::string& text_in) {
  const std::string text = trim(text_in);
  if (text.empty()) throw std::invalid_argument("empty duration");
  // The policy file accepts a bare number as seconds; a flag or ?timeout= without a unit is
  // more likely a mistake (10 meaning 10 ms?), so it is refused here.
  if (text.find_first_not_of("0123456789.") == std::string::npos)
    throw std::invalid_argument("'" + text + "' has no unit (ms, s, m or h), e.g. 10s");
  return parse_duration(text);
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
    n = parse_int(p);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("'" + text + "' has no valid port after ':'");
  }
  if (n > 65535) throw std::invalid_argument("'" + text + "' has a port above 65535");
  host = h;
  port = static_cast<int>(n);
}

ParsedArgs parse_args(int argc, const char* const* argv, const GetEnv& getenv) {
  const auto table = flags();
  ParsedArgs out;
  std::set<std::string> given;
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "help") {
      out.help = true;
      return out;
    }
    if (arg.rfind("--", 0) != 0)
      throw UsageError("unexpected argument '" + arg +
                       "'; host-webhook takes only --flags (see host-webhook --help)");
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "config") {
      if (!has_value) {
        if (i + 1 >= argc) throw UsageError("--config needs a value; e.g. --config webhook.yaml");
        value = argv[++i];
      }
      config_path = value;
      continue;
    }
    const Flag* f = find_flag(table, name);
    if (!f) throw UsageError("unknown flag --" + name + "; see host-webhook --help for the list");
    if (!has_value) {
      if (f->kind == Kind::Bool) {
        value = "true";
      } else {
        if (i + 1 >= argc) throw UsageError("--" + name + " needs a value; " + fix_hint(*f));
        value = argv[++i];
      }
    }
    apply(out.config, *f, value, "--" + name);
    given.insert(name);
  }
  ServerConfig& cfg = out.config;
  if (!config_path.empty()) {
    apply_config_file(cfg, table, config_path, given);
    cfg.config_file = config_path;
  }
  if (cfg.inventory_url.empty() && getenv) {
    if (const char* env = getenv("MTV_INVENTORY_URL"); env && *env) {
      cfg.inventory_url = env;
      cfg.inventory_url_from_env = true;
    }
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

std::string usage_text() {
  std::ostringstream out;
  out << "Usage: host-webhook --tls-cert FILE --tls-key FILE (--inventory-url URL | "
         "--inventory-fixture FILE) [flags]\n\n"
         "HTTPS admission webhook for Forklift Host resources: POST /mutate, POST /validate,\n"
         "GET /healthz, GET /readyz, GET /metrics.\n\nFlags:\n";
  out << "  --config FILE\n      YAML file whose keys are these flag names without dashes; "
         "flags override it\n";
  for (const auto& f : flags()) {
    out << "  --" << f.name;
    if (f.value_hint[0]) out << " " << f.value_hint;
    out << "\n      " << f.help << "\n";
  }
  out << "  --help\n      this text\n\nExit codes: 0 clean shutdown, 1 runtime failure (e.g. the "
         "port is in use), 2 bad flags or input files.\n";
  return out.str();
}

}  // namespace hostadm::server
