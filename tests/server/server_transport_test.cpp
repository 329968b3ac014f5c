// The webhook's HTTP/1.1 transport as clients meet it on the wire: raw TLS connections to the real
// binary sending pipelined, chunked, expecting, malformed, slow and idle requests.
#include "server/raw_tls.hpp"

namespace hostadm::servertest {
namespace {

std::string post_head(const std::string& path, size_t length, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: hostadm\r\nContent-Type: application/json\r\n" +
         extra + "Content-Length: " + std::to_string(length) + "\r\n\r\n";
}

size_t count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hook_ = std::make_unique<Webhook>(
        dir_, std::vector<std::string>{"--inventory-fixture", write_fixture(dir_).string(),
                                       "--read-timeout", "1s", "--keep-alive-timeout", "2s",
                                       "--max-body-bytes", "64Ki"});
  }
  int port() const { return hook_->port; }

  TempDir dir_;
  std::unique_ptr<Webhook> hook_;
};

TEST_F(TransportTest, PipelinedRequestsAreAnsweredInOrder) {
  RawTls c(port());
  const std::string r1 = adapter_review("uid-pipe-1").dump();
  const std::string r2 = adapter_review("uid-pipe-2").dump();
  c.send(post_head("/mutate", r1.size()) + r1 + post_head("/validate", r2.size()) + r2 +
         "GET /healthz HTTP/1.1\r\nHost: hostadm\r\n\r\n");
  const std::string got = c.read_answers(3);
  ASSERT_EQ(RawTls::answers_in(got), 3) << got;
  const size_t a1 = got.find("uid-pipe-1"), a2 = got.find("uid-pipe-2"),
               a3 = got.find("\r\n\r\nok\n");
  ASSERT_NE(a1, std::string::npos) << got;
  ASSERT_NE(a2, std::string::npos) << got;
  ASSERT_NE(a3, std::string::npos) << got;
  EXPECT_LT(a1, a2);
  EXPECT_LT(a2, a3);
  EXPECT_EQ(count(got, "HTTP/1.1 200 OK"), 3u) << got;
  EXPECT_FALSE(c.closed());
}

TEST_F(TransportTest, ChunkedBodyAndExpectContinueAreAdmitted) {
  const std::string body = adapter_review("uid-chunked").dump();
  {
    RawTls c(port());
    std::string wire =
        "POST /mutate?timeout=5s HTTP/1.1\r\nHost: hostadm\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    for (size_t at = 0; at < body.size(); at += 100) {
      const std::string part = body.substr(at, 100);
      char size[16];
      std::snprintf(size, sizeof size, "%zx", part.size());
      wire += std::string(size) + "\r\n" + part + "\r\n";
    }
    c.send(wire + "0\r\n\r\n");
    const std::string got = c.read_answers(1);
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK", 0), 0u) << got;
    EXPECT_NE(got.find("\"uid\":\"uid-chunked\""), std::string::npos) << got;
    EXPECT_NE(got.find("\"patchType\":\"JSONPatch\""), std::string::npos) << got;
  }
  {
    RawTls c(port());
    c.send(post_head("/mutate", body.size(), "Expect: 100-continue\r\n"));
    const std::string interim = c.read_until_quiet(300ms);
    EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
    c.send(body);
    const std::string got = c.read_answers(1);
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK", 0), 0u) << got;
    EXPECT_NE(got.find("\"allowed\":true"), std::string::npos) << got;
  }
}

TEST_F(TransportTest, RefusedFramingGetsAJsonAnswerAndTheConnectionCloses) {
  struct Row {
    std::string name, wire, status_line, message_part;
  };
  const std::vector<Row> rows = {
      {"smuggling shape",
       "POST /mutate HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: "
       "chunked\r\n\r\n",
       "HTTP/1.1 400 Bad Request", "both Transfer-Encoding and Content-Length"},
      {"no host", "GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request", "Host"},
      {"body over --max-body-bytes", post_head("/mutate", 1 << 20),
       "HTTP/1.1 413 Payload Too Large", "larger than --max-body-bytes (65536 bytes)"},
      {"huge header",
       "GET /healthz HTTP/1.1\r\nHost: h\r\nX: " + std::string(9000, 'x') + "\r\n\r\n",
       "HTTP/1.1 431 Request Header Fields Too Large", "8192"},
      {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/1.1 505", "use HTTP/1.1"},
  };
  for (const Row& row : rows) {
    RawTls c(port());
    c.send(row.wire);
    const std::string got = c.read_until_quiet();
    EXPECT_EQ(got.rfind(row.status_line, 0), 0u) << row.name << ": " << got;
    EXPECT_NE(got.find("Connection: close"), std::string::npos) << row.name << ": " << got;
    const size_t body_at = got.find("\r\n\r\n");
    ASSERT_NE(body_at, std::string::npos) << row.name;
    const json body = json::parse(got.substr(body_at + 4), nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("code")) << row.name << ": " << got;
    EXPECT_NE(got.find(row.message_part), std::string::npos) << row.name << ": " << got;
    EXPECT_TRUE(c.closed()) << row.name;
  }
  // The server is still serving, and the two refused admissions (the smuggling shape and the
  // oversized body on /mutate) are counted and logged as bad admission requests; the refusals
  // on other paths are not.
  RawTls after(port());
  after.send("GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string metrics = after.read_answers(1);
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK", 0), 0u) << metrics;
  EXPECT_NE(metrics.find(R"(hostadm_admission_requests_total{operation="other",verdict="error",)"
                         R"(webhook="mutate"} 2)"),
            std::string::npos)
      << metrics;
  const std::string err = hook_->proc->err();
  EXPECT_NE(err.find(R"("msg":"bad admission request")"), std::string::npos) << err;
  EXPECT_NE(err.find("both Transfer-Encoding and Content-Length"), std::string::npos) << err;
}

TEST_F(TransportTest, ASlowRequestGets408AndAnIdleConnectionIsClosed) {
  RawTls slow(port());
  slow.send("POST /mutate HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n{\"half\":");
  // --read-timeout is 1s: the rest of the body never comes.
  const std::string got = slow.read_until_quiet(5s);
  EXPECT_EQ(got.rfind("HTTP/1.1 408 Request Timeout", 0), 0u) << got;
  EXPECT_NE(got.find("read timeout (1000 ms)"), std::string::npos) << got;
  EXPECT_TRUE(slow.closed());

  RawTls idle(port());
  idle.send("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(idle.read_answers(1).rfind("HTTP/1.1 200 OK", 0), 0u);
  // --keep-alive-timeout is 2s: the server closes without a word.
  EXPECT_EQ(idle.read_until_quiet(6s), "");
  EXPECT_TRUE(idle.closed());
}

TEST_F(TransportTest, MethodsHeadAndUnknownPaths) {
  RawTls c(port());
  c.send("HEAD /healthz HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string head = c.read_until_quiet(1s);
  EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n");
  c.send("POST /healthz HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  const std::string post = c.read_answers(1);
  EXPECT_EQ(post.rfind("HTTP/1.1 405 Method Not Allowed", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD"), std::string::npos) << post;
  c.send("DELETE /mutate HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string del = c.read_answers(1);
  EXPECT_NE(del.find("Allow: POST"), std::string::npos) << del;
  c.send("GET /nope HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string nope = c.read_answers(1);
  EXPECT_EQ(nope.rfind("HTTP/1.1 404 Not Found", 0), 0u) << nope;
  EXPECT_NE(nope.find("POST /mutate"), std::string::npos) << nope;
  EXPECT_FALSE(c.closed()) << "4xx answers to well-framed requests keep the connection";
}

TEST(TransportStopTest, StopClosesIdleKeepAliveConnectionsAtOnce) {
  TempDir dir;
  // An idle connection must not hold the exit for the 10 minute keep-alive timeout.
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string(), "--keep-alive-timeout",
                     "10m", "--drain-delay", "0s", "--shutdown-timeout", "10m"});
  RawTls idle(hook.port);
  idle.send("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(idle.read_answers(1).rfind("HTTP/1.1 200 OK", 0), 0u);
  hook.proc->signal(SIGTERM);
  EXPECT_EQ(hook.proc->wait(60s), 0) << hook.proc->err();
  EXPECT_EQ(idle.read_until_quiet(5s), "");
  EXPECT_TRUE(idle.closed());
}

TEST(TransportStopTest, AnswersDuringTheDrainAskClientsToClose) {
  TempDir dir;
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string(), "--drain-delay", "30s",
                     "--shutdown-timeout", "60s"});
  RawTls c(hook.port);
  const std::string r = adapter_review("uid-drain").dump();
  c.send(post_head("/mutate", r.size()) + r);
  const std::string before = c.read_answers(1);
  EXPECT_EQ(before.find("Connection: close"), std::string::npos) << before;
  hook.proc->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] {
    auto rz = client_for(hook.port, hook.ca)->Get("/readyz");
    return rz && rz->status == 503;
  }));
  c.send(post_head("/mutate", r.size()) + r);
  const std::string during = c.read_until_quiet();
  EXPECT_EQ(during.rfind("HTTP/1.1 200 OK", 0), 0u) << during;
  EXPECT_NE(during.find("Connection: close"), std::string::npos) << during;
  EXPECT_TRUE(c.closed());
}

}  // namespace
}  // namespace hostadm::servertest
