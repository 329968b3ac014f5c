// `host-harness serve-inventory`: a fixture served as the Forklift inventory REST API over
// HTTP(S), with the real inventory's answers and failure modes (listings without unvalidated
// providers, late 206s, the loading-namespace 500, 403 with forklift-error-message), a
// bearer-token check and run-time faults so tests can drive the webhook through each of them.
#include <sys/socket.h>

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "harness/command_line.hpp"
#include "harness/commands.hpp"
#include "harness/fixture_rest.hpp"
#include "harness/inventory_faults.hpp"
#include "harness/mock_server.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

const cli::Command& serve_inventory_command() {
  using cli::FlagKind;
  using cli::make_flag;
  static const cli::Command kCommand = [] {
    cli::Command c;
    c.program = "host-harness serve-inventory";
    c.synopsis = {
        "--inventory FIXTURE [--listen HOST:PORT] [--tls-cert F --tls-key F] [--token T]"};
    c.summary =
        "Serves a fixture as the Forklift inventory REST API, with the real inventory's answers "
        "and failure modes and faults switched at run time (POST /__faults), until SIGTERM.";
    c.flags = {make_flag("inventory", FlagKind::String, "FIXTURE", "the fixture file to serve")};
    for (auto& f : listen_flags()) c.flags.push_back(std::move(f));
    c.flags.push_back(make_flag("token", FlagKind::String, "TOKEN",
                                "require this bearer token (answer 401 without it)"));
    return c;
  }();
  return kCommand;
}

namespace {

using nlohmann::json;

struct ServeOptions {
  std::string inventory, token;
  ListenOptions listen;
};

// The options, or a usage error's message.
std::string read_options(const cli::Parsed& flags, ServeOptions& o) {
  o.inventory = flags.get("inventory");
  if (o.inventory.empty()) return "--inventory FIXTURE is required (e.g. examples/inventory.yaml)";
  if (std::string err = read_listen_flags(flags, o.listen); !err.empty()) return err;
  o.token = flags.get("token");
  if (flags.has("token") && o.token.empty()) return "--token must not be empty";
  return "";
}

void send_json(httplib::Response& res, const json& body) {
  res.set_content(body.dump() + "\n", "application/json");
}

// POST/GET /__faults, GET /__requests, POST /__requests/reset.
void add_control_routes(httplib::Server& svr, const std::shared_ptr<Faults>& faults,
                        const std::shared_ptr<Counts>& counts) {
  svr.Post("/__faults", [faults](const httplib::Request& req, httplib::Response& res) {
    std::string err = apply_faults(*faults, req.body);
    if (!err.empty()) {
      res.status = 400;
      return send_json(res, {{"error", err}});
    }
    send_json(res, faults->to_json());
  });
  svr.Get("/__faults", [faults](const httplib::Request&, httplib::Response& res) {
    send_json(res, faults->to_json());
  });
  svr.Get("/__requests", [counts](const httplib::Request&, httplib::Response& res) {
    send_json(res, counts->to_json());
  });
  svr.Post("/__requests/reset", [counts](const httplib::Request&, httplib::Response& res) {
    counts->reset();
    send_json(res, counts->to_json());
  });
}

// Every other GET: the fixture's answer as the inventory gives it, through the faults set.
class InventoryRoute {
 public:
  InventoryRoute(std::shared_ptr<const Fixture> fixture, std::shared_ptr<Faults> faults,
                 std::shared_ptr<Counts> counts, std::string token,
                 std::shared_ptr<std::atomic<bool>> stopping)
      : fixture_(std::move(fixture)),
        faults_(std::move(faults)),
        counts_(std::move(counts)),
        token_(std::move(token)),
        stopping_(std::move(stopping)) {}

  void operator()(const httplib::Request& req, httplib::Response& res) const {
    count(*counts_, req.path);
    Faults now;
    {
      std::lock_guard<std::mutex> lk(faults_->mu);
      now.latency_ms = faults_->latency_ms;
      now.status = faults_->status;
      now.drop = faults_->drop;
      now.error_message = faults_->error_message;
      now.rest = faults_->rest;
    }
    if (now.latency_ms > 0) wait_for(std::chrono::milliseconds(now.latency_ms), *stopping_);
    if (now.drop) {
      int fd = connection_fd(req);
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
      res.status = 500;  // never arrives: the connection is gone
      return;
    }
    if (refused(req, now, res)) return;
    std::map<std::string, std::string> query;
    for (const auto& [k, v] : req.params) query.emplace(k, v);  // first value wins
    RestAnswer a = inventory_rest_answer(*fixture_, req.path, query, now.rest);
    if (a.delay.count() > 0) wait_for(a.delay, *stopping_);
    res.status = a.status;
    for (const auto& [k, v] : a.headers) res.set_header(k, v);
    if (!a.body.empty()) res.set_content(a.body, "application/json");
  }

 private:
  // A missing token, or a status fault: answered with an empty body, as the real inventory
  // does, which explains a 401 or 403 in a header.
  bool refused(const httplib::Request& req, const Faults& now, httplib::Response& res) const {
    auto refuse = [&](int code, const std::string& why) {
      res.status = code;
      res.set_header("forklift-error-message", now.error_message.empty() ? why : now.error_message);
      return true;
    };
    if (!token_.empty() && req.get_header_value("Authorization") != "Bearer " + token_)
      return refuse(401, "Authorization: Bearer <token> is missing or not valid");
    if (now.status == 401) return refuse(401, "the token is not valid");
    if (now.status == 403)
      return refuse(403, "the caller may not get or list providers in this namespace");
    if (now.status == 0) return false;
    res.status = now.status;
    return true;
  }

  std::shared_ptr<const Fixture> fixture_;
  std::shared_ptr<Faults> faults_;
  std::shared_ptr<Counts> counts_;
  std::string token_;
  std::shared_ptr<std::atomic<bool>> stopping_;
};

}  // namespace

int cmd_serve_inventory(const Args& args) {
  int exit_code = kExitOk;
  auto parsed = read_command_line(serve_inventory_command(), args, exit_code);
  if (!parsed) return exit_code;
  ServeOptions o;
  if (std::string err = read_options(*parsed, o); !err.empty())
    return usage_error(serve_inventory_command(), err);
  std::shared_ptr<const Fixture> fixture;
  try {
    fixture = std::make_shared<const Fixture>(load_fixture_file(o.inventory));
  } catch (const std::exception& e) {
    std::cerr << "host-harness serve-inventory: " << e.what() << "\n";
    return kExitUsage;
  }
  const sigset_t stop_signals = block_stop_signals();
  std::string server_error;
  auto svr = make_mock_server(o.listen.cert, o.listen.key, 32, server_error);
  if (!svr) {
    std::cerr << "host-harness serve-inventory: " << server_error << "\n";
    return kExitUsage;
  }
  auto faults = std::make_shared<Faults>();
  auto counts = std::make_shared<Counts>();
  auto stopping = std::make_shared<std::atomic<bool>>(false);
  add_control_routes(*svr, faults, counts);
  svr->Get(".*", InventoryRoute(fixture, faults, counts, o.token, stopping));
  return serve_until_signal(*svr, "host-harness serve-inventory", o.listen.host, o.listen.port,
                            o.listen.tls(), stop_signals, *stopping,
                            std::to_string(fixture->providers.size()) + " providers from " +
                                o.inventory + (o.token.empty() ? "" : ", token required") +
                                "; faults via POST /__faults, counts via GET /__requests");
}

}  // namespace hostadm::harness
