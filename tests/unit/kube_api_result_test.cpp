// A failed answer read as client-go reads it: the API server's Status when the body is one, a
// reason and message made from the code when it is not (a proxy's page, a plain-text 429).
#include "webhook/kube/api_result.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostadm::kube {
namespace {

using ::testing::HasSubstr;

TEST(ApiResultTest, ReadsTheApiServersStatus) {
  const Status s = status_from_answer(
      404,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"hosts.forklift.konveyor.io \"h\" not found","reason":"NotFound","details":{"name":"h","group":"forklift.konveyor.io","kind":"hosts"},"code":404})",
      Verb::Get, "get hosts demo/h");
  EXPECT_EQ(s.code, 404);
  EXPECT_EQ(s.reason, "NotFound");
  EXPECT_EQ(s.message, "hosts.forklift.konveyor.io \"h\" not found");
  EXPECT_EQ(s.name, "h");
  EXPECT_EQ(s.group, "forklift.konveyor.io");
  EXPECT_EQ(s.kind, "hosts");
}

TEST(ApiResultTest, RetryAfterSecondsComeFromDetails) {
  const Status s = status_from_answer(
      429,
      R"({"kind":"Status","status":"Failure","message":"m","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429})",
      Verb::Create, "");
  EXPECT_EQ(s.retry_after_seconds, 3);
}

TEST(ApiResultTest, PlainTextAnswersGetClientGosReasons) {
  Status s = status_from_answer(429, "Too many requests, please try again later.\n", Verb::Get,
                                "get secrets demo/x");
  EXPECT_EQ(s.reason, "TooManyRequests");
  EXPECT_EQ(s.code, 429);
  EXPECT_THAT(s.message, HasSubstr("(get secrets demo/x)"));
  EXPECT_EQ(status_from_answer(409, "", Verb::Create, "").reason, "AlreadyExists");
  EXPECT_EQ(status_from_answer(409, "", Verb::Update, "").reason, "Conflict");
  EXPECT_EQ(status_from_answer(504, "", Verb::Get, "").reason, "Timeout");
  s = status_from_answer(502, "<html>bad gateway</html>", Verb::Get, "");
  EXPECT_EQ(s.reason, "InternalError");
  EXPECT_THAT(s.message, HasSubstr("<html>bad gateway</html>"));
}

TEST(ApiResultTest, ServerTextIsClipped) {
  const Status s = status_from_answer(500, std::string(10000, 'x'), Verb::Get, "");
  EXPECT_LT(s.message.size(), 400u);
}

TEST(ApiResultTest, DescribeSaysCodeReasonAndMessage) {
  Result r;
  r.code = 403;
  r.status.reason = "Forbidden";
  r.status.message = "secrets \"x\" is forbidden";
  EXPECT_EQ(r.describe(), "403 Forbidden: secrets \"x\" is forbidden");
  EXPECT_TRUE(r.is("Forbidden"));
  Result none;
  none.error = "cannot connect";
  EXPECT_EQ(none.describe(), "cannot connect");
  EXPECT_FALSE(none.answered());
}

}  // namespace
}  // namespace hostadm::kube
