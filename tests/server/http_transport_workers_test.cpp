// The transport's workers in process: which of them wait on the connection they just answered
// (every connection's, or at most --active-threads of them while the CPU is loaded), which of
// them answer (on a loaded CPU the reserve past --active-threads only when the others stall), and
// that every connection is still answered whether its worker waited for it or not; and how long
// a connection given back to the loop keeps its buffers.
#include "server/raw_tls.hpp"
#include "webhook/http/https_transport.hpp"

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace hostadm::http {
namespace {

using namespace std::chrono_literals;
using servertest::RawTls;

// One GET on c and its answer's body, "" when none came.
std::string get(RawTls& c, const std::string& path) {
  c.send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string got = c.read_answers(1);
  const size_t body = got.find("\r\n\r\n");
  return body == std::string::npos ? "" : got.substr(body + 4);
}

class TransportWorkersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = std::make_unique<servertest::TempDir>();
    servertest::make_certs(certs_->path());
  }
  static void TearDownTestSuite() { certs_.reset(); }

  // Starts a transport answering every request with its path (a refused one with the refusal's
  // status); GET /slow is answered only once release_slow() ran.
  void start(TransportOptions options) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(ctx, (certs_->path() / "tls.crt").c_str()), 1);
    ASSERT_EQ(
        SSL_CTX_use_PrivateKey_file(ctx, (certs_->path() / "tls.key").c_str(), SSL_FILETYPE_PEM),
        1);
    transport_ = std::make_unique<HttpsTransport>(
        std::move(options), ctx, [this](const Request& req, const Refusal& refusal, Response& res) {
          std::unique_lock<std::mutex> lk(mu_);
          answerers_.insert(std::this_thread::get_id());
          if (req.path == "/slow") {
            slow_started_ = true;
            released_.wait(lk, [&] { return slow_released_; });
          }
          res.content_type = "text/plain";
          res.body = req.path;
          if (refusal.status) res.status = refusal.status;
        });
    port_ = transport_->bind("127.0.0.1", 0);
    loop_ = std::thread([this] { transport_->run(); });
  }
  void TearDown() override {
    if (!transport_) return;
    release_slow();
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

  // n connections, each asked GET /first/<i> and answered; a worker then holds or gives back each.
  std::vector<std::unique_ptr<RawTls>> answered_once(int n) {
    std::vector<std::unique_ptr<RawTls>> clients;
    for (int i = 0; i < n; ++i) {
      clients.push_back(std::make_unique<RawTls>(port_));
      EXPECT_EQ(get(*clients.back(), "/first/" + std::to_string(i)), "/first/" + std::to_string(i));
    }
    return clients;
  }
  // Every connection's next request is answered: by the worker waiting on it, or through the loop.
  static void answered_again(std::vector<std::unique_ptr<RawTls>>& clients) {
    for (size_t i = 0; i < clients.size(); ++i)
      EXPECT_EQ(get(*clients[i], "/second/" + std::to_string(i)), "/second/" + std::to_string(i));
  }

  // How many worker threads have answered a request so far.
  size_t answerers() {
    std::lock_guard<std::mutex> lk(mu_);
    return answerers_.size();
  }
  bool slow_started() {
    std::lock_guard<std::mutex> lk(mu_);
    return slow_started_;
  }
  void release_slow() {
    std::lock_guard<std::mutex> lk(mu_);
    slow_released_ = true;
    released_.notify_all();
  }

  static std::unique_ptr<servertest::TempDir> certs_;
  std::mutex mu_;
  std::condition_variable released_;
  std::set<std::thread::id> answerers_;
  bool slow_started_ = false;
  bool slow_released_ = false;
  std::unique_ptr<HttpsTransport> transport_;
  std::thread loop_;
  int port_ = 0;
};
std::unique_ptr<servertest::TempDir> TransportWorkersTest::certs_;

// A loaded CPU: --threads 8, --active-threads 2, a waiting worker keeps its connection until
// called, and a slow test machine cannot look like a stalled worker.
TransportOptions loaded_cpu() {
  TransportOptions options;
  options.threads = 8;
  options.active_threads = 2;
  options.next_request_wait = 60s;
  options.stall_after = 60s;
  options.cpu_capacity = 1e-9;  // any CPU time at all is more than half of it
  return options;
}

// A worker waiting on its connection is woken for each of its requests; on a loaded CPU one per
// connection made every request a context switch. Past --active-threads of them, connections go
// back to the loop.
TEST_F(TransportWorkersTest, OnALoadedCpuAtMostActiveThreadsWorkersWaitForTheNextRequest) {
  start(loaded_cpu());
  ASSERT_TRUE(servertest::eventually([&] { return transport_->cpu_loaded(); }));
  auto clients = answered_once(5);
  // Each connection is parked in the loop or held by a waiting worker, and at most two wait (one
  // or two: a request that came while both waited called both to the queue, see the next test).
  EXPECT_TRUE(servertest::eventually([&] {
    const auto n = transport_->connections();
    const int64_t waiting = n[static_cast<size_t>(ConnState::Busy)];
    return waiting >= 1 && waiting <= 2 && waiting + n[static_cast<size_t>(ConnState::Idle)] == 5;
  }));
  answered_again(clients);
}

// Only the --active-threads workers answer on a loaded CPU: a request that comes while they all
// wait on their connections calls them to the queue rather than waking a sleeping thread of the
// reserve (one more thread woken for it cost 5 to 12 % of the requests per second).
TEST_F(TransportWorkersTest, OnALoadedCpuOnlyActiveThreadsWorkersAnswer) {
  start(loaded_cpu());
  ASSERT_TRUE(servertest::eventually([&] { return transport_->cpu_loaded(); }));
  auto clients = answered_once(5);
  EXPECT_EQ(answerers(), 2u);
  answered_again(clients);
  EXPECT_EQ(answerers(), 2u);
}

// The reserve is for workers held up: with the only active worker stuck in an answer, a request
// waiting behind it is answered by a reserve worker the loop wakes, on a loaded CPU too.
TEST_F(TransportWorkersTest, OnALoadedCpuAStalledWorkerIsRelievedByTheReserve) {
  TransportOptions options;
  options.threads = 3;
  options.active_threads = 1;
  options.cpu_capacity = 1e-9;
  start(std::move(options));
  ASSERT_TRUE(servertest::eventually([&] { return transport_->cpu_loaded(); }));
  RawTls slow(port_);
  slow.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(servertest::eventually([&] { return slow_started(); }));
  RawTls fast(port_);
  EXPECT_EQ(get(fast, "/fast"), "/fast");
  EXPECT_EQ(answerers(), 2u);
  release_slow();
  EXPECT_NE(slow.read_answers(1).find("/slow"), std::string::npos);
}

// Below that load a waiting worker is the cheaper way to the next request (one wake-up, where
// the loop's way is two): every connection keeps one, but a few workers stay free for the loop.
TEST_F(TransportWorkersTest, OnAnUnloadedCpuEveryConnectionKeepsItsWorker) {
  TransportOptions options;
  options.threads = 8;
  options.active_threads = 2;
  options.next_request_wait = 60s;
  options.cpu_capacity = 1e9;  // never half used
  start(std::move(options));
  auto clients = answered_once(7);
  // 8 threads, 2 of them kept free: 6 wait, the seventh connection goes back to the loop.
  EXPECT_EQ(settled(ConnState::Idle, 1), 1);
  EXPECT_EQ(transport_->connections()[static_cast<size_t>(ConnState::Busy)], 6);
  EXPECT_EQ(answerers(), 7u);  // the reserve's workers too
  EXPECT_FALSE(transport_->cpu_loaded());
  answered_again(clients);
}

// Every answered connection back to the loop at once: no worker waits on one.
TransportOptions no_waiting(std::chrono::milliseconds hold_buffers) {
  TransportOptions options;
  options.next_request_wait = 0ms;
  options.hold_buffers = hold_buffers;
  return options;
}

// Under load a connection no worker could wait on is idle in the loop for well under a
// millisecond: it keeps its input and TLS buffers for its next request.
TEST_F(TransportWorkersTest, AConnectionParkedIdleKeepsItsBuffersForItsNextRequest) {
  start(no_waiting(60s));
  auto clients = answered_once(3);
  EXPECT_EQ(settled(ConnState::Idle, 3), 3);
  EXPECT_EQ(transport_->holding_buffers(), 3);
  answered_again(clients);
  EXPECT_EQ(settled(ConnState::Idle, 3), 3);
  EXPECT_EQ(transport_->holding_buffers(), 3);
}

// Idle past hold_buffers, it gives them back (about 50 KB): thousands of idle keep-alive
// connections cost little more than their sockets. It still answers its next request.
TEST_F(TransportWorkersTest, AConnectionIdleForLongerGivesItsBuffersBack) {
  start(no_waiting(10ms));
  auto clients = answered_once(3);
  EXPECT_TRUE(servertest::eventually([&] { return transport_->holding_buffers() == 0; }));
  EXPECT_EQ(transport_->connections()[static_cast<size_t>(ConnState::Idle)], 3);
  answered_again(clients);
  EXPECT_TRUE(servertest::eventually([&] { return transport_->holding_buffers() == 0; }));
}

// An idle connection's next request goes to a worker unread, and the worker reads it. One that
// arrives in pieces goes back to the loop after the first: the worker does not wait for the
// rest, another connection is answered meanwhile, and the read timeout still holds (408).
TEST_F(TransportWorkersTest, ARequestArrivingInPiecesOnAnIdleConnectionWaitsInTheLoop) {
  TransportOptions options = no_waiting(60s);
  options.threads = 1;
  options.active_threads = 1;
  options.read_timeout = 1s;
  start(std::move(options));
  auto clients = answered_once(1);
  RawTls& pieces = *clients[0];
  ASSERT_EQ(settled(ConnState::Idle, 1), 1);
  const std::string head = "POST /pieces HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n";

  pieces.send(head + "12345");
  EXPECT_EQ(settled(ConnState::Reading, 1), 1);
  EXPECT_EQ(transport_->connections()[static_cast<size_t>(ConnState::Busy)], 0);
  RawTls other(port_);
  EXPECT_EQ(get(other, "/other"), "/other");
  pieces.send("67890");
  const std::string whole = pieces.read_answers(1);
  EXPECT_EQ(whole.rfind("HTTP/1.1 200 OK", 0), 0u) << whole;
  EXPECT_NE(whole.find("/pieces"), std::string::npos) << whole;

  ASSERT_EQ(settled(ConnState::Idle, 2), 2);
  pieces.send(head + "12345");  // and never the rest
  EXPECT_EQ(settled(ConnState::Reading, 1), 1);
  const std::string late = pieces.read_until_quiet(5s);
  EXPECT_EQ(late.rfind("HTTP/1.1 408", 0), 0u) << late;
  EXPECT_TRUE(pieces.closed());
}

}  // namespace
}  // namespace hostadm::http
