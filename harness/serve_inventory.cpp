// `host-harness serve-inventory`: a fixture served as the Forklift inventory REST API over
// HTTP(S), with the real inventory's answers and failure modes (listings without unvalidated
// providers, late 206s, the loading-namespace 500, 403 with forklift-error-message), a
// bearer-token check and run-time faults so tests can drive the webhook through each of them.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <httplib.h>
#include <openssl/ssl.h>
#include <nlohmann/json.hpp>

#include "harness/command_line.hpp"
#include "harness/commands.hpp"
#include "harness/fixture_rest.hpp"
#include "harness/inventory_faults.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;

// httplib 0.11.4 gives a handler no socket to close. TLS requests carry their SSL*, whose fd is
// the connection; for plain HTTP the connection is the one socket whose peer is the request's
// remote port and whose local port is the request's local port.
int connection_fd(const httplib::Request& req) {
  if (req.ssl) return SSL_get_fd(req.ssl);
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (dirent* e = ::readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    sockaddr_storage peer{}, local{};
    socklen_t pl = sizeof peer, ll = sizeof local;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
    auto port_of = [](const sockaddr_storage& s) -> int {
      if (s.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(s).sin_port);
      if (s.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(s).sin6_port);
      return -1;
    };
    if (port_of(peer) == req.remote_port && port_of(local) == req.local_port) {
      found = fd;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

bool parse_listen(const std::string& listen, std::string& host, int& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) return false;
  char* end = nullptr;
  long p = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || colon + 1 == listen.size() || p < 0 || p > 65535) return false;
  port = static_cast<int>(p);
  return true;
}

// Waits `d`, in slices, so a server being stopped is not held up by a long 206 delay.
void wait_for(std::chrono::milliseconds d, const std::atomic<bool>& stopping) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stopping.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
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
    c.flags = {
        make_flag("inventory", FlagKind::String, "FIXTURE", "the fixture file to serve"),
        make_flag("listen", FlagKind::String, "HOST:PORT", "address to serve on; port 0 picks one",
                  "127.0.0.1:0"),
        make_flag("tls-cert", FlagKind::String, "FILE", "serve HTTPS with this certificate (PEM)"),
        make_flag("tls-key", FlagKind::String, "FILE", "private key of --tls-cert (PEM)"),
        make_flag("token", FlagKind::String, "TOKEN",
                  "require this bearer token (answer 401 without it)"),
    };
    return c;
  }();
  return kCommand;
}

namespace {

struct ServeOptions {
  std::string inventory, cert, key, token, host;
  int port = 0;
  bool tls() const { return !cert.empty(); }
};

// The options, or a usage error's message.
std::string read_options(const cli::Parsed& flags, ServeOptions& o) {
  o.inventory = flags.get("inventory");
  if (o.inventory.empty()) return "--inventory FIXTURE is required (e.g. examples/inventory.yaml)";
  o.cert = flags.get("tls-cert");
  o.key = flags.get("tls-key");
  if (o.cert.empty() != o.key.empty()) return "--tls-cert and --tls-key go together";
  if (!parse_listen(flags.get("listen", "127.0.0.1:0"), o.host, o.port))
    return "--listen must be HOST:PORT, e.g. 127.0.0.1:0 (0 picks a free port)";
  o.token = flags.get("token");
  if (flags.has("token") && o.token.empty()) return "--token must not be empty";
  return "";
}

// An HTTP(S) server tuned for tests and benches; nullptr (the reason printed) when the
// certificate cannot be loaded.
std::unique_ptr<httplib::Server> make_server(const ServeOptions& o) {
  std::unique_ptr<httplib::Server> svr;
  if (o.tls()) {
    svr = std::make_unique<httplib::SSLServer>(o.cert.c_str(), o.key.c_str());
    if (!svr->is_valid()) {
      std::cerr << "host-harness serve-inventory: cannot load --tls-cert " << o.cert
                << " / --tls-key " << o.key << " (PEM files; make them with certs/make-certs.sh)\n";
      return nullptr;
    }
  } else {
    svr = std::make_unique<httplib::Server>();
  }
  svr->set_tcp_nodelay(true);
  svr->set_keep_alive_max_count(100000);
  svr->set_keep_alive_timeout(3);  // idle keep-alive connections hold up stop() this long
  svr->new_task_queue = [] { return new httplib::ThreadPool(32); };
  // The library default is SO_REUSEPORT, which lets a stale instance silently share the port.
  svr->set_socket_options([](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  return svr;
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

// The port bound (the one asked for, or a free one for port 0); 0 when it cannot be bound.
int bind(httplib::Server& svr, const ServeOptions& o) {
  if (o.port != 0) return svr.bind_to_port(o.host, o.port) ? o.port : 0;
  int bound = svr.bind_to_any_port(o.host);
  return bound < 0 ? 0 : bound;
}

// Serves until SIGTERM or SIGINT, which one thread waits for (they are blocked everywhere else,
// the server's pool included, which inherits the mask).
int serve_until_stopped(httplib::Server& svr, const sigset_t& stop_signals,
                        const std::shared_ptr<std::atomic<bool>>& stopping) {
  httplib::Server* raw = &svr;
  std::thread([raw, stop_signals, stopping] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    stopping->store(true);
    raw->stop();
  }).detach();
  return svr.listen_after_bind() ? kExitOk : kExitFailed;
}

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
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto svr = make_server(o);
  if (!svr) return kExitUsage;
  auto faults = std::make_shared<Faults>();
  auto counts = std::make_shared<Counts>();
  auto stopping = std::make_shared<std::atomic<bool>>(false);
  add_control_routes(*svr, faults, counts);
  svr->Get(".*", InventoryRoute(fixture, faults, counts, o.token, stopping));
  const int bound = bind(*svr, o);
  if (bound == 0) {
    std::cerr << "host-harness serve-inventory: cannot listen on " << o.host << ":" << o.port
              << " (address in use or not local; use --listen 127.0.0.1:0 for a free port)\n";
    return kExitUsage;
  }
  std::string shown = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::cout << "listening on " << (o.tls() ? "https" : "http") << "://" << shown << ":" << bound
            << std::endl;  // flushed: tests read the port from this line
  std::cerr << "host-harness serve-inventory: " << fixture->providers.size() << " providers from "
            << o.inventory << (o.token.empty() ? "" : ", token required")
            << "; faults via POST /__faults, counts via GET /__requests\n";
  return serve_until_stopped(*svr, stop_signals, stopping);
}

}  // namespace hostadm::harness
