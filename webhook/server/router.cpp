#include "webhook/server/router.hpp"

#include <openssl/ssl.h>

#include <optional>
#include <stdexcept>

#include "webhook/server/logging.hpp"

namespace hostadm::server {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first
namespace {

const std::vector<std::string> kNoRules;
constexpr const char* kEndpoints =
    "no such endpoint; the webhook serves POST /mutate, POST /validate, GET /healthz, "
    "GET /readyz, GET /metrics";

void json_error(http::Response& res, int status, const std::string& message) {
  res.status = status;
  res.content_type = "application/json";
  res.body = nlohmann::json{{"code", status}, {"message", message}}.dump();
}

void text(http::Response& res, int status, const char* body) {
  res.status = status;
  res.content_type = "text/plain";
  res.body = body;
}

// The admission endpoint a path names, if any.
std::optional<Phase> webhook_of(const std::string& path) {
  if (path == "/mutate"sv) return Phase::Mutate;
  if (path == "/validate"sv) return Phase::Validate;
  return std::nullopt;
}

}  // namespace

Router::Router(const ServerConfig& config, CertStore& certs, AdmissionHandler& admission,
               Metrics& metrics)
    : config_(config), certs_(certs), admission_(admission), metrics_(metrics) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    log_error("cannot create the TLS context");
    return;
  }
  if (!certs_.configure(*ctx, config_.client_ca, config_.tls)) {
    SSL_CTX_free(ctx);
    return;
  }
  http::TransportOptions options{
      transport_limits(config_),
      [](http::LogLevel level, const std::string& message, const std::string& error) {
        if (level == http::LogLevel::Error)
          log_error(message, {{"error", error}});
        else
          log_warn(message, {{"error", error}});
      },
      [&metrics](http::CloseReason reason) { metrics.connection_closed(reason); }};
  options.cpu_capacity = config_.cpu_capacity;
  transport_ = std::make_unique<http::HttpsTransport>(
      options, ctx,
      [this](const http::Request& req, const http::Refusal& refusal, http::Response& res) {
        route(req, refusal, res);
      });
}

Router::~Router() = default;

bool Router::valid() const {
  return transport_ != nullptr;
}

void Router::add_readiness_check(std::function<std::string()> check) {
  readiness_checks_.push_back(std::move(check));
}

std::string Router::not_ready_reason() const {
  if (draining_) return "shutting down";
  for (const auto& check : readiness_checks_)
    if (std::string why = check(); !why.empty()) return why;
  if (!certs_.serving()) return "no serving certificate";
  return "";
}

void Router::route(const http::Request& req, const http::Refusal& refusal, http::Response& res) {
  if (refusal.status != 0) return refuse(req, refusal, res);
  try {
    const bool get = req.method == "GET"sv || req.method == "HEAD"sv;
    if (const auto webhook = webhook_of(req.path)) {
      if (req.method != "POST"sv) {
        res.allow = "POST";
        return json_error(res, 405, "use POST with an AdmissionReview");
      }
      // The worker's response body (cleared, with the room of an earlier answer) goes to the
      // handler and comes back holding this answer: no buffer allocated per admission.
      HttpReply reply;
      reply.body.swap(res.body);
      admission_.handle(*webhook, req.content_type, http::query_param(req.query, "timeout"),
                        req.body, SteadyClock::now(), reply);
      res.status = reply.status;
      res.content_type = reply.content_type;
      res.body.swap(reply.body);
      res.close = draining_;
    } else if (req.path == "/healthz"sv || req.path == "/readyz"sv || req.path == "/metrics"sv) {
      if (!get) {
        res.allow = "GET, HEAD";
        return json_error(res, 405, "use GET");
      }
      if (req.path == "/healthz"sv) {
        text(res, 200, "ok\n");
      } else if (req.path == "/metrics"sv) {
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        metrics_.connections(transport_->connections());
        res.body = metrics_.serialize();
      } else if (const std::string why = not_ready_reason(); !why.empty()) {
        res.status = 503;
        res.content_type = "text/plain";
        res.body = why + "\n";
      } else {
        text(res, 200, "ok\n");
      }
    } else {
      json_error(res, 404, kEndpoints);
    }
  } catch (const std::exception&) {
    res = http::Response();
    json_error(res, 500, "internal error");
  }
}

void Router::refuse(const http::Request& req, const http::Refusal& refusal, http::Response& res) {
  const std::string message = refusal.status == 413
                                  ? "request body is larger than --max-body-bytes (" +
                                        std::to_string(config_.max_body_bytes) + " bytes)"
                                  : refusal.message;
  if (const auto webhook = webhook_of(req.path)) {
    // Same line and metric as a body the handler cannot read: an apiserver (or a proxy in front
    // of it) sending these is a misconfiguration someone must see.
    metrics_.admission(*webhook, "other", Outcome::BadRequest, kNoRules, 0);
    log_warn("bad admission request",
             {{"path", req.path}, {"status", refusal.status}, {"reason", message}});
  } else {
    log_event(spdlog::level::debug, "refused a request",
              {{"status", refusal.status}, {"reason", message}});
  }
  json_error(res, refusal.status, message);
}

int Router::bind() {
  try {
    return transport_->bind(config_.listen_host, config_.listen_port);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("cannot listen on " + config_.listen + ": " + e.what() +
                             " (another process on that port? choose another with --listen)");
  }
}

bool Router::run() {
  return transport_->run();
}

void Router::stop() {
  transport_->stop();
}

}  // namespace hostadm::server
