// The audit's Lease against a real serve-kube, with clocks the test moves: who holds it, when
// another replica may take it, how long a leader whose renewals fail keeps leading, and the
// hand-back on a clean stop.
#include "server/kube_api_fixture.hpp"
#include "webhook/audit/leader_election.hpp"

namespace hostadm::servertest {
namespace {

namespace res = kube::resources;

class ManualClock : public Clock {
 public:
  SteadyClock::time_point now() const override { return now_; }
  void advance(std::chrono::seconds s) { now_ += s; }

 private:
  SteadyClock::time_point now_{};
};

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override { api_.add_namespace("demo"); }
  audit::LeaseConfig lease(const std::string& who) {
    audit::LeaseConfig c;
    c.ns = "demo";
    c.name = "host-webhook-audit";
    c.identity = who;
    return c;
  }
  json stored() {
    return client_
        .get(res::kLeases, "demo", "host-webhook-audit", std::chrono::steady_clock::now() + 10s)
        .object;
  }
  TempDir dir_;
  MockKubeApi api_{dir_, "lease-token"};
  kube::Client client_{api_.config()};
  ManualClock clock_a_, clock_b_;
};

TEST_F(LeaseTest, TheFirstTakesItAndTheOtherWaitsAWholeLeaseWithoutRenewals) {
  audit::LeaderElector a(client_, lease("a_1"), clock_a_);
  audit::LeaderElector b(client_, lease("b_2"), clock_b_);
  EXPECT_TRUE(a.try_acquire_or_renew());
  EXPECT_FALSE(b.try_acquire_or_renew());
  const json spec = stored()["spec"];
  EXPECT_EQ(spec["holderIdentity"], "a_1");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_TRUE(spec.contains("acquireTime") && spec.contains("renewTime")) << spec.dump();

  // a renews: each renewal starts b's wait again.
  clock_b_.advance(14s);
  EXPECT_FALSE(b.try_acquire_or_renew());
  EXPECT_TRUE(a.try_acquire_or_renew());
  clock_b_.advance(14s);
  EXPECT_FALSE(b.try_acquire_or_renew());
  // a stops renewing: 15 s of an unchanged record on b's clock and b takes over.
  clock_b_.advance(15s);
  EXPECT_TRUE(b.try_acquire_or_renew());
  EXPECT_EQ(stored()["spec"]["holderIdentity"], "b_2");
  EXPECT_EQ(stored()["spec"]["leaseTransitions"], 1);
  // a sees another holder: it stops leading at once.
  EXPECT_FALSE(a.try_acquire_or_renew());
  EXPECT_FALSE(a.leading());
}

TEST_F(LeaseTest, ALeaderWhoseRenewalsFailLeadsUntilTheRenewDeadline) {
  audit::LeaderElector a(client_, lease("a_1"), clock_a_);
  ASSERT_TRUE(a.try_acquire_or_renew());
  api_.faults({{"rules", {{{"resource", "leases"}, {"status", 503}}}}});
  clock_a_.advance(9s);
  EXPECT_TRUE(a.try_acquire_or_renew()) << "gave up before the renew deadline";
  clock_a_.advance(1s);
  EXPECT_FALSE(a.try_acquire_or_renew()) << "kept leading past the renew deadline";
  EXPECT_NE(a.last_error().find("503"), std::string::npos) << a.last_error();
  api_.faults(json::object());
  EXPECT_TRUE(a.try_acquire_or_renew()) << "its own record: taken back at once";
}

TEST_F(LeaseTest, AReleasedLeaseIsTakenAtOnce) {
  audit::LeaderElector a(client_, lease("a_1"), clock_a_);
  audit::LeaderElector b(client_, lease("b_2"), clock_b_);
  ASSERT_TRUE(a.try_acquire_or_renew());
  ASSERT_FALSE(b.try_acquire_or_renew());
  a.release();
  EXPECT_FALSE(a.leading());
  EXPECT_EQ(stored()["spec"]["holderIdentity"], "");
  EXPECT_TRUE(b.try_acquire_or_renew()) << "waited for a released lease";
}

// Two replicas that read the same record race for it: the resourceVersion lets one win.
TEST_F(LeaseTest, AStaleWriteLosesOnTheResourceVersion) {
  audit::LeaderElector a(client_, lease("a_1"), clock_a_);
  ASSERT_TRUE(a.try_acquire_or_renew());
  json stale = stored();
  ASSERT_TRUE(a.try_acquire_or_renew());  // a renews: the version moves on
  stale["spec"]["holderIdentity"] = "intruder";
  const auto r =
      client_.update(res::kLeases, "demo", stale, std::chrono::steady_clock::now() + 10s);
  EXPECT_TRUE(r.conflict()) << r.describe();
  EXPECT_EQ(stored()["spec"]["holderIdentity"], "a_1");
}

TEST(HolderIdentity, IsThePodNameAndARandomUuid) {
  const std::string a = audit::holder_identity("host-webhook-7d9f-x2");
  const std::string b = audit::holder_identity("host-webhook-7d9f-x2");
  EXPECT_EQ(a.rfind("host-webhook-7d9f-x2_", 0), 0u) << a;
  EXPECT_EQ(a.size(), std::string("host-webhook-7d9f-x2_").size() + 36) << a;
  EXPECT_NE(a, b);
  EXPECT_FALSE(audit::holder_identity(nullptr).empty());
}

}  // namespace
}  // namespace hostadm::servertest
