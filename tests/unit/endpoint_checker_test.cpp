// The endpoint check's cache: one probe per key however many admissions ask at once, a caller
// that waits no longer than its own deadline or budget, results kept for their TTL (a success
// longer than a failure), keys that tell Secrets apart without holding credentials, a bound on
// probes in flight, and a checker that does not outlive its probes. A fake prober that waits on
// a gate and a fake clock drive it; no sockets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "webhook/endpoint/checker.hpp"

namespace hostadm::endpoint {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;

// Answers `outcome` once the gate opens (or its deadline passes), after moving to `stage`.
class GatedProber : public Prober {
 public:
  Result run(const Request& request, Deadline deadline, Progress& progress) override {
    std::unique_lock<std::mutex> lk(mu_);
    ++runs_;
    deadlines_.push_back(deadline);
    passwords_.push_back(request.credentials.password);
    progress.stage = stage_;
    if (throws_) throw std::runtime_error("boom");
    Result r;
    r.outcome = cv_.wait_until(lk, deadline, [&] { return open_; }) ? outcome_ : Outcome::Timeout;
    r.message = "probed " + request.address;
    return r;
  }
  void open() {
    std::lock_guard<std::mutex> lk(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void answer(Outcome outcome, Stage stage = Stage::Connect) {
    std::lock_guard<std::mutex> lk(mu_);
    outcome_ = outcome;
    stage_ = stage;
  }
  void throw_instead() { throws_ = true; }
  int runs() {
    std::lock_guard<std::mutex> lk(mu_);
    return runs_;
  }
  Deadline deadline(size_t i) {
    std::lock_guard<std::mutex> lk(mu_);
    return deadlines_.at(i);
  }
  std::string password(size_t i) {
    std::lock_guard<std::mutex> lk(mu_);
    return passwords_.at(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  bool throws_ = false;
  Outcome outcome_ = Outcome::ReachOk;
  Stage stage_ = Stage::Connect;
  int runs_ = 0;
  std::vector<Deadline> deadlines_;
  std::vector<std::string> passwords_;
};

class FakeClock : public Clock {
 public:
  SteadyClock::time_point now() const override { return base_ + offset_.load(); }
  void advance(SteadyClock::duration d) { offset_ = offset_.load() + d; }

 private:
  SteadyClock::time_point base_ = SteadyClock::now();
  std::atomic<SteadyClock::duration> offset_{SteadyClock::duration::zero()};
};

class CountingObserver : public Observer {
 public:
  void probed(Outcome outcome, double) override {
    std::lock_guard<std::mutex> lk(mu_);
    ++probed_[outcome_name(outcome)];
  }
  void looked_up(const char* result) override {
    std::lock_guard<std::mutex> lk(mu_);
    ++looked_up_[result];
  }
  int probes(const std::string& outcome) {
    std::lock_guard<std::mutex> lk(mu_);
    return probed_[outcome];
  }
  int lookups(const std::string& result) {
    std::lock_guard<std::mutex> lk(mu_);
    return looked_up_[result];
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> probed_, looked_up_;
};

Request reach(const std::string& thumbprint = "AA:BB") {
  Request r;
  r.address = "127.0.0.1";
  r.expected_thumbprint = thumbprint;
  return r;
}

Request login_as(const std::string& version, const std::string& password) {
  Request r = reach();
  r.mode = Mode::Login;
  r.secret = "vmware/esx-credentials";
  r.secret_version = version;
  r.credentials = Credentials("root", password);
  return r;
}

Deadline in(SteadyClock::duration d) {
  return SteadyClock::now() + d;
}

struct Fixture {
  std::shared_ptr<GatedProber> prober = std::make_shared<GatedProber>();
  std::shared_ptr<CountingObserver> observer = std::make_shared<CountingObserver>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::unique_ptr<Checker> checker;

  explicit Fixture(CheckerConfig config = {}) {
    checker = std::make_unique<Checker>(config, prober, observer, clock);
  }
  Result check(Request request, std::chrono::milliseconds budget = 10000ms,
               SteadyClock::duration wait = 10s) {
    return checker->check(std::move(request), budget, in(wait));
  }
  void wait_idle() {
    for (int i = 0; i < 2000 && checker->in_flight() > 0; ++i) std::this_thread::sleep_for(5ms);
    ASSERT_EQ(checker->in_flight(), 0u);
  }
};

TEST(CheckerTest, ConcurrentChecksOfOneKeyShareOneProbe) {
  Fixture f;
  constexpr int kCallers = 16;
  std::vector<Result> results(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i)
    callers.emplace_back([&, i] { results[i] = f.check(reach()); });
  while (f.prober->runs() == 0) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);  // let the others reach the flight
  f.prober->open();
  for (auto& t : callers) t.join();
  EXPECT_EQ(f.prober->runs(), 1);
  for (const Result& r : results) {
    EXPECT_EQ(r.outcome, Outcome::ReachOk);
    EXPECT_FALSE(r.provisional);
  }
  EXPECT_EQ(f.observer->lookups("miss"), 1);
  EXPECT_EQ(f.observer->lookups("shared") + f.observer->lookups("hit"), kCallers - 1);
  EXPECT_EQ(f.observer->probes("reach_ok"), 1);
}

TEST(CheckerTest, ACallerStopsWaitingAtItsDeadlineAndTheProbeFillsTheCache) {
  Fixture f;
  const Result first = f.check(reach(), 10000ms, 30ms);
  EXPECT_TRUE(first.provisional);
  EXPECT_EQ(first.outcome, Outcome::Timeout);
  EXPECT_THAT(first.message, HasSubstr("no TCP connection to 127.0.0.1:443"));
  EXPECT_THAT(first.message, HasSubstr("goes on in the background"));
  EXPECT_EQ(f.observer->lookups("gave_up"), 1);
  // Not cached: another check joins the running probe rather than taking the provisional answer.
  const Result second = f.check(reach(), 10000ms, 30ms);
  EXPECT_TRUE(second.provisional);
  EXPECT_EQ(f.prober->runs(), 1);
  f.prober->open();
  f.wait_idle();
  const Result third = f.check(reach(), 10000ms, 30ms);
  EXPECT_FALSE(third.provisional);
  EXPECT_EQ(third.outcome, Outcome::ReachOk);
  EXPECT_EQ(f.observer->lookups("hit"), 1);
  EXPECT_EQ(f.prober->runs(), 1);
}

TEST(CheckerTest, AProvisionalAnswerSaysHowFarTheProbeGot) {
  Fixture f;
  // Each probe is started by a check that gives up at once; once the prober has run (and set
  // its stage), a second check of the key joins it and gives up too, reading the stage.
  auto started = [&](Request request, int runs) {
    f.check(request, 10000ms, 0ms);
    while (f.prober->runs() < runs) std::this_thread::sleep_for(1ms);
  };
  EXPECT_EQ(f.check(reach("10"), 10000ms, 0ms).message.find("no TCP connection to 127.0.0.1:443"),
            0u);
  f.prober->answer(Outcome::ReachOk, Stage::Handshake);
  started(reach("11"), 2);
  const Result tls = f.check(reach("11"), 10000ms, 20ms);
  EXPECT_EQ(tls.outcome, Outcome::Timeout);
  EXPECT_THAT(tls.message, HasSubstr("TCP to 127.0.0.1:443 is up, but TLS did not finish"));
  f.prober->answer(Outcome::LoginOk, Stage::Login);
  started(login_as("1", "pw"), 3);
  const Result login = f.check(login_as("1", "pw"), 10000ms, 20ms);
  EXPECT_EQ(login.outcome, Outcome::LoginError);
  EXPECT_STREQ(rule_for(login.outcome), "endpoint-login-failed");
  EXPECT_THAT(login.message, HasSubstr("vSphere Login to https://127.0.0.1/sdk: no answer"));
  f.prober->open();
}

TEST(CheckerTest, TheBudgetBoundsTheWaitAndTheProbe) {
  Fixture f;
  const auto before = SteadyClock::now();
  const Result r = f.check(reach(), 40ms, 10s);
  const auto after = SteadyClock::now();
  // The caller's wait and the probe end at the same moment: either may answer, both time out.
  EXPECT_EQ(r.outcome, Outcome::Timeout);
  EXPECT_GE(after - before, 40ms) << "waited less than the budget";
  EXPECT_GE(f.prober->deadline(0), before + 40ms);
  EXPECT_LE(f.prober->deadline(0), after + 40ms) << "the probe runs for the budget, not longer";
  f.wait_idle();  // the gate never opens: the probe ends at its own deadline
}

TEST(CheckerTest, ASuccessIsKeptForTheTtlAndAFailureForTheNegativeTtl) {
  CheckerConfig config;
  config.ttl = 300s;
  config.negative_ttl = 30s;
  Fixture f(config);
  f.prober->open();
  ASSERT_EQ(f.check(reach()).outcome, Outcome::ReachOk);
  f.clock->advance(299s);
  EXPECT_EQ(f.check(reach()).outcome, Outcome::ReachOk);
  EXPECT_EQ(f.prober->runs(), 1);
  f.clock->advance(1s);
  f.prober->answer(Outcome::Refused);
  EXPECT_EQ(f.check(reach()).outcome, Outcome::Refused);
  EXPECT_EQ(f.prober->runs(), 2);
  f.clock->advance(29s);
  EXPECT_EQ(f.check(reach()).outcome, Outcome::Refused);
  EXPECT_EQ(f.prober->runs(), 2);
  f.clock->advance(1s);
  f.prober->answer(Outcome::ReachOk);
  EXPECT_EQ(f.check(reach()).outcome, Outcome::ReachOk);
  EXPECT_EQ(f.prober->runs(), 3);
}

TEST(CheckerTest, TheKeyTellsEndpointsPinsModesAndSecretVersionsApart) {
  Fixture f;
  f.prober->open();
  f.check(reach("AA:BB"));
  f.check(reach("aabb"));  // the same pin written another way
  EXPECT_EQ(f.prober->runs(), 1);
  f.check(reach("AA:BC"));
  EXPECT_EQ(f.prober->runs(), 2);
  Request other_port = reach();
  other_port.port = 8443;
  f.check(other_port);
  EXPECT_EQ(f.prober->runs(), 3);
  f.check(login_as("1", "first"));
  EXPECT_EQ(f.prober->runs(), 4);
  f.check(login_as("1", "first"));
  EXPECT_EQ(f.prober->runs(), 4);
  f.check(login_as("2", "second"));  // the Secret was edited
  EXPECT_EQ(f.prober->runs(), 5);
  EXPECT_EQ(f.prober->password(4), "second");
}

TEST(CheckerTest, TheKeyHoldsNoCredential) {
  const std::string key = cache_key(login_as("4711", "hunter2-password"));
  EXPECT_THAT(key, HasSubstr("4711"));
  EXPECT_THAT(key, HasSubstr("vmware/esx-credentials"));
  EXPECT_THAT(key, Not(HasSubstr("hunter2")));
  EXPECT_THAT(key, Not(HasSubstr("root")));
  EXPECT_EQ(cache_key(login_as("1", "a")), cache_key(login_as("1", "b")));
  EXPECT_NE(cache_key(login_as("1", "a")), cache_key(login_as("2", "a")));
}

TEST(CheckerTest, ChecksPastTheInFlightBoundAreSkippedNotQueued) {
  CheckerConfig config;
  config.max_in_flight = 2;
  Fixture f(config);
  f.check(reach("01"), 10000ms, 10ms);
  f.check(reach("02"), 10000ms, 10ms);
  const Result r = f.check(reach("03"), 10000ms, 10s);
  EXPECT_EQ(r.outcome, Outcome::Skipped);
  EXPECT_EQ(rule_for(r.outcome), nullptr);
  EXPECT_THAT(r.message, HasSubstr("2 endpoint checks are already running"));
  EXPECT_EQ(f.observer->lookups("skipped"), 1);
  EXPECT_EQ(f.prober->runs(), 2);
  f.prober->open();
  f.wait_idle();
  EXPECT_EQ(f.check(reach("03")).outcome, Outcome::ReachOk);
}

TEST(CheckerTest, DestroyingTheCheckerWaitsForItsProbes) {
  Fixture f;
  f.check(reach(), 10000ms, 10ms);
  std::atomic<bool> destroyed{false};
  std::thread destroyer([&] {
    f.checker.reset();
    destroyed = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(destroyed) << "the checker went away while its probe was running";
  f.prober->open();
  destroyer.join();
  EXPECT_TRUE(destroyed);
}

TEST(CheckerTest, AProberThatThrowsGivesAnAnswerNotACrash) {
  Fixture f;
  f.prober->throw_instead();
  const Result r = f.check(reach());
  EXPECT_EQ(r.outcome, Outcome::Unreachable);
  EXPECT_THAT(r.message, HasSubstr("endpoint check of 127.0.0.1 failed: boom"));
}

}  // namespace
}  // namespace hostadm::endpoint
