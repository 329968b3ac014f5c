// The transport's workers in process: which of them wait on the connection they just answered,
// and that every connection is still answered whether its worker waited for it or not.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "webhook/http/https_transport.hpp"

namespace hostadm::http {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A keep-alive TLS client that sends one GET at a time and reads its whole answer.
class Client {
 public:
  explicit Client(int port) : ctx_(SSL_CTX_new(TLS_client_method())) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
  }
  ~Client() {
    if (ssl_) SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The answer's body, or "" when the connection failed.
  std::string get(const std::string& path) {
    if (!ssl_) return "";
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
    if (SSL_write(ssl_, req.data(), static_cast<int>(req.size())) <= 0) return "";
    std::string got;
    char buf[4096];
    for (;;) {
      const size_t end = got.find("\r\n\r\n");
      if (end != std::string::npos) {
        const size_t at = got.find("Content-Length: ");
        const size_t length = at < end ? std::strtoul(got.c_str() + at + 16, nullptr, 10) : 0;
        if (got.size() >= end + 4 + length) return got.substr(end + 4, length);
      }
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return "";
      got.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

class TransportWorkersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = fs::temp_directory_path() / ("hostadm-transport-" + std::to_string(::getpid()));
    const std::string cmd = std::string("bash ") + HOSTADM_SOURCE_DIR +
                            "/certs/make-certs.sh --out " + certs_.string() +
                            " --service localhost --ip 127.0.0.1 >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() { fs::remove_all(certs_); }

  // Starts a transport answering every request with its path.
  void start(TransportOptions options) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(ctx, (certs_ / "tls.crt").c_str()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx, (certs_ / "tls.key").c_str(), SSL_FILETYPE_PEM), 1);
    transport_ = std::make_unique<HttpsTransport>(
        std::move(options), ctx, [](const Request& req, const Refusal&, Response& res) {
          res.content_type = "text/plain";
          res.body = req.path;
        });
    port_ = transport_->bind("127.0.0.1", 0);
    loop_ = std::thread([this] { transport_->run(); });
  }
  void TearDown() override {
    if (!transport_) return;
    transport_->stop();
    loop_.join();
  }

  // Connections in state s, once they stop moving (a worker gives its connection back just
  // after the answer is read), or what they are after 10 s.
  int64_t settled(ConnState s, int64_t want) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    int64_t n = -1;
    while (std::chrono::steady_clock::now() < until) {
      n = transport_->connections()[static_cast<size_t>(s)];
      if (n == want) break;
      std::this_thread::sleep_for(5ms);
    }
    return n;
  }

  static fs::path certs_;
  std::unique_ptr<HttpsTransport> transport_;
  std::thread loop_;
  int port_ = 0;
};
fs::path TransportWorkersTest::certs_;

// A worker waiting on its connection is woken for each of its requests; one per connection made
// every request a context switch. Past --active-threads of them, connections go back to the loop.
TEST_F(TransportWorkersTest, AtMostActiveThreadsWorkersWaitForTheNextRequest) {
  TransportOptions options;
  options.threads = 8;
  options.active_threads = 2;
  options.next_request_wait = 60s;  // a waiting worker keeps its connection for the whole test
  start(std::move(options));
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<Client>(port_));
    ASSERT_EQ(clients.back()->get("/first/" + std::to_string(i)), "/first/" + std::to_string(i));
  }
  EXPECT_EQ(settled(ConnState::Idle, 3), 3);
  EXPECT_EQ(transport_->connections()[static_cast<size_t>(ConnState::Busy)], 2);
  // Every connection's next request is answered: by the worker waiting on it, or through the loop.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(clients[i]->get("/second/" + std::to_string(i)), "/second/" + std::to_string(i));
}

}  // namespace
}  // namespace hostadm::http
