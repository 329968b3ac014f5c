// AdmissionReview bytes -> decode_review -> decide() in both phases over the sample inventory ->
// encode_review_string: the whole path a request takes through the webhook, minus HTTP.
// Differential: the server's fast reader (read_review_fast) must decline or read the bytes
// exactly like the full reader, down to the verdict.
// Besides "no crash, no unexpected exception", it checks the properties on every admitted
// Host: the uid is echoed, /validate never patches, /mutate is idempotent on its own
// output, and /validate admits what /mutate admitted.
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/fuzz/fuzz_common.hpp"
#include "tests/review_equal.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/core/decision.hpp"
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

// The encoded response must be JSON that echoes the uid; a response the apiserver cannot read is
// a call failure for the user.
void check_encoded(const hostadm::AdmissionRequest& req, const hostadm::AdmissionResponse& resp,
                   const char* where) {
  std::string text;
  fz::no_throw(where, [&] { text = hostadm::encode_review_string(req, resp); });
  json out = json::parse(text, nullptr, false);
  if (out.is_discarded()) fz::fail(where, "encode_review_string produced invalid JSON");
  const json* uid = out.contains("response") ? &out["response"]["uid"] : nullptr;
  if (!uid || !uid->is_string() || uid->get<std::string>() != req.uid)
    fz::fail(where, "response does not echo the request uid");
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
  // The server's own parse: bad JSON and JSON nested past the limit get HTTP 400 before the
  // core sees them.
  const std::optional<hostadm::AdmissionRequest> fast =
      hostadm::read_review_fast(fz::as_text(data, size));
  json review;
  try {
    review = hostadm::parse_json_bounded(fz::as_text(data, size));
  } catch (const std::exception&) {
    if (fast) fz::fail("read_review_fast", "read a body the full reader refuses as JSON");
    return 0;
  }

  hostadm::AdmissionRequest req;
  try {
    req = hostadm::decode_review(review);
  } catch (const hostadm::ReviewError&) {
    if (fast) fz::fail("read_review_fast", "read a body that is not an AdmissionReview");
    return 0;  // documented: HTTP 400
  } catch (const std::exception& e) {
    fz::fail("decode_review", std::string("undocumented exception: ") + e.what());
  }

  hostadm::FixtureInventory inventory(g_fixture);
  if (fast) {
    if (auto d = hostadm::testing::request_difference(*fast, req); !d.empty())
      fz::fail("read_review_fast", "reads " + d + " unlike decode_review");
    for (auto phase : {hostadm::Phase::Mutate, hostadm::Phase::Validate}) {
      hostadm::Verdict a, b;
      fz::no_throw("decide(fast)", [&] { a = hostadm::decide(*fast, phase, inventory, g_policy); });
      fz::no_throw("decide(full)", [&] { b = hostadm::decide(req, phase, inventory, g_policy); });
      if (auto d = hostadm::testing::verdict_difference(a, b); !d.empty())
        fz::fail("read_review_fast", "decides differently from decode_review: " + d);
    }
  }
  hostadm::Verdict mutated, validated;
  fz::no_throw("decide(Mutate)", [&] {
    mutated = hostadm::decide(req, hostadm::Phase::Mutate, inventory, g_policy);
  });
  fz::no_throw("decide(Validate)", [&] {
    validated = hostadm::decide(req, hostadm::Phase::Validate, inventory, g_policy);
  });
  if (!validated.patch.empty()) fz::fail("decide(Validate)", "validate returned a patch");

  hostadm::AdmissionResponse mresp, vresp;
  fz::no_throw("to_response", [&] {
    mresp = hostadm::to_response(req, mutated);
    vresp = hostadm::to_response(req, validated);
  });
  check_encoded(req, mresp, "encode(mutate)");
  check_encoded(req, vresp, "encode(validate)");

  // Properties only make sense for an admitted Host with a patched object to feed back.
  if (!mutated.in_scope || !mutated.allowed || mutated.defer || !req.object.is_object()) return 0;
  hostadm::AdmissionRequest again = req;
  try {
    again.object = req.object.patch(mutated.patch.to_json());
  } catch (const std::exception& e) {
    fz::fail("patch", std::string("the mutating patch does not apply: ") + e.what());
  }
  hostadm::Verdict second, check;
  fz::no_throw("decide(Mutate, own output)", [&] {
    second = hostadm::decide(again, hostadm::Phase::Mutate, inventory, g_policy);
  });
  if (!second.patch.empty())
    fz::fail("idempotence",
             "mutate on its own output patched again: " + second.patch.to_json().dump());
  fz::no_throw("decide(Validate, patched)", [&] {
    check = hostadm::decide(again, hostadm::Phase::Validate, inventory, g_policy);
  });
  if (mutated.mode == hostadm::Mode::Enforce && !check.allowed)
    fz::fail("consistency", "validate denied what mutate admitted: " + check.message);
  return 0;
}
