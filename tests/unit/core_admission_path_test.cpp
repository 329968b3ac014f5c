// admit() into an answer an earlier admission used, as each of the server's workers does: every
// answer reads as a fresh admission's, whatever came before it; and a reset request or Host is a
// default-constructed one.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "review_oracle.hpp"
#include "unit/testlib/fake_inventory.hpp"
#include "unit/testlib/host_cases.hpp"
#include "unit/testlib/source_file.hpp"
#include "webhook/core/admission_path.hpp"
#include "webhook/core/review_reader.hpp"

namespace hostadm::testing {
namespace {

struct Admission {
  std::string name;
  std::string body;
  const HostCase* row = nullptr;  // nullptr: the default policy over an empty inventory
};

const std::vector<HostCase>& rows() {
  static const std::vector<HostCase> all = host_cases();
  return all;
}

std::vector<Admission> admissions() {
  std::vector<Admission> out;
  for (const HostCase& c : rows()) out.push_back({c.name, c.review_text(), &c});
  for (const char* file :
       {"/bench/review3k.json", "/bench/review-apply.json", "/examples/reviews/delete.json",
        "/examples/reviews/update-adapter-ip-changed.json"})
    out.push_back({file, source_file(file)});
  out.push_back({"not JSON", "{\"request\":"});
  out.push_back({"no uid", R"({"request":{"object":{}}})"});
  out.push_back({"every field", R"({"request":{"uid":"u","operation":"UPDATE","dryRun":true,
      "name":"n","namespace":"ns","subResource":"s","userInfo":{"username":"alice"},
      "resource":{"group":"g","version":"v","resource":"hosts"},"kind":{"group":"g","version":"v","kind":"Host"},
      "object":{"metadata":{"name":"a","generateName":"g","namespace":"ns","deletionTimestamp":"t",
        "annotations":{"forklift.konveyor.io/network-adapter":"vmk0","x":1},
        "ownerReferences":[{"uid":"p","controller":true}]},
        "spec":{"id":7,"provider":{"name":"p","namespace":"n"},"secret":{"name":"s","namespace":"n"}}},
      "oldObject":{"metadata":{"name":"a"},"spec":{"id":"host-1"}}}})"});
  return out;
}

void expect_same(const AdmissionAnswer& reused, const AdmissionAnswer& fresh) {
  EXPECT_EQ(reused.status, fresh.status);
  EXPECT_STREQ(reused.content_type, fresh.content_type);
  EXPECT_EQ(reused.body, fresh.body);
  EXPECT_EQ(reused.outcome, fresh.outcome);
  EXPECT_EQ(reused.decoded, fresh.decoded);
  EXPECT_EQ(reused.in_scope, fresh.in_scope);
  EXPECT_EQ(reused.rules, fresh.rules);
  EXPECT_EQ(reused.problem, fresh.problem);
  EXPECT_EQ(reused.response.message, fresh.response.message);
  EXPECT_EQ(reused.response.warnings, fresh.response.warnings);
  EXPECT_EQ(request_difference(reused.request, fresh.request), "");
}

// Every row, bundled review and bad body, one after the other into one answer, forwards and
// backwards so each follows another: the same answer as a fresh admission of it.
TEST(AdmitIntoAnEarlierAnswer, AnswersAsAFreshAdmission) {
  const std::vector<Admission> all = admissions();
  const Policy default_policy;
  for (const Phase phase : {Phase::Mutate, Phase::Validate}) {
    AdmissionAnswer reused;
    for (const bool backwards : {false, true}) {
      for (size_t n = 0; n < all.size(); ++n) {
        const Admission& x = all[backwards ? all.size() - 1 - n : n];
        SCOPED_TRACE(x.name + (phase == Phase::Mutate ? " /mutate" : " /validate"));
        const Policy policy = x.row ? x.row->make_policy() : default_policy;
        FakeInventory for_reused = x.row ? x.row->make_inventory() : FakeInventory();
        FakeInventory for_fresh = x.row ? x.row->make_inventory() : FakeInventory();
        const MakeView view = [&]() -> std::unique_ptr<InventoryView> {
          return std::make_unique<FakeInventory>(for_reused);
        };
        admit(reused, x.body, phase, view, policy);
        expect_same(reused, admit(x.body, phase, for_fresh, policy));
      }
    }
  }
}

// Reset after reading a review that sets every field: nothing of it is left.
TEST(AdmissionRequestReset, LeavesADefaultConstructedRequest) {
  for (const Admission& x : admissions()) {
    SCOPED_TRACE(x.name);
    AdmissionRequest req;
    try {
      read_review(x.body, req);
    } catch (const std::exception&) {  // a body that is no review may have set some fields
    }
    req.reset();
    EXPECT_EQ(request_difference(req, AdmissionRequest()), "");
  }
}

}  // namespace
}  // namespace hostadm::testing
