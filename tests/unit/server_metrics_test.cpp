// The webhook's metrics: the admissions every worker counts in its own shard, each reaching
// /metrics once; the Kubernetes API client's, with bounded label values whatever it reports.
#include "webhook/server/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "webhook/core/rules.hpp"

namespace hostadm::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// More threads than shards, so some share one: every count arrives, and a second scrape adds
// only what came after the first.
TEST(AdmissionMetricsTest, CountsFromManyThreadsReachTheScrapeOnce) {
  Metrics m;
  const std::vector<std::string> rules = {std::string(rule::kVcenterCredentials)};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < ShardedCounts::kShards + 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        m.admission(Phase::Mutate, "CREATE", Outcome::Warned, rules, 0.0003);
    });
  for (auto& t : threads) t.join();
  const int n = static_cast<int>(ShardedCounts::kShards + 4) * 100;
  std::string text = m.serialize();
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(hostadm_admission_requests_total{operation="CREATE",verdict="warned",webhook="mutate"} )" +
          std::to_string(n) + "\n"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(hostadm_admission_rule_total{rule="vcenter-credentials",webhook="mutate"} )" +
                std::to_string(n) + "\n"));
  EXPECT_THAT(text, HasSubstr(R"(hostadm_admission_duration_seconds_count{webhook="mutate"} )" +
                              std::to_string(n) + "\n"));
  // 0.3 ms: above the 0.25 ms bucket, within the 0.5 ms one, as prometheus-cpp's Observe counts.
  EXPECT_THAT(
      text,
      HasSubstr(R"(hostadm_admission_duration_seconds_bucket{webhook="mutate",le="0.00025"} 0)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(hostadm_admission_duration_seconds_bucket{webhook="mutate",le="0.0005"} )" +
                std::to_string(n) + "\n"));
  EXPECT_THAT(text, HasSubstr(R"(hostadm_admission_duration_seconds_sum{webhook="mutate"} 0.6)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(hostadm_admission_requests_total{operation="CREATE",verdict="warned",webhook="validate"} 0)"));

  m.admission(Phase::Mutate, "CREATE", Outcome::Warned, rules, 2.0);
  text = m.serialize();
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(hostadm_admission_requests_total{operation="CREATE",verdict="warned",webhook="mutate"} )" +
          std::to_string(n + 1) + "\n"));
  EXPECT_THAT(text,
              HasSubstr(R"(hostadm_admission_duration_seconds_bucket{webhook="mutate",le="2.5"} )" +
                        std::to_string(n + 1) + "\n"));
  EXPECT_THAT(text,
              HasSubstr(R"(hostadm_admission_duration_seconds_bucket{webhook="mutate",le="1"} )" +
                        std::to_string(n) + "\n"));
}

// An admission may end on another thread than it began: the gauge is the sum over the shards.
TEST(AdmissionMetricsTest, InFlightCountsUpAndDownAcrossThreads) {
  Metrics m;
  m.in_flight(1);
  m.in_flight(1);
  EXPECT_THAT(m.serialize(), HasSubstr("hostadm_admission_in_flight 2\n"));
  std::thread([&] { m.in_flight(-1); }).join();
  EXPECT_THAT(m.serialize(), HasSubstr("hostadm_admission_in_flight 1\n"));
  std::thread([&] { m.in_flight(-1); }).join();
  EXPECT_THAT(m.serialize(), HasSubstr("hostadm_admission_in_flight 0\n"));
}

TEST(AdmissionMetricsTest, CacheLookupsByKindAndResult) {
  Metrics m;
  for (int i = 0; i < 3; ++i) m.cache("hosts", "hit");
  m.cache("providers", "miss");
  m.cache("hosts", "sideways");  // not a result: not counted anywhere
  const std::string text = m.serialize();
  EXPECT_THAT(text, HasSubstr(R"(hostadm_inventory_cache_total{kind="hosts",result="hit"} 3)"));
  EXPECT_THAT(text,
              HasSubstr(R"(hostadm_inventory_cache_total{kind="providers",result="miss"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(hostadm_inventory_cache_total{kind="hosts",result="miss"} 0)"));
  EXPECT_THAT(text, Not(HasSubstr("sideways")));
}

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
