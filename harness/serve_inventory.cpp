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
#include "harness/mock_server.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;

// Switched at run time by POST /__faults; read by every request.
struct Faults {
  std::mutex mu;
  int latency_ms = 0;
  int status = 0;
  bool drop = false;
  std::string error_message;  // forklift-error-message on 401/403
  RestFaults rest;

  json to_json() {
    std::lock_guard<std::mutex> lk(mu);
    json j = {
        {"latencyMs", latency_ms}, {"status", status},          {"drop", drop},
        {"loading", rest.loading}, {"unsynced", rest.unsynced}, {"errorMessage", error_message}};
    j["syncDelayMs"] = rest.sync_delay ? json(rest.sync_delay->count()) : json(nullptr);
    return j;
  }
};

// providers: listings; provider: GET /providers/<type>/<uid>; hosts: host lists (?name= too);
// host: GET .../hosts/<id>.
struct Counts {
  std::atomic<long> providers{0}, provider{0}, hosts{0}, host{0}, total{0};
  json to_json() const {
    return {{"providers", providers.load()},
            {"provider", provider.load()},
            {"hosts", hosts.load()},
            {"host", host.load()},
            {"total", total.load()}};
  }
  void reset() { providers = provider = hosts = host = total = 0; }
};

// Which kind of inventory request a path is, for /__requests (tests count fetches with it).
void count(Counts& c, const std::string& path) {
  ++c.total;
  std::vector<std::string> seg;
  size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) seg.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (seg.size() >= 4 && seg[3] == "hosts")
    ++(seg.size() == 4 ? c.hosts : c.host);
  else if (seg.size() == 3)
    ++c.provider;
  else
    ++c.providers;
}

constexpr const char* kFaultKeys =
    "latencyMs, status, drop, loading, unsynced, syncDelayMs, errorMessage";

std::string names_field(const json& v, const char* key, std::vector<std::string>& out) {
  if (!v.is_array()) return std::string(key) + " must be a list of provider uids or namespace/name";
  for (const auto& n : v) {
    if (!n.is_string() || n.get_ref<const std::string&>().empty())
      return std::string(key) + " must be a list of provider uids or namespace/name";
    out.push_back(n.get<std::string>());
  }
  return "";
}

// The whole fault set is replaced by each POST: `{}` clears everything.
std::string apply_faults(Faults& f, const std::string& body) {
  json j;
  try {
    j = json::parse(body.empty() ? "{}" : body);
  } catch (const json::exception&) {
    return "body must be JSON like {\"latencyMs\": 0, \"status\": 0, \"drop\": false}";
  }
  if (!j.is_object()) return "body must be a JSON object";
  int latency = 0, status = 0;
  bool drop = false;
  std::string message;
  RestFaults rest;
  for (const auto& [key, v] : j.items()) {
    std::string err;
    if (key == "latencyMs") {
      if (!v.is_number_integer() || v.get<long>() < 0 || v.get<long>() > 600000)
        return "latencyMs must be an integer from 0 to 600000";
      latency = v.get<int>();
    } else if (key == "status") {
      if (!v.is_number_integer() ||
          (v.get<long>() != 0 && (v.get<long>() < 200 || v.get<long>() > 599)))
        return "status must be 0 (off) or an HTTP code such as 500, 503, 206, 401 or 403";
      status = v.get<int>();
    } else if (key == "drop") {
      if (!v.is_boolean()) return "drop must be true or false";
      drop = v.get<bool>();
    } else if (key == "loading") {
      err = names_field(v, "loading", rest.loading);
    } else if (key == "unsynced") {
      err = names_field(v, "unsynced", rest.unsynced);
    } else if (key == "syncDelayMs") {
      if (!v.is_null()) {
        if (!v.is_number_integer() || v.get<long>() < 0 || v.get<long>() > 600000)
          return "syncDelayMs must be an integer from 0 to 600000, or null";
        rest.sync_delay = std::chrono::milliseconds(v.get<long>());
      }
    } else if (key == "errorMessage") {
      if (!v.is_string()) return "errorMessage must be a string";
      message = v.get<std::string>();
    } else {
      return "unknown key '" + key + "'; accepted: " + kFaultKeys;
    }
    if (!err.empty()) return err;
  }
  std::lock_guard<std::mutex> lk(f.mu);
  f.latency_ms = latency;
  f.status = status;
  f.drop = drop;
  f.error_message = message;
  f.rest = std::move(rest);
  return "";
}

}  // namespace

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

int cmd_serve_inventory(const Args& args) {
  int exit_code = kExitOk;
  auto parsed = read_command_line(serve_inventory_command(), args, exit_code);
  if (!parsed) return exit_code;
  const cli::Parsed& flags = *parsed;
  auto usage = [](const std::string& msg) { return usage_error(serve_inventory_command(), msg); };
  const std::string inventory = flags.get("inventory");
  if (inventory.empty())
    return usage("--inventory FIXTURE is required (e.g. examples/inventory.yaml)");
  ListenOptions listen;
  if (const std::string err = read_listen_flags(flags, listen); !err.empty()) return usage(err);
  const std::string token = flags.get("token");
  if (flags.has("token") && token.empty()) return usage("--token must not be empty");

  std::shared_ptr<const Fixture> fixture;
  try {
    fixture = std::make_shared<const Fixture>(load_fixture_file(inventory));
  } catch (const std::exception& e) {
    std::cerr << "host-harness serve-inventory: " << e.what() << "\n";
    return kExitUsage;
  }

  const sigset_t stop_signals = block_stop_signals();
  std::string server_error;
  auto svr = make_mock_server(listen.cert, listen.key, 32, server_error);
  if (!svr) {
    std::cerr << "host-harness serve-inventory: " << server_error << "\n";
    return kExitUsage;
  }

  auto faults = std::make_shared<Faults>();
  auto counts = std::make_shared<Counts>();

  svr->Post("/__faults", [faults](const httplib::Request& req, httplib::Response& res) {
    std::string err = apply_faults(*faults, req.body);
    if (!err.empty()) {
      res.status = 400;
      res.set_content(json{{"error", err}}.dump() + "\n", "application/json");
      return;
    }
    res.set_content(faults->to_json().dump() + "\n", "application/json");
  });
  svr->Get("/__faults", [faults](const httplib::Request&, httplib::Response& res) {
    res.set_content(faults->to_json().dump() + "\n", "application/json");
  });
  svr->Get("/__requests", [counts](const httplib::Request&, httplib::Response& res) {
    res.set_content(counts->to_json().dump() + "\n", "application/json");
  });
  svr->Post("/__requests/reset", [counts](const httplib::Request&, httplib::Response& res) {
    counts->reset();
    res.set_content(counts->to_json().dump() + "\n", "application/json");
  });
  auto stopping = std::make_shared<std::atomic<bool>>(false);
  svr->Get(".*", [fixture, faults, counts, token, stopping](const httplib::Request& req,
                                                            httplib::Response& res) {
    count(*counts, req.path);
    int latency = 0, status = 0;
    bool drop = false;
    std::string message;
    RestFaults rest;
    {
      std::lock_guard<std::mutex> lk(faults->mu);
      latency = faults->latency_ms;
      status = faults->status;
      drop = faults->drop;
      message = faults->error_message;
      rest = faults->rest;
    }
    if (latency > 0) wait_for(std::chrono::milliseconds(latency), *stopping);
    if (drop) {
      int fd = connection_fd(req);
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
      res.status = 500;  // never arrives: the connection is gone
      return;
    }
    // The real inventory explains a refusal in this header; the body is empty.
    auto refuse = [&](int code, const std::string& why) {
      res.status = code;
      res.set_header("forklift-error-message", message.empty() ? why : message);
    };
    if (!token.empty() && req.get_header_value("Authorization") != "Bearer " + token) {
      refuse(401, "Authorization: Bearer <token> is missing or not valid");
      return;
    }
    if (status == 401 || status == 403) {
      refuse(status, status == 401 ? "the token is not valid"
                                   : "the caller may not get or list providers in this "
                                     "namespace");
      return;
    }
    if (status != 0) {
      res.status = status;
      return;
    }
    std::map<std::string, std::string> query;
    for (const auto& [k, v] : req.params) query.emplace(k, v);  // first value wins
    RestAnswer a = inventory_rest_answer(*fixture, req.path, query, rest);
    if (a.delay.count() > 0) wait_for(a.delay, *stopping);
    res.status = a.status;
    for (const auto& [k, v] : a.headers) res.set_header(k, v);
    if (!a.body.empty()) res.set_content(a.body, "application/json");
  });

  return serve_until_signal(*svr, "host-harness serve-inventory", listen.host, listen.port,
                            listen.tls(), stop_signals, *stopping,
                            std::to_string(fixture->providers.size()) + " providers from " +
                                inventory + (token.empty() ? "" : ", token required") +
                                "; faults via POST /__faults, counts via GET /__requests");
}

}  // namespace hostadm::harness
