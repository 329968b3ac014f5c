// `replay` and the server are one admission path: for the same review, host-harness's pipeline
// (what `replay` and `test` run) and a real host-webhook over TLS answer /mutate with the same
// bytes. The reviews are the bundled ones, kubectl's and a GitOps tool's, and the ones the harness
// builds for every example Host manifest (admitted, denied, warned), all against the sample
// inventory and policy.
#include <algorithm>
#include <set>

#include "harness/pipeline.hpp"
#include "server/server_support.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::servertest {
namespace {

const std::string kSource = HOSTADM_SOURCE_DIR;

std::vector<harness::InputDoc> inputs() {
  return harness::read_documents({kSource + "/bench/review-apply.json",
                                  kSource + "/bench/review3k.json", kSource + "/examples/reviews",
                                  kSource + "/examples/hosts", kSource + "/examples/denied",
                                  kSource + "/examples/warn"});
}

struct Compared {
  int compared = 0, admitted = 0, denied = 0;
  std::set<std::string> rules;  // of the server's answers
};

// Every document through replay's pipeline and a host-webhook started on the same files.
Compared compare(const std::string& policy_file, const std::vector<harness::InputDoc>& docs) {
  TempDir dir;
  const std::string inventory = kSource + "/examples/inventory.yaml";
  Webhook hook(dir, {"--inventory-fixture", inventory, "--policy", policy_file});
  auto c = client_for(hook.port, hook.ca);
  const harness::Pipeline pipeline(std::make_shared<const Fixture>(load_fixture_file(inventory)),
                                   load_policy_file(policy_file));
  Compared out;
  for (size_t i = 0; i < docs.size(); ++i) {
    const harness::InputDoc& doc = docs[i];
    SCOPED_TRACE(doc.source());
    const int seq = static_cast<int>(i + 1);
    const harness::DocResult replayed = pipeline.run(doc, "", seq);
    EXPECT_FALSE(replayed.skipped) << replayed.skip_reason;
    EXPECT_FALSE(replayed.answer.empty()) << replayed.message;
    // What replay's pipeline gave its webhook call: the review itself, or the one it builds for
    // a Host (uid replay-SEQ), as bytes.
    const nlohmann::json review =
        harness::classify(doc.value) == harness::DocKind::Review
            ? doc.value
            : harness::host_review(doc.value, "", "replay-" + std::to_string(seq));
    const Answer served = post(*c, "/mutate?timeout=10s", harness::review_text(review));
    EXPECT_EQ(served.status, 200) << served.body;
    EXPECT_EQ(served.body, replayed.answer);
    ++out.compared;
    (served.allowed() ? out.admitted : out.denied) += 1;
    // The same bytes carry the same rules: the replayed ones say which.
    if (served.body == replayed.answer)
      out.rules.insert(replayed.rules.begin(), replayed.rules.end());
  }
  return out;
}

TEST(SameAnswer, ReplayAndTheServerAnswerMutateWithTheSameBytes) {
  const std::vector<harness::InputDoc> docs = inputs();
  ASSERT_GE(docs.size(), 25u);
  const Compared r = compare(kSource + "/examples/policy.yaml", docs);
  // Both kinds of answer were compared, not only one.
  EXPECT_GE(r.admitted, 8);
  EXPECT_GE(r.denied, 10);
  EXPECT_EQ(r.compared, static_cast<int>(docs.size()));
}

// CI parity for the standards: `replay --policy` with the standards example and the webhook with
// the same --policy refuse, warn and patch alike, rule by rule.
TEST(SameAnswer, StandardsPolicyGetsTheServersAnswer) {
  std::vector<harness::InputDoc> docs =
      harness::read_documents({kSource + "/examples/standards/production",
                               kSource + "/examples/standards/demo", kSource + "/examples/hosts"});
  ASSERT_GE(docs.size(), 15u);
  const Compared r = compare(kSource + "/examples/standards/policy.yaml", docs);
  EXPECT_EQ(r.compared, static_cast<int>(docs.size()));
  EXPECT_GE(r.admitted, 3);
  EXPECT_GE(r.denied, 4);
  for (const char* rule :
       {"address-not-allowed", "adapter-not-allowed", "provider-not-allowed", "secret-required"})
    EXPECT_TRUE(r.rules.count(rule)) << "no answer carried " << rule;
}

}  // namespace
}  // namespace hostadm::servertest
