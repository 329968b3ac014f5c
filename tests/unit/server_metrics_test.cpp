// The Kubernetes API client's metrics: bounded label values whatever the client reports.
#include "webhook/server/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostadm::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(KubeMetricsTest, RequestsByVerbResourceAndCode) {
  Metrics m;
  auto kube = m.kube();
  kube->request("get", "secrets", 403, 0.002);
  kube->request("get", "secrets", 403, 0.004);
  kube->request("list", "hosts", 200, 0.1);
  const std::string text = m.serialize();
  EXPECT_THAT(
      text,
      HasSubstr(R"(hostadm_kube_api_requests_total{code="403",resource="secrets",verb="get"} 2)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(hostadm_kube_api_requests_total{code="200",resource="hosts",verb="list"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(hostadm_kube_api_request_duration_seconds_count{resource="secrets",verb="get"} 2)"));
}

TEST(KubeMetricsTest, ValuesOutsideTheSetsAreFolded) {
  Metrics m;
  auto kube = m.kube();
  kube->request("get", "widgets.example.com", 200, 0);  // a resource not listed
  kube->request("get", "secrets", 0, 0);                // no answer
  kube->request("get", "secrets", 418, 0);              // a code not listed
  kube->request("escalate", "secrets", 200, 0);         // not a verb the client speaks
  kube->watch_restart("hosts", "expired");
  kube->watch_restart("hosts", "expired");
  const std::string text = m.serialize();
  EXPECT_THAT(text, HasSubstr(R"({code="200",resource="other",verb="get"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"({code="error",resource="secrets",verb="get"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"({code="other",resource="secrets",verb="get"} 1)"));
  EXPECT_THAT(text, Not(HasSubstr("escalate")));
  EXPECT_THAT(text, Not(HasSubstr("widgets")));
  EXPECT_THAT(text, HasSubstr(R"(hostadm_kube_watch_restarts_total{resource="hosts"} 2)"));
}

}  // namespace
}  // namespace hostadm::server
