// The audit's writes against a real serve-kube: reports created, left alone when nothing
// changed, updated through a conflict, taken over when someone else's has the name, never
// deleted after an incomplete list; Events once per finding, also across a restart.
#include "server/kube_api_fixture.hpp"
#include "webhook/audit/report_writer.hpp"

namespace hostadm::servertest {
namespace {

namespace res = kube::resources;
using audit::AuditResult;
using audit::Result;

kube::Deadline soon() {
  return std::chrono::steady_clock::now() + 10s;
}

audit::PassResult pass_of(std::vector<AuditResult> results) {
  audit::PassResult p;
  p.complete = true;
  for (const auto& r : results) p.namespaces.insert(r.host.ns);
  p.results = std::move(results);
  return p;
}

const AuditResult kGood{{"demo", "good", "uid-g"}, "admission", Result::Pass, "admitted"};
const AuditResult kOrphan{{"demo", "orphan", "uid-o"},
                          "provider-not-found",
                          Result::Fail,
                          "provider-not-found: provider demo/gone is not in the inventory"};
const AuditResult kProd{{"prod", "p1", "uid-p"}, "admission", Result::Pass, "admitted"};

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.add_namespace("demo");
    api_.add_namespace("prod");
  }
  std::optional<json> report(const std::string& ns) {
    auto r = client_.get(res::kPolicyReports, ns, "host-webhook", soon());
    if (!r.ok()) return std::nullopt;
    return r.object;
  }
  size_t events(const std::string& ns) {
    return client_.list(res::kEvents, ns, {}, soon()).object["items"].size();
  }
  TempDir dir_;
  MockKubeApi api_{dir_, "writer-token"};
  kube::Client client_{api_.config()};
  audit::ReportWriter writer_{client_, "replica-a_1"};
};

TEST_F(WriterTest, AReportPerNamespaceWrittenOnlyWhenItsResultsChange) {
  auto out = writer_.write(pass_of({kGood, kOrphan, kProd}), "", 100);
  EXPECT_TRUE(out.errors.empty()) << out.errors[0];
  EXPECT_EQ(out.created, 2);
  EXPECT_EQ((*report("demo"))["summary"]["fail"], 1);
  EXPECT_EQ((*report("prod"))["summary"]["pass"], 1);

  api_.reset_requests();
  out = writer_.write(pass_of({kGood, kOrphan, kProd}), "", 200);
  EXPECT_EQ(out.unchanged, 2);
  EXPECT_TRUE(api_.requests_of("update", "policyreports").empty());

  const std::string uid = (*report("demo"))["metadata"]["uid"];
  out = writer_.write(pass_of({kGood, kProd}), "", 300);
  EXPECT_EQ(out.updated, 1);
  EXPECT_EQ((*report("demo"))["summary"]["fail"], 0);
  EXPECT_EQ((*report("demo"))["metadata"]["uid"], uid);
}

TEST_F(WriterTest, AConflictReReadsTheReportOnce) {
  writer_.write(pass_of({kGood, kOrphan}), "", 100);
  api_.faults(
      {{"rules",
        {{{"verb", "update"}, {"resource", "policyreports"}, {"status", 409}, {"times", 1}}}}});
  const auto out = writer_.write(pass_of({kGood}), "", 200);
  EXPECT_TRUE(out.errors.empty()) << out.errors[0];
  EXPECT_EQ(out.updated, 1);
  EXPECT_EQ((*report("demo"))["summary"]["fail"], 0);
}

TEST_F(WriterTest, SomeoneElsesReportOfThatNameIsTakenOverInPlace) {
  client_.create(res::kPolicyReports, "demo",
                 {{"apiVersion", "wgpolicyk8s.io/v1alpha2"},
                  {"kind", "PolicyReport"},
                  {"metadata", {{"name", "host-webhook"}, {"namespace", "demo"}}},
                  {"results", json::array()}},
                 soon());
  const auto out = writer_.write(pass_of({kOrphan}), "", 100);
  EXPECT_TRUE(out.errors.empty()) << out.errors[0];
  EXPECT_EQ(out.updated, 1);
  EXPECT_EQ((*report("demo"))["summary"]["fail"], 1);
}

TEST_F(WriterTest, OnlyACompleteListDeletesAReport) {
  writer_.write(pass_of({kGood, kProd}), "", 100);
  audit::PassResult failed = pass_of({kGood});
  failed.complete = false;
  writer_.write(failed, "", 200);
  EXPECT_TRUE(report("prod").has_value());
  // A pass of one namespace leaves the others' reports alone.
  writer_.write(pass_of({kGood}), "demo", 300);
  EXPECT_TRUE(report("prod").has_value());
  const auto out = writer_.write(pass_of({kGood}), "", 400);
  EXPECT_EQ(out.deleted, 1);
  EXPECT_FALSE(report("prod").has_value());
}

TEST_F(WriterTest, AFindingGetsOneEventAlsoAfterARestart) {
  writer_.write(pass_of({kGood, kOrphan}), "", 100);
  writer_.write(pass_of({kGood, kOrphan}), "", 200);
  ASSERT_EQ(events("demo"), 1u);
  const json e = client_.list(res::kEvents, "demo", {}, soon()).object["items"][0];
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "provider-not-found");
  EXPECT_EQ(e["involvedObject"]["uid"], "uid-o");
  EXPECT_EQ(e["reportingInstance"], "replica-a_1");

  audit::ReportWriter restarted(client_, "replica-b_2");  // knows only the stored report
  restarted.write(pass_of({kGood, kOrphan}), "", 300);
  EXPECT_EQ(events("demo"), 1u);
  // Gone and back: a new finding.
  restarted.write(pass_of({kGood}), "", 400);
  restarted.write(pass_of({kGood, kOrphan}), "", 500);
  EXPECT_EQ(events("demo"), 2u);
}

TEST_F(WriterTest, AnInventoryOutageIsReportedButRaisesNoEvents) {
  const AuditResult down{{"demo", "good", "uid-g"},
                         "inventory-unavailable",
                         Result::Fail,
                         "inventory-unavailable: the Forklift inventory did not answer"};
  writer_.write(pass_of({down}), "", 100);
  EXPECT_EQ((*report("demo"))["summary"]["fail"], 1);
  EXPECT_EQ(events("demo"), 0u);
}

TEST_F(WriterTest, AFailedEventIsTriedAgainNextPass) {
  api_.faults({{"rules", {{{"verb", "create"}, {"resource", "events"}, {"status", 403}}}}});
  auto out = writer_.write(pass_of({kOrphan}), "", 100);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("Event on Host demo/orphan"), std::string::npos) << out.errors[0];
  api_.faults(json::object());
  out = writer_.write(pass_of({kOrphan}), "", 200);
  EXPECT_EQ(out.events, 1);
  EXPECT_EQ(events("demo"), 1u);
}

}  // namespace
}  // namespace hostadm::servertest
