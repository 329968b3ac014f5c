// `replay` and the server are one admission path: for the same review, host-harness's pipeline
// (what `replay` and `test` run) and a real host-webhook over TLS answer /mutate with the same
// bytes. The reviews are the bundled ones, kubectl's and a GitOps tool's, and the ones the harness
// builds for every example Host manifest (admitted, denied, warned), all against the sample
// inventory and policy.
#include <algorithm>

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

TEST(SameAnswer, ReplayAndTheServerAnswerMutateWithTheSameBytes) {
  TempDir dir;
  const std::string inventory = kSource + "/examples/inventory.yaml";
  const std::string policy_file = kSource + "/examples/policy.yaml";
  Webhook hook(dir, {"--inventory-fixture", inventory, "--policy", policy_file});
  auto c = client_for(hook.port, hook.ca);
  const harness::Pipeline pipeline(std::make_shared<const Fixture>(load_fixture_file(inventory)),
                                   load_policy_file(policy_file));

  const std::vector<harness::InputDoc> docs = inputs();
  ASSERT_GE(docs.size(), 25u);
  int compared = 0, admitted = 0, denied = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    const harness::InputDoc& doc = docs[i];
    SCOPED_TRACE(doc.source());
    const int seq = static_cast<int>(i + 1);
    const harness::DocResult replayed = pipeline.run(doc, "", seq);
    ASSERT_FALSE(replayed.skipped) << replayed.skip_reason;
    ASSERT_FALSE(replayed.answer.empty()) << replayed.message;
    // What replay's pipeline gave its webhook call: the review itself, or the one it builds for
    // a Host (uid replay-SEQ), as bytes.
    const nlohmann::json review =
        harness::classify(doc.value) == harness::DocKind::Review
            ? doc.value
            : harness::host_review(doc.value, "", "replay-" + std::to_string(seq));
    const Answer served = post(*c, "/mutate?timeout=10s", harness::review_text(review));
    ASSERT_EQ(served.status, 200) << served.body;
    EXPECT_EQ(served.body, replayed.answer);
    ++compared;
    (served.allowed() ? admitted : denied) += 1;
  }
  // Both kinds of answer were compared, not only one.
  EXPECT_GE(admitted, 8);
  EXPECT_GE(denied, 10);
  EXPECT_EQ(compared, static_cast<int>(docs.size()));
}

}  // namespace
}  // namespace hostadm::servertest
