// The audit's results and PolicyReports from the core's verdict on a stored Host.
#include <gtest/gtest.h>

#include "unit/testlib/fake_inventory.hpp"
#include "unit/testlib/host_case.hpp"
#include "webhook/audit/audit_pass.hpp"
#include "webhook/audit/report.hpp"
#include "webhook/audit/report_writer.hpp"

namespace hostadm::testing {
namespace {

using audit::AuditResult;
using audit::Result;

std::vector<AuditResult> audited(json host) {
  host["metadata"]["uid"] = "uid-" + host["metadata"].value("name", "");
  FakeInventory inv = standard_inventory();
  return audit::audit_host(host, inv, Policy(), nullptr);
}

TEST(AuditHost, AHostWithoutFindingsIsOnePassOfTheAdmissionRule) {
  const auto results = audited(stored_host());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].rule, "admission");
  EXPECT_EQ(results[0].result, Result::Pass);
  EXPECT_EQ(results[0].host.ns, "demo");
  EXPECT_EQ(results[0].host.name, "host-10-4a5e");
  EXPECT_EQ(results[0].host.uid, "uid-host-10-4a5e");
}

// The webhook keeps a stored Host whose provider went away (a warning on a relabelling); the
// audit says that a new Host like it would be refused.
TEST(AuditHost, ADenialTheUnchangedUpdateKeepsIsAFailure) {
  const auto results =
      audited(host_with({{"spec", {{"provider", {{"name", "deleted-provider"}}}}}}));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].rule, "provider-not-found");
  EXPECT_EQ(results[0].result, Result::Fail);
  EXPECT_NE(results[0].message.find("provider-not-found"), std::string::npos);
}

TEST(AuditHost, AWarningIsAWarn) {
  // host-18 is red in the inventory: admitted with a warning.
  const auto results = audited(host_with(
      {{"spec",
        {{"id", "host-18"}, {"name", "esxi-red.example.com"}, {"ipAddress", "192.168.1.18"}}}}));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].rule, "host-status-not-green");
  EXPECT_EQ(results[0].result, Result::Warn);
}

TEST(AuditHost, AHostBeingDeletedIsNotAudited) {
  json h = host_with({{"spec", {{"provider", {{"name", "deleted-provider"}}}}}});
  h["metadata"]["deletionTimestamp"] = "2026-12-07T03:00:00Z";
  EXPECT_TRUE(audited(h).empty());
}

TEST(AuditHost, AHostInAnOffNamespaceIsNotAudited) {
  const Policy policy =
      parse_policy(json::parse(R"({"namespaces":[{"match":"demo","mode":"off"}]})"));
  FakeInventory inv = standard_inventory();
  EXPECT_TRUE(audit::audit_host(host_with({{"spec", {{"provider", {{"name", "gone"}}}}}}), inv,
                                policy, nullptr)
                  .empty());
}

std::vector<AuditResult> sample() {
  return {{{"demo", "b", "uid-b"}, "provider-not-found", Result::Fail, "provider-not-found: x"},
          {{"demo", "a", "uid-a"}, "admission", Result::Pass, "admitted without findings"},
          {{"demo", "b", "uid-b"}, "host-status-not-green", Result::Warn, "host-status: y"},
          {{"prod", "c", "uid-c"}, "admission", Result::Pass, "admitted without findings"}};
}

TEST(PolicyReport, OneReportPerNamespaceWithItsCountsAndResources) {
  const audit::ByNamespace grouped = audit::by_namespace(sample());
  ASSERT_EQ(grouped.size(), 2u);
  const json report = audit::policy_report("demo", grouped.at("demo"), 1'765'000'000);
  EXPECT_EQ(report["apiVersion"], "wgpolicyk8s.io/v1alpha2");
  EXPECT_EQ(report["kind"], "PolicyReport");
  EXPECT_EQ(report["metadata"]["name"], "host-webhook");
  EXPECT_EQ(report["metadata"]["namespace"], "demo");
  EXPECT_EQ(report["metadata"]["labels"]["app.kubernetes.io/managed-by"], "host-webhook");
  EXPECT_EQ(report["summary"],
            (json{{"pass", 1}, {"fail", 1}, {"warn", 1}, {"error", 0}, {"skip", 0}}));
  ASSERT_EQ(report["results"].size(), 3u);
  const json& first = report["results"][0];  // Host a first
  EXPECT_EQ(first["policy"], "host-webhook");
  EXPECT_EQ(first["rule"], "admission");
  EXPECT_EQ(first["result"], "pass");
  EXPECT_EQ(first["resources"], json::parse(R"([{"apiVersion":"forklift.konveyor.io/v1beta1",
      "kind":"Host","name":"a","namespace":"demo","uid":"uid-a"}])"));
  EXPECT_EQ(report["results"][1]["result"], "fail");
  EXPECT_EQ(report["results"][1]["message"], "provider-not-found: x");
}

// After a restart the stored report says which findings already had their Event.
TEST(PolicyReport, ItsFindingsReadBackAreThePassFindings) {
  const auto results = sample();
  const audit::ByNamespace grouped = audit::by_namespace(results);
  std::set<audit::FindingKey> read;
  for (const auto& [ns, list] : grouped)
    read.merge(audit::findings_in_report(audit::policy_report(ns, list, 1)));
  const std::set<audit::FindingKey> expected = {{"demo", "b", "provider-not-found"},
                                                {"demo", "b", "host-status-not-green"}};
  EXPECT_EQ(read, expected);
  EXPECT_EQ(audit::findings_of(results), expected);
  EXPECT_TRUE(audit::findings_in_report(json("not a report")).empty());
}

// An unchanged namespace costs no write: only the timestamps differ from one pass to the next.
TEST(PolicyReport, TwoPassesWithTheSameResultsAreTheSameReport) {
  const auto demo = audit::by_namespace(sample()).at("demo");
  json stored = audit::policy_report("demo", demo, 100);
  stored["metadata"]["resourceVersion"] = "7";
  EXPECT_TRUE(audit::same_report(stored, audit::policy_report("demo", demo, 200)));
  auto fixed = demo;
  fixed.erase(fixed.begin() + 1);
  EXPECT_FALSE(audit::same_report(stored, audit::policy_report("demo", fixed, 200)));
}

TEST(PolicyReport, TimesAreWrittenInUtc) {
  EXPECT_EQ(audit::rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(audit::rfc3339(1'796'440'456), "2026-12-05T03:14:16Z");
}

}  // namespace
}  // namespace hostadm::testing
