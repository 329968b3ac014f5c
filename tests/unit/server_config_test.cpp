// In-process checks of the pieces an operator's input goes through before any socket: flag and
// duration parsing, the MTV_INVENTORY_URL fallback, the Content-Type rule and the answer deadline.
#include <gtest/gtest.h>

#include "webhook/core/fixture.hpp"
#include "webhook/http/https_transport.hpp"
#include "webhook/server/config.hpp"
#include "webhook/server/handlers.hpp"

namespace hostadm::server {
namespace {

using namespace std::chrono_literals;

ParsedArgs parse(std::vector<std::string> args, const char* env_url = nullptr) {
  args.insert(args.begin(), "host-webhook");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return parse_args(static_cast<int>(argv.size()), argv.data(), [env_url](const char* name) {
    return std::string(name) == "MTV_INVENTORY_URL" ? env_url : nullptr;
  });
}

const std::vector<std::string> kTls = {"--tls-cert", "c.pem", "--tls-key", "k.pem"};

std::vector<std::string> with_tls(std::vector<std::string> extra) {
  auto args = kTls;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(ServerConfigTest, DefaultsMatchTheSpec) {
  const auto cfg = parse(with_tls({"--inventory-fixture", "f.yaml"})).config;
  EXPECT_EQ(cfg.listen_host, "0.0.0.0");
  EXPECT_EQ(cfg.listen_port, 8443);
  EXPECT_EQ(cfg.inventory_token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token");
  EXPECT_EQ(cfg.threads, 64);
  // An AdmissionReview carries object and oldObject, each at most ~1.5 MiB as etcd stores them.
  EXPECT_EQ(cfg.max_body_bytes, 3u << 20);
  EXPECT_EQ(cfg.keep_alive_timeout, 5s);
  EXPECT_EQ(cfg.drain_delay, 5s);
  EXPECT_EQ(cfg.log_format, LogFormat::Json);
}

// The default a user reads for FLAG in --help=markdown (the flag reference's table row
// "| `--threads` | `N` | `64` | ...").
std::string documented_default(const std::string& flag) {
  const std::string table = usage_text("markdown");
  const size_t row = table.find("| `--" + flag + "` | ");
  if (row == std::string::npos) return "no --" + flag + " in --help";
  const size_t start = table.find("| `", table.find(" | ", row) + 3) + 3;
  return table.substr(start, table.find('`', start) - start);
}

void expect_transport_defaults(const http::TransportLimits& got, const std::string& how) {
  const http::TransportOptions want;
  EXPECT_EQ(got.threads, want.threads) << how;
  EXPECT_EQ(got.active_threads, want.active_threads) << how;
  EXPECT_EQ(got.max_connections, want.max_connections) << how;
  EXPECT_EQ(got.max_head_bytes, want.max_head_bytes) << how;
  EXPECT_EQ(got.max_body_bytes, want.max_body_bytes) << how;
  EXPECT_EQ(got.handshake_timeout.count(), want.handshake_timeout.count()) << how;
  EXPECT_EQ(got.keep_alive_timeout.count(), want.keep_alive_timeout.count()) << how;
  EXPECT_EQ(got.read_timeout.count(), want.read_timeout.count()) << how;
  EXPECT_EQ(got.write_timeout.count(), want.write_timeout.count()) << how;
}

// The transport's defaults are written once: the server without transport flags, and with each
// flag given the default its --help shows, runs the transport exactly as TransportOptions{}.
TEST(ServerConfigTest, TransportDefaultsAreTheTransportsOwn) {
  expect_transport_defaults(transport_limits(parse(with_tls({"--inventory-fixture", "f"})).config),
                            "no flags");
  std::vector<std::string> args = with_tls({"--inventory-fixture", "f"});
  for (const char* flag :
       {"threads", "active-threads", "max-connections", "max-body-bytes", "handshake-timeout",
        "keep-alive-timeout", "read-timeout", "write-timeout"}) {
    args.push_back(std::string("--") + flag);
    args.push_back(documented_default(flag));
  }
  expect_transport_defaults(transport_limits(parse(args).config), "the defaults --help shows");
}

TEST(ServerConfigTest, BothFlagFormsAndBooleans) {
  const auto cfg = parse(with_tls({"--listen=[::1]:9443", "--inventory-url", "https://inv:8443",
                                   "--inventory-insecure-skip-tls", "--threads=8",
                                   "--max-body-bytes", "1Mi", "--read-timeout", "1m30s"}))
                       .config;
  EXPECT_EQ(cfg.listen_host, "::1");
  EXPECT_EQ(cfg.listen_port, 9443);
  EXPECT_TRUE(cfg.inventory_insecure_skip_tls);
  EXPECT_EQ(cfg.threads, 8);
  EXPECT_EQ(cfg.max_body_bytes, 1u << 20);
  EXPECT_EQ(cfg.read_timeout, 90s);
  EXPECT_FALSE(parse(with_tls({"--inventory-url", "u", "--inventory-insecure-skip-tls=false"}))
                   .config.inventory_insecure_skip_tls);
}

TEST(ServerConfigTest, InventoryUrlFallsBackToTheEnvironment) {
  const auto cfg = parse(kTls, "https://from-env:8443").config;
  EXPECT_EQ(cfg.inventory_url, "https://from-env:8443");
  EXPECT_TRUE(cfg.inventory_url_from_env);
  // The flag wins over the environment.
  EXPECT_EQ(
      parse(with_tls({"--inventory-url", "https://flag"}), "https://env").config.inventory_url,
      "https://flag");
  // A fixture wins over an environment URL (a dev shell may have it exported).
  const auto fx = parse(with_tls({"--inventory-fixture", "f.yaml"}), "https://env").config;
  EXPECT_TRUE(fx.inventory_url.empty());
}

TEST(ServerConfigTest, ErrorsNameTheFlagAndTheFix) {
  auto message = [](std::vector<std::string> args) -> std::string {
    try {
      parse(std::move(args));
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message(with_tls({"--inventory-fixture", "f", "--threads", "0"})).find("--threads"),
            std::string::npos);
  EXPECT_NE(message(with_tls({"--inventory-fixture", "f", "--drain-delay", "10"})).find("unit"),
            std::string::npos);
  EXPECT_NE(
      message(with_tls({"--inventory-fixture", "f", "--inventory-url", "u"})).find("not both"),
      std::string::npos);
  EXPECT_NE(message(with_tls({"--inventory-fixture", "f", "--drain-delay", "30s"}))
                .find("--shutdown-timeout"),
            std::string::npos);
  EXPECT_NE(message(with_tls({"--inventory-fixture"})).find("needs a value"), std::string::npos);
  EXPECT_NE(message(with_tls({"--inventory-fixture", "f", "stray"})).find("stray"),
            std::string::npos);
}

TEST(ServerConfigTest, KubernetesApiFlags) {
  const auto defaults = parse(with_tls({"--inventory-fixture", "f"})).config;
  EXPECT_EQ(defaults.kubeconfig, "");  // in-cluster, or no cluster at all
  EXPECT_EQ(defaults.kube_api_qps, 20);
  EXPECT_EQ(defaults.kube_api_burst, 40);
  const auto set = parse(with_tls({"--inventory-fixture", "f", "--kubeconfig", "/k/config",
                                   "--kube-api-qps", "0", "--kube-api-burst=5"}))
                       .config;
  EXPECT_EQ(set.kubeconfig, "/k/config");
  EXPECT_EQ(set.kube_api_qps, 0);  // no client-side limit
  EXPECT_EQ(set.kube_api_burst, 5);
  try {
    parse(with_tls({"--inventory-fixture", "f", "--kube-api-burst", "0"}));
    ADD_FAILURE() << "a burst of 0 would never send a request";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--kube-api-burst"), std::string::npos) << e.what();
  }
}

TEST(ServerConfigTest, AuditFlags) {
  const auto defaults = parse(with_tls({"--inventory-fixture", "f"})).config;
  EXPECT_EQ(defaults.audit_interval, 10min);
  EXPECT_FALSE(defaults.leader_elect.has_value());  // on exactly when the API is configured
  EXPECT_EQ(defaults.leader_election_id, "host-webhook-audit");
  const auto set = parse(with_tls({"--inventory-fixture", "f", "--audit-interval", "0",
                                   "--leader-elect=false", "--leader-election-id", "audit-2"}))
                       .config;
  EXPECT_EQ(set.audit_interval, 0ms);
  EXPECT_EQ(set.leader_elect, std::optional<bool>(false));
  EXPECT_EQ(set.leader_election_id, "audit-2");
  EXPECT_EQ(parse(with_tls({"--inventory-fixture", "f", "--leader-elect"})).config.leader_elect,
            std::optional<bool>(true));
  try {
    parse(with_tls({"--inventory-fixture", "f", "--audit-interval", "often"}));
    ADD_FAILURE() << "a duration that is none was taken";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--audit-interval"), std::string::npos) << e.what();
  }
}

std::string usage_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ServerConfigTest, ManageCertificatesTakesThePlaceOfTheFiles) {
  const auto cfg = parse({"--manage-certificates", "--inventory-fixture", "f"}).config;
  EXPECT_TRUE(cfg.manage_certificates);
  EXPECT_EQ(cfg.certificate_secret, "host-webhook-certificates");
  EXPECT_EQ(cfg.webhook_configuration, "forklift-host-webhook");
  EXPECT_EQ(cfg.service_name, "host-webhook");
  EXPECT_EQ(cfg.certificate_validity, std::chrono::hours(24 * 365));
  EXPECT_EQ(cfg.certificate_check_interval, 60s);
  const auto set = parse({"--manage-certificates", "--inventory-fixture", "f",
                          "--certificate-secret=acme-certs", "--webhook-configuration",
                          "acme-forklift-host-webhook", "--service-name", "acme-host-webhook",
                          "--certificate-validity", "2160h", "--certificate-check-interval", "5s"})
                       .config;
  EXPECT_EQ(set.certificate_secret, "acme-certs");
  EXPECT_EQ(set.webhook_configuration, "acme-forklift-host-webhook");
  EXPECT_EQ(set.service_name, "acme-host-webhook");
  EXPECT_EQ(set.certificate_validity, std::chrono::hours(2160));
  EXPECT_EQ(set.certificate_check_interval, 5s);

  EXPECT_NE(usage_error(with_tls({"--manage-certificates", "--inventory-fixture", "f"}))
                .find("--manage-certificates and --tls-cert/--tls-key both given"),
            std::string::npos);
  EXPECT_NE(usage_error({"--inventory-fixture", "f"}).find("or --manage-certificates"),
            std::string::npos);
  for (const auto& [flag, value, says] :
       {std::tuple{"--certificate-secret", "Bad_Name", "--certificate-secret 'Bad_Name'"},
        std::tuple{"--webhook-configuration", "", "--webhook-configuration ''"},
        std::tuple{"--service-name", "host-webhook.demo", "not a Service name"},
        std::tuple{"--certificate-validity", "2s", "at least 3s"},
        std::tuple{"--certificate-check-interval", "100ms", "at least 1s"}})
    EXPECT_NE(
        usage_error({"--manage-certificates", "--inventory-fixture", "f", flag, value}).find(says),
        std::string::npos)
        << flag << " " << value;
}

TEST(ServerConfigTest, InventoryCaSecretIsOneSourceOfTrust) {
  const auto cfg = parse(with_tls({"--inventory-url", "https://inv:8443", "--inventory-ca-secret",
                                   "konveyor-forklift/forklift-inventory-serving-cert"}))
                       .config;
  EXPECT_EQ(cfg.inventory_ca_secret_ns, "konveyor-forklift");
  EXPECT_EQ(cfg.inventory_ca_secret_name, "forklift-inventory-serving-cert");
  EXPECT_EQ(cfg.inventory_ca_secret_key, "ca.crt");
  // Empty: off, as an empty env value in a manifest leaves it.
  EXPECT_EQ(parse(with_tls({"--inventory-url", "u", "--inventory-ca-secret="}))
                .config.inventory_ca_secret_name,
            "");
  const std::vector<std::string> secret = {"--inventory-url", "u", "--inventory-ca-secret",
                                           "ns/name"};
  auto with = [&](std::vector<std::string> more) {
    auto args = with_tls(secret);
    args.insert(args.end(), more.begin(), more.end());
    return usage_error(args);
  };
  EXPECT_NE(with({"--inventory-ca", "ca.crt"}).find("--inventory-ca-secret and --inventory-ca"),
            std::string::npos);
  EXPECT_NE(with({"--inventory-insecure-skip-tls"}).find("contradict"), std::string::npos);
  EXPECT_NE(usage_error(with_tls({"--inventory-fixture", "f", "--inventory-ca-secret", "n/s"}))
                .find("--inventory-fixture"),
            std::string::npos);
  for (const char* bad : {"name-only", "/name", "ns/", "NS/name", "ns/na/me"})
    EXPECT_NE(usage_error(with_tls({"--inventory-url", "u", "--inventory-ca-secret", bad}))
                  .find("is not NAMESPACE/NAME"),
              std::string::npos)
        << bad;
}

TEST(ServerConfigTest, Durations) {
  EXPECT_EQ(parse_duration_ms("10s"), 10s);
  EXPECT_EQ(parse_duration_ms("9500ms"), 9500ms);
  EXPECT_EQ(parse_duration_ms("1m30s"), 90s);
  EXPECT_EQ(parse_duration_ms("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration_ms("2h"), 7200s);
  for (const char* bad : {"", "10", "s", "10 parsecs", "-1s", "1d"})
    EXPECT_THROW(parse_duration_ms(bad), std::invalid_argument) << bad;
}

TEST(ServerConfigTest, JsonContentTypeAllowsParameters) {
  EXPECT_TRUE(is_json_content_type("application/json"));
  EXPECT_TRUE(is_json_content_type("application/json; charset=utf-8"));
  EXPECT_TRUE(is_json_content_type("Application/JSON;charset=UTF-8"));
  EXPECT_FALSE(is_json_content_type(""));
  EXPECT_FALSE(is_json_content_type("text/plain"));
  EXPECT_FALSE(is_json_content_type("application/json-patch+json"));
  EXPECT_FALSE(is_json_content_type("application/yaml"));
  EXPECT_FALSE(is_json_content_type("application/jso"));
  EXPECT_FALSE(is_json_content_type(";application/json"));
  EXPECT_TRUE(is_json_content_type(" application/json ;charset=utf-8"));
}

TEST(ServerConfigTest, AnswerDeadlineLeavesAMarginBeforeTheApiserverTimeout) {
  Metrics metrics;
  AdmissionHandler h(nullptr, std::make_shared<Policy>(), metrics, HandlerOptions{10s, 500ms});
  const auto t0 = SteadyClock::now();
  EXPECT_EQ(h.answer_deadline("10s", t0), t0 + 9500ms);  // margin capped at 500ms
  EXPECT_EQ(h.answer_deadline("2s", t0), t0 + 1800ms);   // 10% of a short timeout
  EXPECT_EQ(h.answer_deadline("", t0), t0 + 9500ms);     // apiserver default 10s
  EXPECT_EQ(h.answer_deadline("garbage", t0), t0 + 9500ms);
  EXPECT_EQ(h.answer_deadline("5m", t0), t0 + 29500ms);  // timeoutSeconds is at most 30
}

TEST(ServerConfigTest, HandlerNeverThrowsAndEchoesTheUidOnInternalErrors) {
  Metrics metrics;
  // A view factory that fails stands for any unexpected failure inside an admission.
  AdmissionHandler h(
      [](Deadline) -> std::unique_ptr<InventoryView> { throw std::runtime_error("boom"); },
      std::make_shared<Policy>(), metrics, HandlerOptions{});
  const std::string body = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
    "request":{"uid":"uid-boom","operation":"CREATE","namespace":"demo",
    "kind":{"group":"forklift.konveyor.io","version":"v1beta1","kind":"Host"},
    "resource":{"group":"forklift.konveyor.io","version":"v1beta1","resource":"hosts"},
    "object":{"metadata":{"name":"h","namespace":"demo"},"spec":{}}}})";
  HttpReply r;
  h.handle(Phase::Mutate, "application/json", "10s", body, SteadyClock::now(), r);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["response"]["uid"], "uid-boom");
  EXPECT_EQ(j["response"]["allowed"], false);
  EXPECT_EQ(j["response"]["status"]["code"], 500);
  EXPECT_EQ(j["response"]["status"]["message"], "internal error");
  EXPECT_EQ(j["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(j["kind"], "AdmissionReview");
}

// The router answers every admission of a worker into one reply, whose body's room circulates
// between the reply and the worker's kept answer: each answer arrives whole, with nothing of the
// one before it, whatever their lengths and whichever path (a decision, a 415) each took.
TEST(ServerConfigTest, AnswersIntoOneReplyAreEachWhole) {
  Metrics metrics;
  const auto empty = std::make_shared<const Fixture>();
  AdmissionHandler h(
      [empty](Deadline) -> std::unique_ptr<InventoryView> {
        return std::make_unique<FixtureInventory>(empty);
      },
      std::make_shared<Policy>(), metrics, HandlerOptions{});
  const auto review = [](const std::string& uid) {
    return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
      "request":{"uid":")" +
           uid + R"(","operation":"CREATE","namespace":"demo",
      "kind":{"group":"forklift.konveyor.io","version":"v1beta1","kind":"Host"},
      "resource":{"group":"forklift.konveyor.io","version":"v1beta1","resource":"hosts"},
      "object":{"metadata":{"name":"h","namespace":"demo"},"spec":{}}}})";
  };
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"application/json", review(std::string(300, 'l'))},
      {"application/json", review("short")},
      {"text/plain", review("x")},
      {"application/json", review(std::string(40, 'm'))},
  };
  HttpReply reply;
  for (const auto& [ctype, body] : calls) {
    h.handle(Phase::Mutate, ctype, "10s", body, SteadyClock::now(), reply);
    HttpReply fresh;
    h.handle(Phase::Mutate, ctype, "10s", body, SteadyClock::now(), fresh);
    EXPECT_EQ(reply.status, fresh.status);
    EXPECT_EQ(reply.content_type, fresh.content_type);
    EXPECT_EQ(reply.body, fresh.body);
    EXPECT_TRUE(nlohmann::json::accept(reply.body)) << reply.body;
  }
  EXPECT_NE(reply.body.find(std::string(40, 'm')), std::string::npos) << reply.body;
}

}  // namespace
}  // namespace hostadm::server
