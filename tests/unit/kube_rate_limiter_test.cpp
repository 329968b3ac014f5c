// The client-side rate limit's arithmetic, with time passed in: no clock, no sleeping.
#include "webhook/kube/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace hostadm::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyClock::time_point t0{seconds(1000)};
const Deadline kFar = t0 + seconds(3600);

TEST(TokenBucketTest, BurstGoesAtOnceThenOnePerInterval) {
  TokenBucket b(10, 3);  // 10/s: one token every 100 ms
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.reserve(t0, kFar), t0);
  EXPECT_EQ(b.reserve(t0, kFar), t0 + milliseconds(100));
  EXPECT_EQ(b.reserve(t0, kFar), t0 + milliseconds(200));
}

TEST(TokenBucketTest, WaitingPastTheDeadlineTakesNothing) {
  TokenBucket b(10, 1);
  EXPECT_EQ(b.reserve(t0, kFar), t0);
  // The next token comes at +100 ms: a call due at +50 ms is refused at once...
  EXPECT_FALSE(b.reserve(t0, t0 + milliseconds(50)));
  // ...and has not used it up: the next caller still gets +100 ms, not +200 ms.
  EXPECT_EQ(b.reserve(t0, kFar), t0 + milliseconds(100));
}

TEST(TokenBucketTest, RefillsWithTimeUpToTheBurst) {
  TokenBucket b(2, 4);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(b.reserve(t0, kFar), t0);
  const auto later = t0 + seconds(1);  // two tokens back
  EXPECT_EQ(b.reserve(later, kFar), later);
  EXPECT_EQ(b.reserve(later, kFar), later);
  EXPECT_EQ(b.reserve(later, kFar), later + milliseconds(500));
  const auto much_later = t0 + seconds(100);  // refilled to the burst, never beyond
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.reserve(much_later, kFar), much_later);
  EXPECT_EQ(b.reserve(much_later, kFar), much_later + milliseconds(500));
}

TEST(TokenBucketTest, QueuedCallersPayBackBeforeNewOnesGo) {
  TokenBucket b(10, 1);
  EXPECT_EQ(b.reserve(t0, kFar), t0);
  EXPECT_EQ(b.reserve(t0, kFar), t0 + milliseconds(100));
  EXPECT_EQ(b.reserve(t0, kFar), t0 + milliseconds(200));
  // 150 ms later one queued token is paid back; the next slot is still at +300 ms.
  EXPECT_EQ(b.reserve(t0 + milliseconds(150), kFar), t0 + milliseconds(300));
}

TEST(TokenBucketTest, ZeroQpsIsNoLimit) {
  TokenBucket b(0, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(b.reserve(t0, t0), t0);
}

}  // namespace
}  // namespace hostadm::kube
