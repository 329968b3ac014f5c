// AdmissionReview bytes -> admit() in both phases over the sample inventory: the whole path a
// request takes through the webhook, minus HTTP, and the one the harness takes too.
// Differential: the reader (simdjson straight into AdmissionRequest) must read every body the
// nlohmann reference (tests/review_oracle.hpp) reads exactly as it does, refuse what it refuses,
// and refuse more only for the numbers simdjson cannot hold.
// Besides "no crash, no 500", it checks the properties on every admitted Host: the uid is
// echoed, /validate never patches, /mutate is idempotent on its own output, and /validate admits
// what /mutate admitted.
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/fuzz/fuzz_common.hpp"
#include "tests/review_oracle.hpp"
#include "webhook/core/admission_path.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/core/review_reader.hpp"
#include "webhook/core/yaml.hpp"

using nlohmann::json;
namespace fz = hostadm::fuzz;

namespace {

std::shared_ptr<const hostadm::Fixture> g_fixture;
hostadm::Policy g_policy;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fz::fail("init", "cannot read " + path + " (set HOSTADM_SOURCE_DIR to the repo root)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string source_dir() {
  const char* env = std::getenv("HOSTADM_SOURCE_DIR");
  return env && *env ? env : HOSTADM_SOURCE_DIR;
}

hostadm::AdmissionAnswer admit(std::string_view body, hostadm::Phase phase) {
  hostadm::FixtureInventory inventory(g_fixture);
  return hostadm::admit(body, phase, inventory, g_policy);
}

// An answer the apiserver can use: a review that echoes the uid, a 400 or 503 with a JSON body.
// A 500, or an answer that is not JSON, is a user's unexplained failure.
void check_answer(const hostadm::AdmissionAnswer& a, const char* where) {
  if (a.outcome == hostadm::Outcome::Error) fz::fail(where, "internal error: " + a.problem);
  const json body = json::parse(a.body, nullptr, false);
  if (body.is_discarded()) fz::fail(where, "the answer is not JSON");
  if (a.status != 200) return;
  const json* uid = body.contains("response") ? &body["response"]["uid"] : nullptr;
  if (!uid || !uid->is_string() || uid->get<std::string>() != a.request.uid)
    fz::fail(where, "the answer does not echo the request uid");
}

// The reader against the reference, for a body nlohmann can parse.
void check_reader(std::string_view text, const hostadm::AdmissionAnswer& m) {
  json review;
  try {
    review = hostadm::parse_json_bounded(text);
  } catch (const std::exception&) {
    if (m.decoded) fz::fail("read_review", "read a body the reference refuses as JSON");
    return;
  }
  hostadm::AdmissionRequest expected;
  try {
    // admit() keeps only the annotation the policy's rules read.
    expected = hostadm::testing::oracle_request(review, g_policy.adapter_annotation);
  } catch (const hostadm::ReviewError& e) {
    if (m.decoded)
      fz::fail("read_review", "read a body the reference refuses: " + std::string(e.what()));
    return;
  }
  if (!m.decoded) {
    // The one refusal of its own: an integer beyond 64 bits, which simdjson cannot hold.
    if (m.body.find("JSON simdjson cannot read") == std::string::npos)
      fz::fail("read_review", "refused a review the reference reads: " + m.body);
    return;
  }
  if (auto d = hostadm::testing::request_difference(m.request, expected); !d.empty())
    fz::fail("read_review", "reads " + d + " unlike the reference");
}

// The object /mutate's patch leaves, in the review the apiserver would send next.
std::string patched_review(std::string_view text, const hostadm::AdmissionAnswer& m) {
  json review = json::parse(text);
  json& object = review["request"]["object"];
  try {
    object = object.patch(m.response.patch.to_json());
  } catch (const std::exception& e) {
    fz::fail("patch", std::string("the mutating patch does not apply: ") + e.what());
  }
  return review.dump();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fz::no_throw("init", [] {
    auto docs = hostadm::parse_yaml_stream(read_file(source_dir() + "/examples/inventory.yaml"));
    g_fixture = std::make_shared<hostadm::Fixture>(hostadm::parse_fixture(docs.at(0).value));
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fz::as_text(data, size);
  const hostadm::AdmissionAnswer mutated = admit(text, hostadm::Phase::Mutate);
  const hostadm::AdmissionAnswer validated = admit(text, hostadm::Phase::Validate);
  check_answer(mutated, "admit(mutate)");
  check_answer(validated, "admit(validate)");
  if (!validated.response.patch.empty()) fz::fail("admit(validate)", "validate returned a patch");
  check_reader(text, mutated);

  // Properties only make sense for an admitted Host with a patched object to feed back (the
  // default policy enforces everywhere, so validate must admit it).
  if (mutated.status != 200 || !mutated.in_scope || !mutated.response.allowed ||
      !mutated.request.object.is_object())
    return 0;
  const std::string again = patched_review(text, mutated);
  const hostadm::AdmissionAnswer second = admit(again, hostadm::Phase::Mutate);
  if (!second.response.patch.empty())
    fz::fail("idempotence",
             "mutate on its own output patched again: " + second.response.patch.to_json().dump());
  const hostadm::AdmissionAnswer check = admit(again, hostadm::Phase::Validate);
  if (!check.response.allowed)
    fz::fail("consistency", "validate denied what mutate admitted: " + check.response.message);
  return 0;
}
