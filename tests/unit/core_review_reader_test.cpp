// read_review, the one reader of AdmissionReview bytes (simdjson straight into AdmissionRequest):
// every decision-table row, every bundled review and every odd shape must read exactly as the
// nlohmann reference (tests/review_oracle.hpp) reads it, down to the malformed messages; and what
// is not a usable review is refused with the error the nlohmann parser gives.
#include <gtest/gtest.h>

#include "review_oracle.hpp"
#include "unit/testlib/fake_inventory.hpp"
#include "unit/testlib/host_cases.hpp"
#include "unit/testlib/source_file.hpp"
#include "webhook/core/json_document.hpp"
#include "webhook/core/review_reader.hpp"

namespace hostadm::testing {
namespace {

// What the apiserver wraps around a Host: managedFields, labels and status the decision never
// reads, and which the reader therefore never copies.
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

std::string noisy_review(const HostCase& c) {
  json review = json::parse(c.review_text());
  json& request = review["request"];
  request["object"] = with_noise(request["object"]);
  request["oldObject"] = with_noise(request["oldObject"]);
  request["userInfo"] = {{"username", "admin"}, {"uid", "42"}, {"groups", {"system:masters"}}};
  request["dryRun"] = false;
  request["options"] = {{"kind", "CreateOptions"}, {"apiVersion", "meta.k8s.io/v1"}};
  return review.dump();
}

class ReaderTable : public ::testing::TestWithParam<HostCase> {};

TEST_P(ReaderTable, ReadsLikeTheReferenceAndTheNoiseChangesNothing) {
  const HostCase& c = GetParam();
  const std::string body = noisy_review(c);
  const AdmissionRequest read = read_review(body);
  EXPECT_EQ(request_difference(read, oracle_request(json::parse(body))), "");
  for (auto phase : {Phase::Mutate, Phase::Validate}) {
    FakeInventory a = c.make_inventory(), b = c.make_inventory();
    const Policy policy = c.make_policy();
    const Verdict noisy = decide(read, phase, a, policy);
    const Verdict plain = decide(c.request(), phase, b, policy);
    EXPECT_EQ(noisy.allowed, plain.allowed);
    EXPECT_EQ(noisy.message, plain.message);
    EXPECT_EQ(noisy.warnings, plain.warnings);
    EXPECT_EQ(noisy.patch, plain.patch) << noisy.patch.to_json().dump();
  }
}

// The server reads only the annotation its policy's rules read (read_review's kept_annotation):
// every row decides exactly as with every annotation kept, and reports the same problems.
TEST_P(ReaderTable, KeepingOnlyThePolicysAnnotationDecidesTheSame) {
  const HostCase& c = GetParam();
  const std::string body = noisy_review(c);
  const Policy policy = c.make_policy();
  const AdmissionRequest every = read_review(body);
  AdmissionRequest kept;
  read_review(body, kept, &policy.adapter_annotation);
  EXPECT_EQ(kept.object.problems, every.object.problems);
  EXPECT_EQ(kept.old_object.problems, every.old_object.problems);
  for (auto phase : {Phase::Mutate, Phase::Validate}) {
    FakeInventory a = c.make_inventory(), b = c.make_inventory();
    const Verdict from_kept = decide(kept, phase, a, policy);
    const Verdict from_every = decide(every, phase, b, policy);
    EXPECT_EQ(from_kept.allowed, from_every.allowed);
    EXPECT_EQ(from_kept.message, from_every.message);
    EXPECT_EQ(from_kept.warnings, from_every.warnings);
    EXPECT_EQ(from_kept.patch, from_every.patch) << from_kept.patch.to_json().dump();
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, ReaderTable, ::testing::ValuesIn(host_cases()),
                         [](const ::testing::TestParamInfo<HostCase>& info) {
                           std::string name;
                           for (char ch : info.param.name)
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name + "_" + std::to_string(info.index);
                         });

TEST(ReadReview, ReadsTheBundledReviewsLikeTheReference) {
  for (const char* file :
       {"/bench/review3k.json", "/bench/review-apply.json", "/examples/reviews/delete.json",
        "/examples/reviews/update-adapter-ip-changed.json",
        "/examples/reviews/update-label-provider-gone.json",
        "/examples/reviews/update-finalizer-removed-during-deletion.json"}) {
    const std::string body = source_file(file);
    ASSERT_FALSE(body.empty()) << file;
    EXPECT_EQ(request_difference(read_review(body), oracle_request(json::parse(body))), "") << file;
  }
}

struct Edge {
  std::string name;
  std::string body;
};

// Each must read exactly as the reference reads it.
TEST(ReadReview, EdgeCasesReadLikeTheReference) {
  std::string deep = R"({"request":{"uid":"u","object":{"spec":{"id":)";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "}}}}";
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
      {"numbers where the decision reads strings, quoted as nlohmann writes them",
       R"({"request":{"uid":"u","object":{"spec":{"id":-0,"name":1E2,"ipAddress":1.5e300,"provider":{"name":18446744073709551615}},"metadata":{"annotations":{"b":-9223372036854775808,"a":0.1}}}}})"},
      {"annotations out of order and repeated: sorted, the last kept",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{"z":"1","a":2,"z":"3","m":null,"e":{}}}}}})"},
      {"a wrongly typed value longer than a message quotes",
       R"({"request":{"uid":"u","object":{"spec":{"secret":["a long list of names that goes on and on and on"]}}}})"},
      {"owner references of every shape",
       R"({"request":{"uid":"u","object":{"metadata":{"ownerReferences":[1,{"uid":2,"controller":"true"},{"uid":"p","controller":true},{"uid":"q","uid":"r"}]}}}})"},
      {"an UPDATE: both specs read for comparison",
       R"({"request":{"uid":"u","operation":"UPDATE","object":{"spec":{"b":[1,{"y":1,"x":2}],"a":"x"}},"oldObject":{"spec":{"a":"x","b":[1,{"x":2,"y":1}]}}}})"},
      {"deeper than 128 levels, within 256", deep},
      {"bigger than 64 KiB",
       R"({"request":{"uid":"u","x":")" + std::string(200 * 1024, 'a') + "\"}}"},
  };
  for (const auto& e : edges) {
    SCOPED_TRACE(e.name);
    AdmissionRequest read;
    ASSERT_NO_THROW(read = read_review(e.body));
    EXPECT_EQ(request_difference(read, oracle_request(json::parse(e.body))), "");
  }
}

// kubectl apply's last-applied configuration is a copy of the whole Host: not kept when only the
// adapter annotation is asked for, but a wrongly typed annotation is still reported.
TEST(ReadReview, KeepsOnlyTheAnnotationAskedForAndChecksEveryOnesType) {
  const std::string body = R"({"request":{"uid":"u","object":{"metadata":{"annotations":{
      "example.com/nic":"vmk0",
      "kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Host\"}",
      "example.com/count":7}}}}})";
  const std::string adapter = "example.com/nic";
  AdmissionRequest kept;
  read_review(body, kept, &adapter);
  ASSERT_EQ(kept.object.annotations.size(), 1u);
  EXPECT_EQ(kept.object.annotation_text(adapter), "vmk0");
  EXPECT_EQ(kept.object.problems,
            std::vector<std::string>{
                "metadata.annotations['example.com/count'] must be a string, got number 7"});
  EXPECT_EQ(read_review(body).object.annotations.size(), 3u);
}

// The server's reader parses a blanked copy of the body (json_escapes.hpp) when it holds escapes,
// as every review from kubectl apply does, and reads the body as it is when a string it needs
// held one. Escapes in every string the reader reads, beside a last-applied configuration: each
// reads as the reference reads the body, with the adapter annotation kept and with all.
TEST(ReadReview, EscapesInAnyStringReadLikeTheReferenceBesideALastAppliedConfiguration) {
  const std::string last =
      R"("kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Host\",\"spec\":{\"id\":\"host-1\"}}\n")";
  const std::string adapter = "forklift.konveyor.io/network-adapter";
  const std::vector<Edge> edges = {
      {"no other escape",
       R"({"request":{"uid":"u","object":{"metadata":{"name":"h","annotations":{)" + last +
           R"(}},"spec":{"id":"host-1"}}}})"},
      {"the uid",
       R"({"request":{"uid":"u\/1","object":{"metadata":{"annotations":{)" + last + R"(}}}}})"},
      {"the request's names and resource",
       R"({"apiVersion":"admission.k8s.io\/v1","request":{"uid":"u","name":"a\"b","namespace":"n\\s","operation":"CREATE","subResource":"s\tt","resource":{"group":"g\/x","version":"v\b","resource":"hosts"},"kind":{"group":"g","version":"v","kind":"H\fost"},"userInfo":{"username":"system:serviceaccount\/x"},"object":{"metadata":{"annotations":{)" +
           last + R"(}}}}})"},
      {"the Host's names",
       R"({"request":{"uid":"u","object":{"metadata":{"name":"h\"1","generateName":"g\/","namespace":"n\r","annotations":{)" +
           last + R"(}}}}})"},
      {"the spec",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{)" + last +
           R"(}},"spec":{"id":"host\/1","name":"a\\b","ipAddress":"10.0.0.1\n","provider":{"name":"p\"","namespace":"n\/"},"secret":{"name":"s\/","namespace":"t"}}}}})"},
      {"the adapter annotation, its key escaped",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{"forklift.konveyor.io\/network-adapter":"vmk0",)" +
           last + R"(}}}}})"},
      {"the adapter annotation, its value escaped",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{"forklift.konveyor.io/network-adapter":"vm\/k0",)" +
           last + R"(}}}}})"},
      {"another annotation's key, out of order",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{"z\/z":"1",)" + last +
           R"(,"a":"2"}}}}})"},
      {"two keys that read alike once blanked",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{"a\/":"1","a\"":"2",)" + last +
           R"(}}}}})"},
      {"an owner reference's uid",
       R"({"request":{"uid":"u","object":{"metadata":{"ownerReferences":[{"uid":"p\/1","controller":true}],"annotations":{)" +
           last + R"(}}}}})"},
      {"an UPDATE whose specs differ only in an escape",
       R"({"request":{"uid":"u","operation":"UPDATE","object":{"metadata":{"annotations":{)" +
           last +
           R"(}},"spec":{"id":"a\"b","x\/":{"y":"1\n"}}},"oldObject":{"metadata":{"annotations":{)" +
           last + R"(}},"spec":{"id":"a\\b","x\/":{"y":"1\r"}}}}})"},
      {"a wrongly typed value quoting escaped strings",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{)" + last +
           R"(}},"spec":{"id":["a\"b\/c"],"secret":["a long list of names \"that\" goes on and on and on"]}}}})"},
      {"a wrongly typed annotation quoting escaped strings",
       R"({"request":{"uid":"u","object":{"metadata":{"annotations":{"x\/y":["\"q\""],)" + last +
           R"(}}}}})"},
      {"a null oldObject",
       R"({"request":{"uid":"u","operation":"CREATE","oldObject":null,"object":{"metadata":{"annotations":{)" +
           last + R"(}}}}})"},
  };
  for (const auto& e : edges) {
    SCOPED_TRACE(e.name);
    const json parsed = json::parse(e.body);
    AdmissionRequest every, kept;
    ASSERT_NO_THROW(every = read_review(e.body));
    EXPECT_EQ(request_difference(every, oracle_request(parsed)), "");
    ASSERT_NO_THROW(read_review(e.body, kept, &adapter));
    EXPECT_EQ(request_difference(kept, oracle_request(parsed, adapter)), "");
  }
}

// A refusal quotes what the body holds, not its blanked copy.
TEST(ReadReview, ARefusalQuotesTheBodyNotItsBlankedCopy) {
  const std::string body =
      R"({"apiVersion":"admission.k8s.io\/v9","request":{"uid":"u","object":{"metadata":{"annotations":{"a":"\"x\""}}}}})";
  const std::string adapter = "a";
  AdmissionRequest req;
  try {
    read_review(body, req, &adapter);
    FAIL() << "not refused";
  } catch (const ReviewError& e) {
    EXPECT_EQ(std::string(e.what()),
              "AdmissionReview apiVersion 'admission.k8s.io/v9' is not supported: send "
              "admission.k8s.io/v1 (or v1beta1)");
  }
}

TEST(ReadReview, TakesTheUserForTheLog) {
  const std::string body =
      R"({"request":{"uid":"u","userInfo":{"username":"system:serviceaccount:argocd:argocd-application-controller","groups":["x"]}}})";
  EXPECT_EQ(read_review(body).username,
            "system:serviceaccount:argocd:argocd-application-controller");
}

// Not JSON: the error nlohmann's parser gives, with the byte a log line may repeat.
TEST(ReadReview, RefusesWhatIsNotJsonWithTheParsersOwnError) {
  std::string too_deep = R"({"request":{"uid":"u","object":{"spec":)";
  for (int i = 0; i < 300; ++i) too_deep += "[";
  for (int i = 0; i < 300; ++i) too_deep += "]";
  too_deep += "}}}";
  const std::vector<Edge> edges = {
      {"empty", ""},
      {"not JSON", "uid: u"},
      {"trailing garbage", R"({"request":{"uid":"u"}} x)"},
      {"truncated", R"({"request":{"uid":"u")"},
      {"invalid UTF-8", "{\"request\":{\"uid\":\"\xff\"}}"},
      {"lone surrogate", R"({"request":{"uid":"\ud800"}})"},
      {"number out of double range", R"({"request":{"uid":"u","x":1e400}})"},
      {"a bad literal where nothing is read", R"({"request":{"uid":"u","managedFields":[tru]}})"},
  };
  for (const auto& e : edges) {
    SCOPED_TRACE(e.name);
    std::string expected;
    try {
      const json parsed = json::parse(e.body);
      FAIL() << "nlohmann accepts it: " << parsed.dump();
    } catch (const json::exception& ex) {
      expected = ex.what();
    }
    try {
      (void)read_review(e.body);
      FAIL() << "read";
    } catch (const InvalidJson& ex) {
      EXPECT_EQ(ex.what(), expected);
    }
  }
  size_t deep_at = 0;
  try {
    check_json_depth(too_deep);
  } catch (const JsonTooDeep& e) {
    deep_at = e.byte;
  }
  ASSERT_NE(deep_at, 0u);
  try {
    (void)read_review(too_deep);
    FAIL() << "read";
  } catch (const JsonTooDeep& e) {
    EXPECT_EQ(e.byte, deep_at);
  }
}

// JSON, but no usable review: the first problem, in the reference's words.
TEST(ReadReview, RefusesWhatIsNoReviewWithTheFirstProblem) {
  const std::vector<Edge> edges = {
      {"not an object", R"(["request"])"},
      {"no request", R"({"kind":"AdmissionReview"})"},
      {"no uid", R"({"request":{"name":"x"}})"},
      {"uid not a string", R"({"request":{"uid":7}})"},
      {"unknown apiVersion", R"({"apiVersion":"admission.k8s.io/v2","request":{"uid":"u"}})"},
      {"wrong kind", R"({"kind":"Host","request":{"uid":"u"}})"},
      {"dryRun not a boolean", R"({"request":{"uid":"u","dryRun":"yes"}})"},
      {"resource not an object", R"({"request":{"uid":"u","resource":"hosts"}})"},
      {"kind.group not a string", R"({"request":{"uid":"u","kind":{"group":1}}})"},
      {"two problems: the first is reported",
       R"({"request":{"uid":"u","operation":1,"namespace":true}})"},
  };
  for (const auto& e : edges) {
    SCOPED_TRACE(e.name);
    std::string expected;
    try {
      (void)oracle_request(json::parse(e.body));
      FAIL() << "the reference accepts it";
    } catch (const ReviewError& ex) {
      expected = ex.what();
    }
    try {
      (void)read_review(e.body);
      FAIL() << "read";
    } catch (const ReviewError& ex) {
      EXPECT_EQ(ex.what(), expected);
    }
  }
}

}  // namespace
}  // namespace hostadm::testing
