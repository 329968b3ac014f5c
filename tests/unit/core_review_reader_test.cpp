// read_review_fast, the server's hot-path reader, against the full reader (parse_json_bounded +
// decode_review): every decision-table row and every bundled review must read and decide alike,
// and anything out of the ordinary must be declined so that the full reader answers it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "review_equal.hpp"
#include "unit/testlib/fake_inventory.hpp"
#include "unit/testlib/host_cases.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/review_reader.hpp"

namespace hostadm::testing {
namespace {

bool has_number(const json& v) {
  if (v.is_number()) return true;
  if (v.is_structured())
    for (const auto& item : v)
      if (has_number(item)) return true;
  return false;
}

// What the apiserver wraps around a Host: managedFields, labels and status the decision never
// reads, and which the fast reader therefore never builds.
json with_noise(json object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object())
    return object;
  object["metadata"]["labels"] = {{"app", "migration"}, {"tier", "esxi"}};
  object["metadata"]["managedFields"] =
      json::array({{{"manager", "kubectl"},
                    {"operation", "Apply"},
                    {"fieldsV1", {{"f:spec", {{"f:id", json::object()}}}}},
                    {"time", "2026-11-25T10:00:00Z"},
                    {"generation", 3}}});
  object["status"] = {
      {"conditions", json::array({{{"type", "Ready"}, {"observedGeneration", 2}}})}};
  return object;
}

std::string review_body(const AdmissionRequest& req) {
  json request = {
      {"uid", req.uid},
      {"kind", {{"group", req.kind_group}, {"version", req.kind_version}, {"kind", req.kind_kind}}},
      {"resource",
       {{"group", req.resource.group},
        {"version", req.resource.version},
        {"resource", req.resource.resource}}},
      {"name", req.name},
      {"namespace", req.ns},
      {"operation", req.operation},
      {"userInfo", {{"username", "admin"}, {"uid", "42"}, {"groups", {"system:masters"}}}},
      {"object", with_noise(req.object)},
      {"oldObject", with_noise(req.old_object)},
      {"dryRun", false},
      {"options", {{"kind", "CreateOptions"}, {"apiVersion", "meta.k8s.io/v1"}}}};
  if (!req.sub_resource.empty()) request["subResource"] = req.sub_resource;
  return json{
      {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}}
      .dump();
}

class FastReaderTable : public ::testing::TestWithParam<HostCase> {};

TEST_P(FastReaderTable, ReadsAndDecidesLikeTheFullReader) {
  const HostCase& c = GetParam();
  const std::string body = review_body(c.request());
  const AdmissionRequest full = decode_review(parse_json_bounded(body));
  const auto fast = read_review_fast(body);
  if (has_number(decision_view(full.object)) || has_number(decision_view(full.old_object))) {
    EXPECT_FALSE(fast) << "a number where the decision looks must be left to the full reader";
    return;
  }
  ASSERT_TRUE(fast) << "a plain review must take the fast path:\n" << body;
  EXPECT_EQ(request_difference(*fast, full), "");
  EXPECT_FALSE(fast->object.dump().find("managedFields") != std::string::npos);
  for (auto phase : {Phase::Mutate, Phase::Validate}) {
    FakeInventory a = c.make_inventory(), b = c.make_inventory();
    const Policy policy = c.make_policy();
    EXPECT_EQ(verdict_difference(decide(*fast, phase, a, policy), decide(full, phase, b, policy)),
              "")
        << (phase == Phase::Mutate ? "mutate" : "validate");
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, FastReaderTable, ::testing::ValuesIn(host_cases()),
                         [](const ::testing::TestParamInfo<HostCase>& info) {
                           std::string name;
                           for (char ch : info.param.name)
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name;
                         });

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(FastReader, ReadsTheBundledReviewsLikeTheFullReader) {
  for (const char* file : {"/bench/review3k.json", "/examples/reviews/delete.json",
                           "/examples/reviews/update-adapter-ip-changed.json",
                           "/examples/reviews/update-label-provider-gone.json",
                           "/examples/reviews/update-finalizer-removed-during-deletion.json"}) {
    const std::string body = slurp(std::string(HOSTADM_SOURCE_DIR) + file);
    ASSERT_FALSE(body.empty()) << file;
    const auto fast = read_review_fast(body);
    ASSERT_TRUE(fast) << file;
    EXPECT_EQ(request_difference(*fast, decode_review(parse_json_bounded(body))), "") << file;
  }
}

struct Edge {
  std::string name;
  std::string body;
};

// Accepted: each must read exactly as the full reader reads it.
TEST(FastReader, EdgeCasesReadLikeTheFullReader) {
  const std::vector<Edge> edges = {
      {"duplicate keys keep the last",
       R"({"request":{"uid":"a","uid":"b","object":{"spec":{"id":"1"},"spec":{"id":"2"}}}})"},
      {"duplicate request keeps the last whole",
       R"({"request":{"uid":"a","name":"x"},"request":{"uid":"b"}})"},
      {"nulls read as absent",
       R"({"apiVersion":null,"kind":null,"request":{"uid":"u","resource":null,"kind":null,"name":null,"dryRun":null,"object":null}})"},
      {"object that is a string", R"({"request":{"uid":"u","object":"host"}})"},
      {"metadata that is a list",
       R"({"request":{"uid":"u","object":{"metadata":["a"],"spec":{}}}})"},
      {"escapes and NUL in strings",
       R"({"request":{"uid":"u\u00e9\u0000x","object":{"metadata":{"name":"a\"b\\c\n"}}}})"},
      {"v1beta1", R"({"apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"u"}})"},
      {"numbers outside what the decision reads",
       R"({"request":{"uid":"u","options":{"gracePeriodSeconds":30,"x":-0.0},"object":{"status":{"n":1e2}}}})"},
      {"whitespace around", " \n\t{\"request\":{\"uid\":\"u\"}}\r\n "},
      {"the requesting user", R"({"request":{"uid":"u","userInfo":{"username":"alice"}}})"},
      {"userInfo of another shape is ignored", R"({"request":{"uid":"u","userInfo":"alice"}})"},
      {"username of another type is ignored",
       R"({"request":{"uid":"u","userInfo":{"username":["alice"]}}})"},
      {"a deletion in progress",
       R"({"request":{"uid":"u","object":{"metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"}}}})"},
  };
  for (const auto& e : edges) {
    const auto fast = read_review_fast(e.body);
    ASSERT_TRUE(fast) << e.name;
    EXPECT_EQ(request_difference(*fast, decode_review(parse_json_bounded(e.body))), "") << e.name;
  }
}

TEST(FastReader, BothReadersTakeTheUserForTheLog) {
  const std::string body =
      R"({"request":{"uid":"u","userInfo":{"username":"system:serviceaccount:argocd:argocd-application-controller","groups":["x"]}}})";
  const auto fast = read_review_fast(body);
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->username, "system:serviceaccount:argocd:argocd-application-controller");
  EXPECT_EQ(decode_review(parse_json_bounded(body)).username, fast->username);
}

// Declined: the full reader answers these (with its error, or its reading of odd numbers).
TEST(FastReader, DeclinesWhatOnlyTheFullReaderShouldAnswer) {
  std::string deep = R"({"request":{"uid":"u","object":{"spec":)";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "}}}";
  const std::vector<Edge> edges = {
      {"empty", ""},
      {"not JSON", "uid: u"},
      {"trailing garbage", R"({"request":{"uid":"u"}} x)"},
      {"truncated", R"({"request":{"uid":"u")"},
      {"invalid UTF-8", "{\"request\":{\"uid\":\"\xff\"}}"},
      {"lone surrogate", R"({"request":{"uid":"\ud800"}})"},
      {"deeper than the fast reader goes", deep},
      {"not an object", R"(["request"])"},
      {"no request", R"({"kind":"AdmissionReview"})"},
      {"no uid", R"({"request":{"name":"x"}})"},
      {"uid not a string", R"({"request":{"uid":7}})"},
      {"unknown apiVersion", R"({"apiVersion":"admission.k8s.io/v2","request":{"uid":"u"}})"},
      {"wrong kind", R"({"kind":"Host","request":{"uid":"u"}})"},
      {"dryRun not a boolean", R"({"request":{"uid":"u","dryRun":"yes"}})"},
      {"resource not an object", R"({"request":{"uid":"u","resource":"hosts"}})"},
      {"number out of double range", R"({"request":{"uid":"u","x":1e400}})"},
      {"number in spec", R"({"request":{"uid":"u","object":{"spec":{"id":-0}}}})"},
      {"number in annotations",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{"a":1E2}}}}})"},
      {"bigger than the fast reader takes",
       R"({"request":{"uid":"u","x":")" + std::string(kFastReviewMaxBytes, 'a') + "\"}}"},
  };
  for (const auto& e : edges) EXPECT_FALSE(read_review_fast(e.body)) << e.name;
}

}  // namespace
}  // namespace hostadm::testing
