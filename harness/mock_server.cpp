#include "harness/mock_server.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include <httplib.h>
#include <openssl/ssl.h>

#include "harness/commands.hpp"

namespace hostadm::harness {

sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

std::unique_ptr<httplib::Server> make_mock_server(const std::string& cert, const std::string& key,
                                                  int threads, std::string& error) {
  std::unique_ptr<httplib::Server> svr;
  if (!cert.empty()) {
    svr = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    if (!svr->is_valid()) {
      error = "cannot load --tls-cert " + cert + " / --tls-key " + key +
              " (PEM files; make them with certs/make-certs.sh)";
      return nullptr;
    }
  } else {
    svr = std::make_unique<httplib::Server>();
  }
  svr->set_tcp_nodelay(true);
  svr->set_keep_alive_max_count(100000);
  svr->set_keep_alive_timeout(3);  // idle keep-alive connections hold up stop() this long
  svr->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr->set_socket_options([](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  return svr;
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

std::vector<cli::Flag> listen_flags() {
  using cli::FlagKind;
  using cli::make_flag;
  return {
      make_flag("listen", FlagKind::String, "HOST:PORT", "address to serve on; port 0 picks one",
                "127.0.0.1:0"),
      make_flag("tls-cert", FlagKind::String, "FILE", "serve HTTPS with this certificate (PEM)"),
      make_flag("tls-key", FlagKind::String, "FILE", "private key of --tls-cert (PEM)"),
  };
}

std::string read_listen_flags(const cli::Parsed& flags, ListenOptions& out) {
  out.cert = flags.get("tls-cert");
  out.key = flags.get("tls-key");
  if (out.cert.empty() != out.key.empty()) return "--tls-cert and --tls-key go together";
  if (!parse_listen(flags.get("listen", "127.0.0.1:0"), out.host, out.port))
    return "--listen must be HOST:PORT, e.g. 127.0.0.1:0 (0 picks a free port)";
  return "";
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

void wait_for(std::chrono::milliseconds d, const std::atomic<bool>& stopping) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stopping.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
}

int serve_until_signal(httplib::Server& svr, const std::string& program, const std::string& host,
                       int port, bool tls, const sigset_t& stop_signals,
                       std::atomic<bool>& stopping, const std::string& banner) {
  int bound = port;
  if (port == 0) {
    bound = svr.bind_to_any_port(host);
    if (bound < 0) bound = 0;
  } else if (!svr.bind_to_port(host, port)) {
    bound = 0;
  }
  if (bound == 0) {
    std::cerr << program << ": cannot listen on " << host << ":" << port
              << " (address in use or not local; use --listen 127.0.0.1:0 for a free port)\n";
    return kExitUsage;
  }
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << "listening on " << (tls ? "https" : "http") << "://" << shown << ":" << bound
            << std::endl;  // flushed: tests read the port from this line
  std::cerr << program << ": " << banner << "\n";

  httplib::Server* raw = &svr;
  std::atomic<bool>* flag = &stopping;
  std::thread([raw, stop_signals, flag] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    flag->store(true);
    raw->stop();
  }).detach();
  return svr.listen_after_bind() ? kExitOk : kExitFailed;
}

}  // namespace hostadm::harness
