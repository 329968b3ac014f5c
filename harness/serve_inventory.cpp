// `host-harness serve-inventory`: a fixture served as the Forklift inventory
// REST API over HTTP(S), with a bearer-token check and run-time faults so tests can drive the
// webhook through every inventory failure.
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

#include "harness/commands.hpp"
#include "harness/flags.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/inventory/files.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: host-harness serve-inventory --inventory FIXTURE [--listen 127.0.0.1:0] "
    "[--tls-cert F --tls-key F] [--token T]";

struct Faults {
  std::atomic<int> latency_ms{0};
  std::atomic<int> status{0};
  std::atomic<bool> drop{false};

  json to_json() const {
    return {{"latencyMs", latency_ms.load()}, {"status", status.load()}, {"drop", drop.load()}};
  }
};

struct Counts {
  std::atomic<long> providers{0}, hosts{0}, host{0}, total{0};
  json to_json() const {
    return {{"providers", providers.load()},
            {"hosts", hosts.load()},
            {"host", host.load()},
            {"total", total.load()}};
  }
  void reset() { providers = hosts = host = total = 0; }
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
  else
    ++c.providers;
}

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
  for (const auto& [key, v] : j.items()) {
    if (key == "latencyMs") {
      if (!v.is_number_integer() || v.get<long>() < 0 || v.get<long>() > 600000)
        return "latencyMs must be an integer from 0 to 600000";
      latency = v.get<int>();
    } else if (key == "status") {
      if (!v.is_number_integer() ||
          (v.get<long>() != 0 && (v.get<long>() < 200 || v.get<long>() > 599)))
        return "status must be 0 (off) or an HTTP code such as 500, 503, 206 or 401";
      status = v.get<int>();
    } else if (key == "drop") {
      if (!v.is_boolean()) return "drop must be true or false";
      drop = v.get<bool>();
    } else {
      return "unknown key '" + key + "'; accepted: latencyMs, status, drop";
    }
  }
  f.latency_ms = latency;
  f.status = status;
  f.drop = drop;
  return "";
}

}  // namespace

int cmd_serve_inventory(const Args& args) {
  ParsedFlags flags;
  try {
    flags = parse_flags(args, {"--inventory", "--listen", "--tls-cert", "--tls-key", "--token"},
                        {"--help", "-h"});
  } catch (const FlagError& e) {
    std::cerr << "host-harness serve-inventory: " << e.what() << "\n" << kUsage << "\n";
    return kExitUsage;
  }
  if (flags.has("--help") || flags.has("-h")) {
    std::cout << kUsage << "\n";
    return kExitOk;
  }
  auto usage = [](const std::string& msg) {
    std::cerr << "host-harness serve-inventory: " << msg << "\n" << kUsage << "\n";
    return kExitUsage;
  };
  if (!flags.positional.empty()) return usage("unexpected argument '" + flags.positional[0] + "'");
  const std::string inventory = flags.get("--inventory");
  if (inventory.empty())
    return usage("--inventory FIXTURE is required (e.g. examples/inventory.yaml)");
  const std::string cert = flags.get("--tls-cert"), key = flags.get("--tls-key");
  if (cert.empty() != key.empty()) return usage("--tls-cert and --tls-key go together");
  std::string host;
  int port = 0;
  if (!parse_listen(flags.get("--listen", "127.0.0.1:0"), host, port))
    return usage("--listen must be HOST:PORT, e.g. 127.0.0.1:0 (0 picks a free port)");
  const std::string token = flags.get("--token");
  if (flags.has("--token") && token.empty()) return usage("--token must not be empty");

  std::shared_ptr<const Fixture> fixture;
  try {
    fixture = std::make_shared<const Fixture>(load_fixture_file(inventory));
  } catch (const std::exception& e) {
    std::cerr << "host-harness serve-inventory: " << e.what() << "\n";
    return kExitUsage;
  }

  // Handle SIGTERM/SIGINT on one thread: blocked everywhere else, including the server's pool.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<httplib::Server> svr;
  const bool tls = !cert.empty();
  if (tls) {
    svr = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    if (!svr->is_valid()) {
      std::cerr << "host-harness serve-inventory: cannot load --tls-cert " << cert
                << " / --tls-key " << key << " (PEM files; make them with certs/make-certs.sh)\n";
      return kExitUsage;
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
  svr->Get(".*",
           [fixture, faults, counts, token](const httplib::Request& req, httplib::Response& res) {
             count(*counts, req.path);
             if (int ms = faults->latency_ms.load(); ms > 0)
               std::this_thread::sleep_for(std::chrono::milliseconds(ms));
             if (faults->drop.load()) {
               int fd = connection_fd(req);
               if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
               res.status = 500;  // never arrives: the connection is gone
               return;
             }
             if (!token.empty() && req.get_header_value("Authorization") != "Bearer " + token) {
               res.status = 401;
               return;
             }
             if (int status = faults->status.load(); status != 0) {
               res.status = status;
               return;
             }
             std::map<std::string, std::string> query;
             for (const auto& [k, v] : req.params) query.emplace(k, v);  // first value wins
             RestAnswer a = inventory_rest_answer(*fixture, req.path, query);
             res.status = a.status;
             for (const auto& [k, v] : a.headers) res.set_header(k, v);
             if (!a.body.empty()) res.set_content(a.body, "application/json");
           });

  int bound = port;
  if (port == 0) {
    bound = svr->bind_to_any_port(host);
    if (bound < 0) bound = 0;
  } else if (!svr->bind_to_port(host, port)) {
    bound = 0;
  }
  if (bound == 0) {
    std::cerr << "host-harness serve-inventory: cannot listen on " << host << ":" << port
              << " (address in use or not local; use --listen 127.0.0.1:0 for a free port)\n";
    return kExitUsage;
  }
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << "listening on " << (tls ? "https" : "http") << "://" << shown << ":" << bound
            << std::endl;  // flushed: tests read the port from this line
  std::cerr << "host-harness serve-inventory: " << fixture->providers.size() << " providers from "
            << inventory << (token.empty() ? "" : ", token required")
            << "; faults via POST /__faults, counts via GET /__requests\n";

  httplib::Server* raw = svr.get();
  std::thread([raw, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    raw->stop();
  }).detach();

  bool ok = svr->listen_after_bind();
  return ok ? kExitOk : kExitFailed;
}

}  // namespace hostadm::harness
