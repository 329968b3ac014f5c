#include "webhook/server/http_server.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <httplib.h>

#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

constexpr int kListenBacklog = 1024;
const std::vector<std::string> kNoRules;

void set_timeout(const std::chrono::milliseconds ms, time_t& sec, time_t& usec) {
  sec = static_cast<time_t>(ms.count() / 1000);
  usec = static_cast<time_t>((ms.count() % 1000) * 1000);
}

// httplib does not say why a bind failed; a probe bind with the same options does.
std::string bind_failure_cause(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
    return std::string("cannot resolve the host: ") + gai_strerror(rc);
  std::string cause = "unknown cause";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      cause = std::strerror(errno);
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const int rc = ::bind(fd, ai->ai_addr, ai->ai_addrlen);
    cause = rc == 0 ? "the port became free again; retry" : std::strerror(errno);
    ::close(fd);
    if (rc != 0) break;
  }
  ::freeaddrinfo(res);
  return cause;
}

}  // namespace

// svr_sock_ is protected: a subclass is the only way to raise the backlog from 5 (cpp-stack §3.2).
struct HttpServer::Tuned : httplib::SSLServer {
  using httplib::SSLServer::SSLServer;
  int listen_fd() const { return svr_sock_; }
};

HttpServer::HttpServer(const ServerConfig& config, CertStore& certs, AdmissionHandler& admission,
                       Metrics& metrics)
    : config_(config), certs_(certs), admission_(admission), metrics_(metrics) {
  svr_ = std::make_unique<Tuned>(
      [this](SSL_CTX& ctx) { return certs_.configure(ctx, config_.client_ca); });
  if (!svr_->is_valid()) return;

  const int threads = config_.threads;
  svr_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr_->set_tcp_nodelay(true);
  // The default of 5 forces a TLS handshake every 5 requests.
  svr_->set_keep_alive_max_count(1'000'000);
  svr_->set_keep_alive_timeout(
      std::max<time_t>(1, static_cast<time_t>(config_.keep_alive_timeout.count() / 1000)));
  time_t sec, usec;
  set_timeout(config_.read_timeout, sec, usec);
  svr_->set_read_timeout(sec, usec);
  set_timeout(config_.write_timeout, sec, usec);
  svr_->set_write_timeout(sec, usec);
  svr_->set_payload_max_length(config_.max_body_bytes);
  // The library default is SO_REUSEPORT alone: a second instance would bind the same port and
  // silently share the traffic. SO_REUSEADDR alone makes that a bind error.
  svr_->set_socket_options([](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  routes();
}

HttpServer::~HttpServer() = default;

bool HttpServer::valid() const {
  return svr_ && svr_->is_valid();
}

bool HttpServer::ready() const {
  return !draining_ && certs_.current() != nullptr;
}

void HttpServer::routes() {
  auto admission = [this](Webhook w) {
    return [this, w](const httplib::Request& req, httplib::Response& res) {
      const auto arrival = SteadyClock::now();
      HttpReply reply = admission_.handle(w, req.get_header_value("Content-Type"),
                                          req.get_param_value("timeout"), req.body, arrival);
      res.status = reply.status;
      if (draining_) res.set_header("Connection", "close");
      res.set_content(std::move(reply.body), reply.content_type.c_str());
    };
  };
  svr_->Post("/mutate", admission(Webhook::Mutate));
  svr_->Post("/validate", admission(Webhook::Validate));
  auto post_only = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST");
    res.set_content(R"({"code":405,"message":"use POST with an AdmissionReview"})",
                    "application/json");
  };
  svr_->Get("/mutate", post_only);
  svr_->Get("/validate", post_only);

  svr_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  svr_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    if (draining_) {
      res.status = 503;
      res.set_content("shutting down\n", "text/plain");
    } else if (!certs_.current()) {
      res.status = 503;
      res.set_content("no serving certificate\n", "text/plain");
    } else {
      res.set_content("ok\n", "text/plain");
    }
  });
  svr_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.serialize(), "text/plain; version=0.0.4; charset=utf-8");
  });

  svr_->set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours
        std::string message;
        if (res.status == 413) {
          message = "request body is larger than --max-body-bytes (" +
                    std::to_string(config_.max_body_bytes) + " bytes)";
          const Webhook w = req.path == "/validate" ? Webhook::Validate : Webhook::Mutate;
          if (req.path == "/mutate" || req.path == "/validate")
            metrics_.admission(w, "other", Outcome::Error, kNoRules, 0);
          log_warn("bad admission request",
                   {{"path", req.path == "/validate" ? "/validate" : "/mutate"},
                    {"status", 413},
                    {"reason", "body over the limit"}});
        } else if (res.status == 404) {
          message =
              "no such endpoint; the webhook serves POST /mutate, POST /validate, "
              "GET /healthz, GET /readyz, GET /metrics";
        } else {
          message = "HTTP " + std::to_string(res.status);
        }
        nlohmann::json body = {{"code", res.status}, {"message", message}};
        res.set_content(body.dump(), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  svr_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(R"({"code":500,"message":"internal error"})", "application/json");
      });
}

int HttpServer::bind() {
  const std::string& host = config_.listen_host;
  int port = config_.listen_port;
  if (port == 0) {
    port = svr_->bind_to_any_port(host);
  } else if (!svr_->bind_to_port(host, port)) {
    port = -1;
  }
  if (port < 0)
    throw std::runtime_error("cannot listen on " + config_.listen + ": " +
                             bind_failure_cause(host, config_.listen_port) +
                             " (another process on that port? choose another with --listen)");
  // Linux applies a new backlog to an already-listening socket.
  ::listen(svr_->listen_fd(), kListenBacklog);
  return port;
}

bool HttpServer::run() {
  return svr_->listen_after_bind();
}

void HttpServer::stop() {
  svr_->stop();
}

}  // namespace hostadm::server
