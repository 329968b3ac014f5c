// The endpoint check against what goes wrong on the wire, all on 127.0.0.1: a closed port, a
// listener that never speaks TLS, a server that is not TLS, one that drops the connection, one
// that only speaks an old TLS version, and SOAP endpoints that answer slowly, without end, or
// with more than the check will read. Deadlines are checked with wide margins: these tests show
// that an answer comes and what it says, not how fast (bench/ measures speed).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include <thread>

#include "endpoint/loopback_servers.hpp"
#include "webhook/endpoint/checker.hpp"
#include "webhook/endpoint/login.hpp"
#include "webhook/endpoint/probe.hpp"
#include "webhook/endpoint/thumbprint.hpp"

namespace hostadm::endpoint {
namespace {

using endpointtest::ScriptedServer;
using endpointtest::SilentListener;
using endpointtest::TempDir;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::HasSubstr;

// Far longer than any of these checks takes: a check that needs it has hung.
constexpr auto kHang = 20s;

Deadline in(SteadyClock::duration d) {
  return SteadyClock::now() + d;
}

TEST(ProbeTest, AClosedPortIsRefusedAtOnce) {
  const int port = endpointtest::closed_port();
  const auto start = SteadyClock::now();
  const Result r = probe("127.0.0.1", port, in(kHang));
  EXPECT_EQ(r.outcome, Outcome::Refused) << r.message;
  EXPECT_STREQ(rule_for(r.outcome), "endpoint-unreachable");
  EXPECT_THAT(r.message, HasSubstr("127.0.0.1:" + std::to_string(port) + " refused"));
  EXPECT_LT(SteadyClock::now() - start, kHang / 2) << "a refusal needs no deadline";
}

TEST(ProbeTest, AListenerThatNeverAnswersTimesOutAtTheDeadline) {
  SilentListener silent;
  const auto deadline = in(300ms);
  const Result r = probe("127.0.0.1", silent.port(), deadline);
  EXPECT_EQ(r.outcome, Outcome::Timeout) << r.message;
  EXPECT_THAT(r.message, HasSubstr("TLS handshake did not finish within"));
  EXPECT_THAT(r.message, HasSubstr("(timeout)"));
  EXPECT_GE(SteadyClock::now(), deadline) << "gave up before its deadline";
  EXPECT_LT(SteadyClock::now(), deadline + kHang);
}

TEST(ProbeTest, AServerThatIsNotTlsIsATlsError) {
  ScriptedServer plain([](int fd) {
    const std::string answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  });
  const Result r = probe("127.0.0.1", plain.port(), in(kHang));
  EXPECT_EQ(r.outcome, Outcome::TlsError) << r.message;
  EXPECT_THAT(r.message, HasSubstr("does not speak TLS"));
}

TEST(ProbeTest, AServerThatDropsTheConnectionIsATlsError) {
  ScriptedServer dropping([](int fd) {  // reads the ClientHello, then closes
    char hello[4096];
    ::recv(fd, hello, sizeof hello, 0);
  });
  const Result r = probe("127.0.0.1", dropping.port(), in(kHang));
  EXPECT_EQ(r.outcome, Outcome::TlsError) << r.message;
  EXPECT_THAT(r.message, HasSubstr("closed the connection"));
}

TEST(ProbeTest, ATlsAlertIsNamed) {
  TempDir dir;
  // TLS 1.1 at most: the probe asks for 1.2 or newer, and the server refuses with an alert.
  SSL_CTX* ctx = endpointtest::tls_server_context(dir, [](SSL_CTX* c) {
    SSL_CTX_set_security_level(c, 0);
    SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION);
  });
  {
    ScriptedServer old_tls([ctx](int fd) { SSL_free(endpointtest::accept_tls(ctx, fd)); });
    const Result r = probe("127.0.0.1", old_tls.port(), in(kHang));
    EXPECT_EQ(r.outcome, Outcome::TlsError) << r.message;
    EXPECT_THAT(r.message, HasSubstr("alert protocol version"));
  }
  SSL_CTX_free(ctx);
}

TEST(ProbeTest, AnAddressThatCannotBeDialledSaysWhy) {
  const Result bare = probe("::1", 443, in(kHang));
  EXPECT_EQ(bare.outcome, Outcome::Unreachable);
  EXPECT_THAT(bare.message, HasSubstr("write it in brackets: '[::1]'"));
  const Result url = probe("https://127.0.0.1/sdk", 443, in(kHang));
  EXPECT_EQ(url.outcome, Outcome::Unreachable);
  EXPECT_THAT(url.message, HasSubstr("'https://127.0.0.1/sdk' is not an IPv4 address"));
}

// A TLS server on 127.0.0.1 whose every connection `answer` serves after reading one request.
class SoapServer {
 public:
  explicit SoapServer(std::function<void(SSL*)> answer)
      : ctx_(endpointtest::tls_server_context(dir_)) {
    server_ = std::make_unique<ScriptedServer>([this, answer](int fd) {
      SSL* ssl = endpointtest::accept_tls(ctx_, fd);
      if (!ssl) return;
      if (!endpointtest::read_request(ssl).empty()) answer(ssl);
      SSL_shutdown(ssl);
      SSL_free(ssl);
    });
  }
  ~SoapServer() {
    server_.reset();  // its connections use ctx_
    SSL_CTX_free(ctx_);
  }
  int port() const { return server_->port(); }
  std::string thumbprint() const {
    FILE* f = std::fopen((dir_ / "tls.crt").c_str(), "r");
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    std::string t = sha1_thumbprint(cert);
    X509_free(cert);
    return t;
  }

 private:
  TempDir dir_;
  SSL_CTX* ctx_;
  std::unique_ptr<ScriptedServer> server_;
};

void send_all(SSL* ssl, const std::string& bytes) {
  SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
}

Result login_to(const SoapServer& server, Deadline deadline) {
  return login("127.0.0.1", server.port(), Credentials("root", "pw"), server.thumbprint(),
               deadline);
}

TEST(ProbeTest, AnAnswerLargerThanTheLimitIsNotRead) {
  SoapServer huge(
      [](SSL* ssl) { send_all(ssl, "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n"); });
  const Result r = login_to(huge, in(kHang));
  EXPECT_EQ(r.outcome, Outcome::LoginError) << r.message;
  EXPECT_THAT(r.message, HasSubstr("larger than 262144 bytes"));
}

TEST(ProbeTest, AnEndlessAnswerIsCutAtTheLimit) {
  SoapServer endless([](SSL* ssl) {
    send_all(ssl, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
    for (int i = 0; i < 1000; ++i)
      if (SSL_write(ssl, chunk.data(), static_cast<int>(chunk.size())) <= 0) return;
  });
  const Result r = login_to(endless, in(kHang));
  EXPECT_EQ(r.outcome, Outcome::LoginError) << r.message;
  EXPECT_THAT(r.message, HasSubstr("larger than 262144 bytes"));
}

TEST(ProbeTest, EndlessHeadersAreCutAtTheLimit) {
  SoapServer endless([](SSL* ssl) {
    send_all(ssl, "HTTP/1.1 200 OK\r\n");
    const std::string header = "X-Filler: " + std::string(1000, 'x') + "\r\n";
    for (int i = 0; i < 1000; ++i)
      if (SSL_write(ssl, header.data(), static_cast<int>(header.size())) <= 0) return;
  });
  const Result r = login_to(endless, in(kHang));
  EXPECT_EQ(r.outcome, Outcome::LoginError) << r.message;
  EXPECT_THAT(r.message, HasSubstr("head is longer than 16384 bytes"));
}

TEST(ProbeTest, AnAnswerThatDripsIsCutAtTheDeadline) {
  std::atomic<bool> stop{false};
  SoapServer drip([&stop](SSL* ssl) {
    send_all(ssl, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    while (!stop && SSL_write(ssl, "x", 1) == 1) std::this_thread::sleep_for(20ms);
  });
  const auto deadline = in(2000ms);
  const Result r = login_to(drip, deadline);
  stop = true;
  EXPECT_EQ(r.outcome, Outcome::LoginError) << r.message;
  EXPECT_THAT(r.message, HasSubstr("RetrieveServiceContent"));
  EXPECT_THAT(r.message, HasSubstr("(timeout)"));
  EXPECT_LT(SteadyClock::now(), deadline + kHang);
}

TEST(ProbeTest, AFaultOtherThanInvalidLoginIsAFailedLoginThatSaysWhich) {
  SoapServer faulty([](SSL* ssl) {
    const std::string body =
        "<?xml version=\"1.0\"?><soapenv:Envelope "
        "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
        "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Permission to "
        "perform this operation was denied.</faultstring><detail><NoPermissionFault "
        "xmlns=\"urn:vim25\" xsi:type=\"NoPermission\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/></detail></soapenv:Fault>"
        "</soapenv:Body></soapenv:Envelope>";
    send_all(ssl, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  const Result r = login_to(faulty, in(kHang));
  EXPECT_EQ(r.outcome, Outcome::LoginError) << r.message;
  EXPECT_THAT(r.message,
              HasSubstr("fault NoPermission (Permission to perform this operation was denied.)"));
}

// A prober that dials the real silent listener, to show the checker's background probe ends
// within the budget it was started with.
TEST(ProbeTest, ACheckerDoesNotOutliveItsProbesAndTheyEndWithinTheirBudget) {
  SilentListener silent;
  auto checker = std::make_unique<Checker>();
  Request request;
  request.address = "127.0.0.1";
  request.port = silent.port();
  const Result r = checker->check(request, 1000ms, in(100ms));
  EXPECT_TRUE(r.provisional);
  EXPECT_EQ(r.outcome, Outcome::Timeout) << r.message;
  EXPECT_THAT(r.message, HasSubstr("127.0.0.1:" + std::to_string(silent.port())));
  EXPECT_THAT(r.message, HasSubstr("goes on in the background"));
  EXPECT_EQ(checker->in_flight(), 1u);
  const auto destroyed = SteadyClock::now();
  checker.reset();  // waits for the probe, which gives up 1 s after it started
  EXPECT_LT(SteadyClock::now() - destroyed, kHang);
}

}  // namespace
}  // namespace hostadm::endpoint
