// The endpoint check against VMware's own ESXi simulator (govmomi's simulator.ESX(), run by
// esxsim on 127.0.0.1 or [::1] with a certificate of its own): the thumbprint as govmomi
// computes it, a login that works, a wrong password, a mismatched pin that sends nothing, a
// server that closes after every answer, and the cache's single flight and background probes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "endpoint/loopback_servers.hpp"
#include "webhook/endpoint/checker.hpp"
#include "webhook/endpoint/login.hpp"
#include "webhook/endpoint/probe.hpp"

namespace hostadm::endpoint {
namespace {

using endpointtest::EsxSim;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Not;

constexpr const char* kPassword = "s3cret&<pass>\"word'";  // every character XML must escape
constexpr const char* kOtherThumbprint =
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33";

Deadline in(milliseconds ms) {
  return SteadyClock::now() + ms;
}

TEST(VsphereSimTest, ReachSeesTheThumbprintGovmomiComputes) {
  EsxSim sim(kPassword);
  const Result r = check_reach("127.0.0.1", sim.port(), sim.thumbprint(), in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::ReachOk) << r.message;
  EXPECT_EQ(r.thumbprint, sim.thumbprint());
  EXPECT_THAT(sim.calls(), IsEmpty()) << "a reach check sends nothing but the TLS handshake";
}

TEST(VsphereSimTest, LoginWithTheRightPasswordLogsInAndOut) {
  EsxSim sim(kPassword);
  const Result r =
      login("127.0.0.1", sim.port(), Credentials("root", kPassword), sim.thumbprint(), in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::LoginOk) << r.message;
  EXPECT_EQ(r.thumbprint, sim.thumbprint());
  EXPECT_THAT(r.message, Not(HasSubstr(kPassword)));
  // Logout answered 200: it carried the session cookie Login set (without it: NotAuthenticated).
  EXPECT_THAT(sim.calls(), ElementsAre("RetrieveServiceContent 200", "Login 200", "Logout 200"));
}

TEST(VsphereSimTest, AWrongPasswordIsAnInvalidLogin) {
  EsxSim sim(kPassword);
  const std::string wrong = "wrong-password";
  const Result r =
      login("127.0.0.1", sim.port(), Credentials("root", wrong), sim.thumbprint(), in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::LoginInvalid) << r.message;
  EXPECT_STREQ(rule_for(r.outcome), "endpoint-login-failed");
  EXPECT_THAT(r.message, HasSubstr("InvalidLogin"));
  EXPECT_THAT(r.message, HasSubstr("https://127.0.0.1:" + std::to_string(sim.port()) + "/sdk"));
  EXPECT_THAT(r.message, Not(HasSubstr(wrong)));
  EXPECT_THAT(r.message, Not(HasSubstr("root")));
  EXPECT_THAT(sim.calls(), ElementsAre("RetrieveServiceContent 200", "Login 500"));
}

TEST(VsphereSimTest, AMismatchedThumbprintSendsNoCredentials) {
  EsxSim sim(kPassword);
  const Result r =
      login("127.0.0.1", sim.port(), Credentials("root", kPassword), kOtherThumbprint, in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::ThumbprintMismatch) << r.message;
  EXPECT_STREQ(rule_for(r.outcome), "endpoint-thumbprint-mismatch");
  EXPECT_THAT(r.message, HasSubstr(sim.thumbprint()));
  EXPECT_THAT(r.message, HasSubstr(kOtherThumbprint));
  // The simulator writes a line per call before it answers; a login that follows shows exactly
  // its own three calls, so the mismatched one made none, Login least of all.
  const Result ok =
      login("127.0.0.1", sim.port(), Credentials("root", kPassword), sim.thumbprint(), in(10000ms));
  ASSERT_EQ(ok.outcome, Outcome::LoginOk) << ok.message;
  EXPECT_THAT(sim.calls(), ElementsAre("RetrieveServiceContent 200", "Login 200", "Logout 200"));
}

TEST(VsphereSimTest, APinInLowerCaseWithoutColonsStillMatches) {
  EsxSim sim(kPassword);
  std::string plain;
  for (char c : sim.thumbprint())
    if (c != ':') plain += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const Result r =
      login("127.0.0.1", sim.port(), Credentials("root", kPassword), plain, in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::LoginOk) << r.message;
}

TEST(VsphereSimTest, APasswordXmlCannotCarryIsNotSent) {
  EsxSim sim(kPassword);
  for (const std::string& password :
       {std::string("bell\a"), std::string("nul\0x", 5), std::string("latin-1 p\xe4sswort")}) {
    const Result r = login("127.0.0.1", sim.port(), Credentials("root", password), sim.thumbprint(),
                           in(10000ms));
    EXPECT_EQ(r.outcome, Outcome::LoginError) << r.message;
    EXPECT_THAT(r.message, HasSubstr("not UTF-8, which a SOAP request cannot carry"));
  }
  EXPECT_THAT(sim.calls(), IsEmpty());
}

TEST(VsphereSimTest, AServerThatClosesAfterEveryAnswerIsDialledAgainAndPinnedAgain) {
  EsxSim sim(kPassword, {"-close"});
  const Result r =
      login("127.0.0.1", sim.port(), Credentials("root", kPassword), sim.thumbprint(), in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::LoginOk) << r.message;
  EXPECT_THAT(sim.calls(), ElementsAre("RetrieveServiceContent 200", "Login 200", "Logout 200"));
}

TEST(VsphereSimTest, IPv6LoopbackInBracketsWorks) {
  EsxSim sim(kPassword, {}, "[::1]:0");
  const Result reach = check_reach("[::1]", sim.port(), sim.thumbprint(), in(10000ms));
  EXPECT_EQ(reach.outcome, Outcome::ReachOk) << reach.message;
  const Result r =
      login("[::1]", sim.port(), Credentials("root", kPassword), sim.thumbprint(), in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::LoginOk) << r.message;
  EXPECT_THAT(r.message, HasSubstr("https://[::1]:" + std::to_string(sim.port()) + "/sdk"));
}

TEST(VsphereSimTest, AHostNameIsResolvedAndDialled) {
  EsxSim sim(kPassword);
  // /etc/hosts maps localhost to loopback: no DNS server is asked.
  const Result r = check_reach("localhost", sim.port(), sim.thumbprint(), in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::ReachOk) << r.message;
}

TEST(VsphereSimTest, WithoutAThumbprintToPinNoLoginIsTried) {
  EsxSim sim(kPassword);
  const Result r = login("127.0.0.1", sim.port(), Credentials("root", kPassword), "", in(10000ms));
  EXPECT_EQ(r.outcome, Outcome::ReachOk) << r.message;
  EXPECT_THAT(r.message, HasSubstr("login not tried"));
  const Result ok =
      login("127.0.0.1", sim.port(), Credentials("root", kPassword), sim.thumbprint(), in(10000ms));
  ASSERT_EQ(ok.outcome, Outcome::LoginOk) << ok.message;
  EXPECT_THAT(sim.calls(), ElementsAre("RetrieveServiceContent 200", "Login 200", "Logout 200"));
}

Request login_request(const EsxSim& sim, const std::string& password) {
  Request req;
  req.address = "127.0.0.1";
  req.port = sim.port();
  req.expected_thumbprint = sim.thumbprint();
  req.mode = Mode::Login;
  req.secret = "vmware/esx-01-credentials";
  req.secret_version = "4711";
  req.credentials = Credentials("root", password);
  return req;
}

size_t count_of(const std::vector<std::string>& calls, const std::string& call) {
  return static_cast<size_t>(std::count(calls.begin(), calls.end(), call));
}

TEST(VsphereSimTest, ConcurrentChecksOfOneKeyShareOneLogin) {
  // Logins held 300 ms, so the checks arrive while the first one's probe is still running.
  EsxSim sim(kPassword, {"-login-delay", "300ms"});
  Checker checker;
  constexpr int kCallers = 8;
  std::vector<Result> results(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i)
    callers.emplace_back([&, i] {
      results[i] = checker.check(login_request(sim, kPassword), 10000ms, in(10000ms));
    });
  for (auto& t : callers) t.join();
  for (const Result& r : results) EXPECT_EQ(r.outcome, Outcome::LoginOk) << r.message;
  EXPECT_EQ(count_of(sim.calls(), "Login 200"), 1u);
  // An edited Secret (a new resourceVersion) is checked again at once.
  Request edited = login_request(sim, kPassword);
  edited.secret_version = "4712";
  EXPECT_EQ(checker.check(std::move(edited), 10000ms, in(10000ms)).outcome, Outcome::LoginOk);
  EXPECT_EQ(count_of(sim.calls(), "Login 200"), 2u);
}

TEST(VsphereSimTest, ACallerGivesUpAtItsDeadlineAndTheProbeFillsTheCache) {
  EsxSim sim(kPassword, {"-login-delay", "3s"});
  Checker checker;
  // The caller has 1.5 s (time enough for TLS and RetrieveServiceContent on a busy machine); the
  // probe it starts has 10 s, and the Login is answered after 3 s.
  const Result first = checker.check(login_request(sim, kPassword), 10000ms, in(1500ms));
  EXPECT_TRUE(first.provisional);
  EXPECT_EQ(first.outcome, Outcome::LoginError) << "the login had started: " << first.message;
  EXPECT_THAT(first.message, HasSubstr("no answer within"));
  for (int i = 0; i < 2000 && checker.in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(checker.in_flight(), 0u);
  const Result second = checker.check(login_request(sim, kPassword), 10000ms, in(300ms));
  EXPECT_FALSE(second.provisional);
  EXPECT_EQ(second.outcome, Outcome::LoginOk) << second.message;
  EXPECT_EQ(count_of(sim.calls(), "Login 200"), 1u) << "the second check came from the cache";
}

}  // namespace
}  // namespace hostadm::endpoint
