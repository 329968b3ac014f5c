// Connection floods against the real binary: connections that never start TLS, TLS connections
// idle after a request and request heads trickling in must not keep fresh admissions from being
// answered; each deadline closes what it should and the metrics say why; at --max-connections
// the longest-idle connection makes room, else the new one is refused.
#include <sys/resource.h>

#include <memory>

#include "server/raw_tls.hpp"

namespace hostadm::servertest {
namespace {

std::string sample(const char* name, const char* label, const char* value) {
  return std::string(name) + "{" + label + "=\"" + value + "\"}";
}
std::string state(const char* s) {
  return sample("hostadm_http_connections", "state", s);
}
std::string closed(const char* reason) {
  return sample("hostadm_http_connections_closed_total", "reason", reason);
}

// A fresh client's admission: HTTP 200 with an allowed review for its uid.
bool fresh_admission_answered(const Webhook& hook, const std::string& uid) {
  auto c = client_for(hook.port, hook.ca, 60);
  const Answer a = admit(*c, "mutate", adapter_review(uid));
  return a.status == 200 && a.allowed() && a.response().value("uid", "") == uid;
}

// TLS connections that each sent one request, read its answer and stay idle.
std::vector<std::unique_ptr<RawTls>> idle_tls(int port, int n) {
  std::vector<std::unique_ptr<RawTls>> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(std::make_unique<RawTls>(port));
    out.back()->send("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(out.back()->read_answers(1).rfind("HTTP/1.1 200 OK", 0), 0u);
  }
  return out;
}

// TLS connections that sent the start of a request head and add a byte now and then.
class SlowHeads {
 public:
  SlowHeads(int port, int n) {
    for (int i = 0; i < n; ++i) {
      conns_.push_back(std::make_unique<RawTls>(port));
      conns_.back()->send("POST /mutate HTTP/1.1\r\nHost: h\r\nX-Slow: ");
    }
    trickle_ = std::thread([this] {
      while (!done_) {
        for (auto& c : conns_) c->send("a");
        for (int i = 0; i < 10 && !done_; ++i) std::this_thread::sleep_for(50ms);
      }
    });
  }
  ~SlowHeads() { close(); }
  void close() {
    done_ = true;
    if (trickle_.joinable()) trickle_.join();
    conns_.clear();
  }

 private:
  std::vector<std::unique_ptr<RawTls>> conns_;
  std::atomic<bool> done_{false};
  std::thread trickle_;
};

void close_all(std::vector<int>& fds) {
  for (int fd : fds) ::close(fd);
  fds.clear();
}

TEST(FloodTest, FreshAdmissionsAreAnsweredDuringAFloodAndDescriptorsReturnAfterwards) {
  // The test process holds the flood's client ends.
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  ASSERT_GE(lim.rlim_cur, 2'000u) << "the flood needs 1,250 descriptors; raise ulimit -n";

  TempDir dir;
  // Four workers only: a flood that pinned one worker per connection would starve them at once.
  Webhook hook(dir,
               {"--inventory-fixture", write_fixture(dir).string(), "--threads", "4",
                "--handshake-timeout", "5m", "--keep-alive-timeout", "5m", "--read-timeout", "5m"});
  ASSERT_TRUE(fresh_admission_answered(hook, "uid-before"));
  // Baseline once the first clients' connections are gone.
  ASSERT_TRUE(eventually([&] { return metric(hook.port, hook.ca, state("idle")) == 0; }, 30s));
  const size_t baseline = open_fds(hook.proc->pid());

  std::vector<int> silent;
  for (int i = 0; i < 1'000; ++i) {
    const int fd = silent_tcp(hook.port);
    ASSERT_GE(fd, 0) << "connection " << i;
    silent.push_back(fd);
  }
  auto idle = idle_tls(hook.port, 200);
  SlowHeads slow(hook.port, 50);
  // The flood is in place, as the server counts it.
  ASSERT_TRUE(eventually(
      [&] {
        return metric(hook.port, hook.ca, state("handshake")) == 1'000 &&
               metric(hook.port, hook.ca, state("idle")) >= 200 &&
               metric(hook.port, hook.ca, state("reading")) == 50;
      },
      60s))
      << "handshake " << metric(hook.port, hook.ca, state("handshake")) << ", idle "
      << metric(hook.port, hook.ca, state("idle")) << ", reading "
      << metric(hook.port, hook.ca, state("reading"));

  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(fresh_admission_answered(hook, "uid-fresh-" + std::to_string(i))) << i;
  // Nothing was closed to make room.
  EXPECT_EQ(metric(hook.port, hook.ca, closed("limit")), 0);
  EXPECT_EQ(metric(hook.port, hook.ca, closed("refused")), 0);

  close_all(silent);
  idle.clear();
  slow.close();
  EXPECT_TRUE(eventually([&] { return open_fds(hook.proc->pid()) <= baseline; }, 60s))
      << "open descriptors: " << open_fds(hook.proc->pid()) << ", baseline " << baseline;
  EXPECT_TRUE(eventually([&] { return metric(hook.port, hook.ca, state("handshake")) == 0; }, 30s));
  EXPECT_TRUE(eventually([&] { return metric(hook.port, hook.ca, state("reading")) == 0; }, 30s));
  EXPECT_GE(metric(hook.port, hook.ca, closed("client-closed")), 1'250);
}

TEST(FloodTest, EachDeadlineClosesWhatItShouldAndTheCountersSayWhy) {
  TempDir dir;
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string(), "--handshake-timeout",
                     "2s", "--keep-alive-timeout", "3s", "--read-timeout", "4s"});
  constexpr int kEach = 5;
  std::vector<int> silent;
  for (int i = 0; i < kEach; ++i) silent.push_back(silent_tcp(hook.port));
  auto idle = idle_tls(hook.port, kEach);
  std::vector<std::unique_ptr<RawTls>> partial;
  for (int i = 0; i < kEach; ++i) {
    partial.push_back(std::make_unique<RawTls>(hook.port));
    partial.back()->send("POST /mutate HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n{");
  }

  for (int fd : silent) EXPECT_TRUE(closed_by_server(fd, 60s));
  for (auto& c : idle) {
    EXPECT_EQ(c->read_until_quiet(60s), "");
    EXPECT_TRUE(c->closed());
  }
  for (auto& c : partial) {
    const std::string got = c->read_until_quiet(60s);
    EXPECT_EQ(got.rfind("HTTP/1.1 408 Request Timeout", 0), 0u) << got;
    EXPECT_TRUE(c->closed());
  }
  close_all(silent);
  idle.clear();
  partial.clear();
  // A close is counted once the server is done with the connection (after a refusal it reads
  // what the client still sends for a moment). The scrapes' own connections are fresh and quick:
  // they add to none of these reasons unless the machine stalls them for seconds, hence >=.
  for (const char* reason : {"handshake-timeout", "idle-timeout", "read-timeout"})
    EXPECT_TRUE(eventually([&] { return metric(hook.port, hook.ca, closed(reason)) >= kEach; }))
        << reason << ": " << metric(hook.port, hook.ca, closed(reason));
  EXPECT_LT(metric(hook.port, hook.ca, closed("handshake-timeout")), kEach + 3);
  EXPECT_EQ(metric(hook.port, hook.ca, closed("limit")), 0);
}

TEST(FloodTest, AtTheLimitTheLongestIdleIsClosedThenNewConnectionsAreRefused) {
  TempDir dir;
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string(), "--max-connections", "3",
                     "--handshake-timeout", "5m", "--keep-alive-timeout", "5m"});
  // Three idle connections, the first one idle longest.
  auto idle = idle_tls(hook.port, 3);
  // A fourth: the oldest idle one makes room, the others stay.
  RawTls fourth(hook.port);
  fourth.send("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(fourth.read_answers(1).rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_EQ(idle[0]->read_until_quiet(30s), "");
  EXPECT_TRUE(idle[0]->closed());
  for (int i : {1, 2}) {
    idle[i]->send("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(idle[i]->read_answers(1).rfind("HTTP/1.1 200 OK", 0), 0u) << i;
    EXPECT_FALSE(idle[i]->closed()) << i;
  }
  idle.clear();
  fourth.send("GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string m = fourth.read_answers(1);
  EXPECT_NE(m.find(closed("limit") + " 1\n"), std::string::npos) << m;

  // Three connections in their handshake and none idle: a fourth is closed at once.
  ASSERT_TRUE(eventually([&] {
    fourth.send("GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n");
    const std::string s = fourth.read_answers(1);
    return s.find(state("idle") + " 0\n") != std::string::npos &&
           s.find(state("busy") + " 1\n") != std::string::npos;
  }));
  fourth.send("GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  fourth.read_until_quiet(10s);
  ASSERT_TRUE(fourth.closed());
  std::vector<int> silent;
  for (int i = 0; i < 3; ++i) silent.push_back(silent_tcp(hook.port));
  ASSERT_TRUE(eventually(
      [&] {
        // The refusal is a close right after the accept: the handshake fails.
        try {
          RawTls refused(hook.port);
          return false;
        } catch (const std::runtime_error&) {
          return true;
        }
      },
      30s));
  // Room again once one of them goes.
  ::close(silent.back());
  silent.pop_back();
  double refused = -1;
  ASSERT_TRUE(eventually([&] {
    refused = metric(hook.port, hook.ca, closed("refused"));
    return refused >= 1;
  }));
  EXPECT_GE(refused, 1);
  EXPECT_GE(metric(hook.port, hook.ca, closed("limit")), 1);
  close_all(silent);
}

}  // namespace
}  // namespace hostadm::servertest
