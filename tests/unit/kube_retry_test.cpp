// When a Kubernetes API call is tried again, and after how long.
#include "webhook/kube/retry.hpp"

#include <gtest/gtest.h>

namespace hostadm::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BackoffTest, DoublesFromTheInitialDelayUpToTheCap) {
  const BackoffPolicy p{milliseconds(100), 2.0, milliseconds(1000), 0.2};
  // random01 = 0.5: no spread.
  EXPECT_EQ(backoff_delay(p, 0, 0.5), milliseconds(100));
  EXPECT_EQ(backoff_delay(p, 1, 0.5), milliseconds(200));
  EXPECT_EQ(backoff_delay(p, 3, 0.5), milliseconds(800));
  EXPECT_EQ(backoff_delay(p, 4, 0.5), milliseconds(1000));
  EXPECT_EQ(backoff_delay(p, 60, 0.5), milliseconds(1000));  // no overflow
}

TEST(BackoffTest, JitterSpreadsWithinItsFraction) {
  const BackoffPolicy p{milliseconds(1000), 2.0, milliseconds(30000), 0.2};
  EXPECT_EQ(backoff_delay(p, 0, 0.0), milliseconds(800));
  EXPECT_EQ(backoff_delay(p, 0, 0.75), milliseconds(1100));
  EXPECT_EQ(backoff_delay(p, 5, 1.0), milliseconds(36000));  // the cap, spread upward
}

TEST(RetryAfterTest, ReadsWholeSecondsOnly) {
  EXPECT_EQ(parse_retry_after("1"), seconds(1));
  EXPECT_EQ(parse_retry_after(" 30 "), seconds(30));
  EXPECT_EQ(parse_retry_after("0"), seconds(0));
  EXPECT_EQ(parse_retry_after("999999"), seconds(3600));
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after("1.5"));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(RetryTest, TooManyRequestsIsRetriedForEveryVerb) {
  for (Verb v : {Verb::Get, Verb::List, Verb::Create, Verb::Update, Verb::Patch, Verb::Delete})
    EXPECT_TRUE(retryable_answer(v, 429, false)) << to_string(v);
}

TEST(RetryTest, ServerErrorsAreRetriedForIdempotentVerbsOrWhenAsked) {
  for (int code : {500, 502, 503, 504}) {
    EXPECT_TRUE(retryable_answer(Verb::Get, code, false));
    EXPECT_TRUE(retryable_answer(Verb::List, code, false));
    EXPECT_TRUE(retryable_answer(Verb::Update, code, false));
    EXPECT_TRUE(retryable_answer(Verb::Delete, code, false));
    // A create or a patch may have been applied before the error...
    EXPECT_FALSE(retryable_answer(Verb::Create, code, false));
    EXPECT_FALSE(retryable_answer(Verb::Patch, code, false));
    // ...unless the server says to come back.
    EXPECT_TRUE(retryable_answer(Verb::Create, code, true));
    EXPECT_TRUE(retryable_answer(Verb::Patch, code, true));
  }
}

TEST(RetryTest, ClientErrorsAreAnswers) {
  for (int code : {400, 401, 403, 404, 409, 410, 422})
    EXPECT_FALSE(retryable_answer(Verb::Get, code, true)) << code;
  EXPECT_FALSE(retryable_answer(Verb::Get, 200, false));
}

TEST(RetryTest, StaleConnectionsResendOnlyWhatCannotApplyTwice) {
  EXPECT_TRUE(retryable_stale_connection(Verb::Get, false));
  EXPECT_TRUE(retryable_stale_connection(Verb::Create, true));
  EXPECT_FALSE(retryable_stale_connection(Verb::Create, false));
  EXPECT_FALSE(retryable_stale_connection(Verb::Patch, false));
}

}  // namespace
}  // namespace hostadm::kube
