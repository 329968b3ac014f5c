// The loopback servers of the endpoint check's tests (loopback_servers.hpp).
#include "endpoint/loopback_servers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <regex>
#include <sstream>
#include <stdexcept>

namespace hostadm::endpointtest {

std::string esxsim_bin() {
  return std::string(HOSTADM_BIN_DIR) + "/esxsim";
}

EsxSim::EsxSim(const std::string& password, std::vector<std::string> extra,
               const std::string& listen) {
  std::vector<std::string> args = {"-listen", listen, "-user", "root", "-password", password};
  args.insert(args.end(), extra.begin(), extra.end());
  proc_ = std::make_unique<Child>(esxsim_bin(), args, dir_ / "out", dir_ / "err");
  port_ = proc_->wait_listening();
  std::smatch m;
  const std::string out = proc_->out();
  static const std::regex re("thumbprint ([0-9A-F:]+)");
  if (!std::regex_search(out, m, re)) throw std::runtime_error("esxsim printed no thumbprint");
  thumbprint_ = m[1];
}

std::vector<std::string> EsxSim::calls() const {
  std::vector<std::string> out;
  std::istringstream lines(proc_->out());
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("soap ", 0) == 0) out.push_back(line.substr(5));
  return out;
}

SilentListener::SilentListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof a;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), size) != 0 || ::listen(fd_, 64) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &size) != 0)
    throw std::runtime_error("cannot listen on 127.0.0.1");
  port_ = ntohs(a.sin_port);
}

SilentListener::~SilentListener() {
  ::close(fd_);
}

int closed_port() {
  SilentListener listener;
  return listener.port();
}

ScriptedServer::ScriptedServer(std::function<void(int fd)> serve) : serve_(std::move(serve)) {
  thread_ = std::thread([this] { loop(); });
}

ScriptedServer::~ScriptedServer() {
  stop_ = true;
  thread_.join();
  for (auto& t : workers_) t.join();
}

void ScriptedServer::loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    workers_.emplace_back([this, fd] {
      serve_(fd);
      ::close(fd);
    });
  }
  ::close(listen_fd_);
}

int ScriptedServer::bind_listener() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), size) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &size) != 0)
    throw std::runtime_error("cannot listen on 127.0.0.1");
  return ntohs(a.sin_port);
}

SSL_CTX* tls_server_context(const TempDir& dir, const std::function<void(SSL_CTX*)>& configure) {
  servertest::make_certs(dir.path());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (SSL_CTX_use_certificate_chain_file(ctx, (dir / "tls.crt").c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, (dir / "tls.key").c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("cannot load the test certificate");
  if (configure) configure(ctx);
  return ctx;
}

SSL* accept_tls(SSL_CTX* ctx, int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) {
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }
  return ssl;
}

std::string read_request(SSL* ssl) {
  std::string got;
  char buf[4096];
  for (;;) {
    const size_t head_end = got.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::smatch m;
      static const std::regex length_re("Content-Length: (\\d+)", std::regex::icase);
      const std::string head = got.substr(0, head_end);
      const size_t body = std::regex_search(head, m, length_re) ? std::stoul(m[1]) : 0;
      if (got.size() >= head_end + 4 + body) return got;
    }
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) return got;
    got.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace hostadm::endpointtest
