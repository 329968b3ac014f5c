// The Kubernetes API client against a real `host-harness serve-kube` over TLS on 127.0.0.1:
// every verb, Status errors, paging across `continue` (and its expiry), a rotated token, 403,
// 429 with Retry-After, server errors, a slow API, an API that is down, the rate limit.
#include "webhook/kube/kube_client.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netinet/in.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/kube_api_fixture.hpp"

namespace hostadm::servertest {
namespace {

using namespace std::chrono_literals;
using kube::Client;
using kube::ClientOptions;
using kube::Deadline;
using kube::Result;
namespace resources = kube::resources;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "kube-client-test-token-0001";

class RecordingObserver : public kube::KubeObserver {
 public:
  void request(const char* verb, const std::string& resource, int code, double) override {
    std::lock_guard<std::mutex> lk(mu);
    calls.push_back(std::string(verb) + " " + resource + " " + std::to_string(code));
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> lk(mu);
    return calls;
  }
  std::mutex mu;
  std::vector<std::string> calls;
};

class KubeClientTest : public KubeApiTest<KubeClientTest> {
 protected:
  static void SetUpTestSuite() {
    start_api(kToken);
    api_->control("/__objects",
                  json::array({{{"apiVersion", "v1"},
                                {"kind", "Secret"},
                                {"metadata", {{"name", "esxi"}, {"namespace", "demo"}}},
                                {"data", {{"user", "dXNlcg=="}}}}}));
  }
  void TearDown() override {
    api_->faults(json::object());
    // The token is never in the mock's output, nor in anything the client reported.
    EXPECT_THAT(api_->process().err() + api_->process().out(), Not(HasSubstr(kToken)));
  }
  std::unique_ptr<Client> client(ClientOptions o = {}) {
    o.retry_backoff = {10ms, 2.0, 100ms, 0.0};
    return std::make_unique<Client>(api_->config(), o);
  }
};

TEST_F(KubeClientTest, EveryVerbRoundTrips) {
  auto c = client();
  Result r = c->get(resources::kSecrets, "demo", "esxi", in(10s));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.object["data"]["user"], "dXNlcg==");
  EXPECT_EQ(c->default_namespace(), "demo");

  r = c->create(resources::kHosts, "demo", host_object("demo", "verbs"), in(10s));
  ASSERT_EQ(r.code, 201) << r.describe();
  json h = r.object;
  h["spec"]["ipAddress"] = "127.0.0.1";
  r = c->update(resources::kHosts, "demo", h, in(10s));
  ASSERT_TRUE(r.ok()) << r.describe();
  r = c->patch(resources::kHosts, "demo", "verbs", kube::PatchType::Merge,
               {{"metadata", {{"labels", {{"checked", "yes"}}}}}}, in(10s));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.object["spec"]["ipAddress"], "127.0.0.1");
  EXPECT_EQ(r.object["metadata"]["labels"]["checked"], "yes");
  r = c->patch(resources::kHosts, "demo", "verbs", kube::PatchType::Json,
               json::array({{{"op", "remove"}, {"path", "/spec/ipAddress"}}}), in(10s));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_FALSE(r.object["spec"].contains("ipAddress"));
  r = c->list(resources::kHosts, "demo", {}, in(10s));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.object["kind"], "HostList");
  r = c->remove(resources::kHosts, "demo", "verbs", in(10s));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_TRUE(c->get(resources::kHosts, "demo", "verbs", in(10s)).not_found());
}

TEST_F(KubeClientTest, FailuresCarryTheApiServersStatus) {
  auto c = client();
  Result r = c->get(resources::kSecrets, "demo", "missing", in(10s));
  EXPECT_EQ(r.code, 404);
  EXPECT_EQ(r.status.reason, "NotFound");
  EXPECT_EQ(r.status.message, "secrets \"missing\" not found");
  EXPECT_EQ(r.status.name, "missing");
  EXPECT_EQ(r.attempts, 1);

  r = c->create(resources::kSecrets, "demo",
                {{"metadata", {{"name", "esxi"}}}, {"data", {{"k", "dg=="}}}}, in(10s));
  EXPECT_EQ(r.code, 409);
  EXPECT_TRUE(r.is("AlreadyExists"));

  json stale = c->get(resources::kSecrets, "demo", "esxi", in(10s)).object;
  ASSERT_TRUE(c->patch(resources::kSecrets, "demo", "esxi", kube::PatchType::Merge,
                       {{"metadata", {{"labels", {{"touched", "1"}}}}}}, in(10s))
                  .ok());
  stale["data"]["extra"] = "eA==";
  r = c->update(resources::kSecrets, "demo", stale, in(10s));
  EXPECT_TRUE(r.conflict());
  EXPECT_TRUE(r.is("Conflict"));
  EXPECT_EQ(r.attempts, 1);  // a conflict is an answer, never retried
}

TEST_F(KubeClientTest, PagingFollowsContinueAcrossPages) {
  json hosts = json::array();
  for (int i = 0; i < 1200; ++i) hosts.push_back(host_object("paging", "h" + std::to_string(i)));
  api_->control("/__objects", hosts);
  api_->reset_requests();
  auto c = client();
  std::set<std::string> names;
  kube::PagedList p = c->list_all(resources::kHosts, "paging", {}, in(30s), [&](json&& item) {
    names.insert(item["metadata"]["name"].get<std::string>());
    return true;
  });
  ASSERT_TRUE(p.result.ok()) << p.result.describe();
  EXPECT_EQ(names.size(), 1200u);
  EXPECT_EQ(p.pages, 3);
  EXPECT_FALSE(p.resource_version.empty());
  const auto lists = api_->requests_of("list", "hosts");
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_THAT(lists[0]["query"].get<std::string>(), HasSubstr("limit=500"));
  EXPECT_THAT(lists[0]["query"].get<std::string>(), Not(HasSubstr("continue")));
  EXPECT_THAT(lists[1]["query"].get<std::string>(), HasSubstr("continue="));
  EXPECT_THAT(lists[2]["query"].get<std::string>(), HasSubstr("continue="));
}

TEST_F(KubeClientTest, AnExpiredContinueTokenListsAgainFromTheStart) {
  json hosts = json::array();
  for (int i = 0; i < 30; ++i) hosts.push_back(host_object("expiry", "h" + std::to_string(i)));
  api_->control("/__objects", hosts);
  auto c = client();
  kube::ListOptions o;
  o.limit = 10;
  int received = 0, restarts = 0;
  bool compacted = false;
  kube::PagedList p = c->list_all(
      resources::kHosts, "expiry", o, in(30s),
      [&](json&&) {
        if (++received == 10 && !compacted) {
          // Between the first and the second page the server forgets the list's version.
          api_->control("/__objects", json::array({host_object("expiry", "late")}));
          api_->control("/__compact");
          compacted = true;
        }
        return true;
      },
      [&] {
        ++restarts;
        received = 0;
      });
  ASSERT_TRUE(p.result.ok()) << p.result.describe();
  EXPECT_EQ(p.restarts, 1);
  EXPECT_EQ(restarts, 1);
  EXPECT_EQ(received, 31);  // the second full list, with the host created meanwhile
}

// Writes `text` into `path` in place and puts its mtime back: the file looks unchanged to a stat,
// as a token rotated within one clock tick by a writer that keeps the size would.
void rewrite_keeping_stamp(const fs::path& path, const std::string& text) {
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  write_file(path, text);
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

TEST_F(KubeClientTest, ARotatedTokenIsReadWhenTheFileChanges) {
  auto c = client();
  ASSERT_TRUE(c->get(resources::kSecrets, "demo", "esxi", in(10s)).ok());
  // The kubelet replaces the file; the API server stops accepting the old token.
  write_file(dir_->path() / "rotated", "kube-client-test-token-0002-longer\n");
  fs::rename(dir_->path() / "rotated", api_->client_token());
  write_file(api_->server_token(), "kube-client-test-token-0002-longer\n");
  api_->reset_requests();
  Result r = c->get(resources::kSecrets, "demo", "esxi", in(10s));
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(api_->requests().size(), 1u);  // read before sending: no 401 at all
  write_file(api_->client_token(), std::string(kToken) + "\n");
  write_file(api_->server_token(), std::string(kToken) + "\n");
}

TEST_F(KubeClientTest, A401ReadsTheTokenFileAgainAndRetriesOnce) {
  auto c = client();
  ASSERT_TRUE(c->get(resources::kSecrets, "demo", "esxi", in(10s)).ok());
  const std::string next = "kube-client-test-token-0003";  // as long as kToken
  rewrite_keeping_stamp(api_->client_token(), next + "\n");
  write_file(api_->server_token(), next + "\n");
  api_->reset_requests();
  Result r = c->get(resources::kSecrets, "demo", "esxi", in(10s));
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.attempts, 2);
  const json log = api_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["code"], 401);  // the old token, refused
  EXPECT_EQ(log[1]["code"], 200);  // the file read again
  // A token the server never accepts: one re-read, then the 401 is the answer.
  write_file(api_->server_token(), "kube-client-test-token-9999\n");
  r = c->get(resources::kSecrets, "demo", "esxi", in(10s));
  EXPECT_EQ(r.code, 401);
  EXPECT_EQ(r.status.reason, "Unauthorized");
  EXPECT_EQ(r.attempts, 2);
  write_file(api_->client_token(), std::string(kToken) + "\n");
  write_file(api_->server_token(), std::string(kToken) + "\n");
}

TEST_F(KubeClientTest, ForbiddenIsAnAnswerWithRbacsWords) {
  api_->faults({{"rules", {{{"verb", "get"}, {"resource", "secrets"}, {"status", 403}}}}});
  auto c = client();
  Result r = c->get(resources::kSecrets, "demo", "esxi", in(10s));
  EXPECT_EQ(r.code, 403);
  EXPECT_EQ(r.status.reason, "Forbidden");
  EXPECT_THAT(r.status.message, HasSubstr("cannot get resource \"secrets\" in API group \"\" in "
                                          "the namespace \"demo\""));
  EXPECT_EQ(r.attempts, 1);
}

TEST_F(KubeClientTest, TooManyRequestsWaitsRetryAfterWithinTheDeadline) {
  api_->faults({{"status", 429}, {"retryAfterSeconds", 1}, {"times", 1}});
  auto c = client();
  const auto started = std::chrono::steady_clock::now();
  Result r = c->get(resources::kSecrets, "demo", "esxi", in(5s));
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.attempts, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);  // it waited as asked
}

TEST_F(KubeClientTest, ARetryAfterBeyondTheDeadlineIsNotWaitedFor) {
  api_->faults({{"status", 429}, {"retryAfterSeconds", 5}});
  auto c = client();
  const auto deadline = in(2s);
  Result r = c->get(resources::kSecrets, "demo", "esxi", deadline);
  EXPECT_LT(std::chrono::steady_clock::now(), deadline);
  EXPECT_EQ(r.code, 429);
  EXPECT_EQ(r.status.reason, "TooManyRequests");  // from APF's plain-text answer
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(api_->requests().size(), 1u);
}

TEST_F(KubeClientTest, ServerErrorsAreRetriedOnlyWhereThatIsSafe) {
  api_->faults({{"rules",
                 {{{"verb", "get"}, {"status", 503}, {"times", 2}},
                  {{"verb", "create"}, {"status", 500}, {"times", 1}}}}});
  auto c = client();
  Result r = c->get(resources::kSecrets, "demo", "esxi", in(10s));
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.attempts, 3);
  r = c->create(resources::kSecrets, "demo", {{"metadata", {{"name", "once"}}}}, in(10s));
  EXPECT_EQ(r.code, 500);  // not sent again: the create may have happened
  EXPECT_EQ(r.status.reason, "InternalError");
  EXPECT_EQ(r.attempts, 1);
}

TEST_F(KubeClientTest, ASlowApiCostsNoMoreThanTheDeadline) {
  api_->faults({{"latencyMs", 4000}});
  auto c = client();
  const auto started = std::chrono::steady_clock::now();
  Result r = c->get(resources::kSecrets, "demo", "esxi", in(300ms));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(r.answered());
  EXPECT_TRUE(r.timed_out);
  EXPECT_THAT(r.error, HasSubstr("deadline exceeded"));
  EXPECT_LT(took, 2s);  // well before the answer would have come
}

TEST_F(KubeClientTest, AnApiThatIsDownAnswersAtOnce) {
  // A port that was free a moment ago: nothing listens there, the connection is refused.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(s);
  kube::KubeConfig cfg = api_->config();
  cfg.server = "https://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  Client c(cfg);
  const auto started = std::chrono::steady_clock::now();
  Result r = c.get(resources::kSecrets, "demo", "esxi", in(20s));
  EXPECT_FALSE(r.answered());
  EXPECT_FALSE(r.timed_out);
  EXPECT_THAT(r.error, HasSubstr("cannot connect"));
  EXPECT_THAT(r.error, HasSubstr(cfg.server));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // not the 20 s deadline
}

TEST_F(KubeClientTest, TheRateLimitCountsAgainstTheDeadline) {
  ClientOptions o;
  o.qps = 1;
  o.burst = 1;
  auto c = client(o);
  EXPECT_TRUE(c->get(resources::kSecrets, "demo", "esxi", in(10s)).ok());
  Result r = c->get(resources::kSecrets, "demo", "esxi", in(200ms));
  EXPECT_FALSE(r.answered());
  EXPECT_TRUE(r.timed_out);
  EXPECT_THAT(r.error, HasSubstr("client-side rate limit"));
  EXPECT_EQ(api_->requests().size(), 1u);  // the second was never sent
}

TEST_F(KubeClientTest, TheServerIsVerifiedWithTheConfiguredCa) {
  kube::KubeConfig cfg = api_->config();
  const TempDir other;
  make_certs(other.path());
  cfg.ca_file = (other.path() / "ca.crt").string();
  Client c(cfg);
  Result r = c.get(resources::kSecrets, "demo", "esxi", in(10s));
  EXPECT_FALSE(r.answered());
  EXPECT_THAT(r.error, HasSubstr("not trusted"));
  cfg.insecure_skip_tls_verify = true;
  Client insecure(cfg);
  EXPECT_TRUE(insecure.get(resources::kSecrets, "demo", "esxi", in(10s)).ok());
}

TEST_F(KubeClientTest, BadTlsMaterialIsRefusedAtConstruction) {
  kube::KubeConfig cfg = api_->config();
  cfg.ca_pem = "not a certificate";
  cfg.ca_file.clear();
  EXPECT_THROW(Client{cfg}, kube::KubeConfigError);
  cfg = api_->config();
  const TempDir certs;
  make_certs(certs.path());
  cfg.client_cert_file = (certs.path() / "tls.crt").string();
  cfg.client_key_file = (certs.path() / "ca.key").string();  // not the certificate's key
  try {
    Client c(cfg);
    FAIL() << "accepted a key that does not match";
  } catch (const kube::KubeConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not belong to the client certificate"));
  }
}

TEST_F(KubeClientTest, TheObserverSeesEveryAttempt) {
  auto observer = std::make_shared<RecordingObserver>();
  ClientOptions o;
  o.observer = observer;
  api_->faults({{"rules", {{{"verb", "get"}, {"status", 503}, {"times", 1}}}}});
  auto c = client(o);
  ASSERT_TRUE(c->get(resources::kSecrets, "demo", "esxi", in(10s)).ok());
  EXPECT_EQ(observer->seen(), (std::vector<std::string>{"get secrets 503", "get secrets 200"}));
}

}  // namespace
}  // namespace hostadm::servertest
