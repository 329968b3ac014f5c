// AdmissionReview decoding and response encoding against the contract kube-apiserver enforces.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "webhook/core/admission.hpp"
#include "webhook/core/review_reader.hpp"

namespace hostadm {
namespace {

using nlohmann::json;

// The answer the server sends, as JSON.
json encoded(const AdmissionRequest& req, const AdmissionResponse& resp) {
  return json::parse(encode_review_string(req, resp));
}

// The review's bytes through the webhook's reader.
AdmissionRequest decode_review(const json& review) {
  return read_review(review.dump());
}

json review() {
  return json::parse(R"({
    "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
    "request": {
      "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
      "kind": {"group": "forklift.konveyor.io", "version": "v1beta1", "kind": "Host"},
      "resource": {"group": "forklift.konveyor.io", "version": "v1beta1", "resource": "hosts"},
      "subResource": "",
      "name": "host-10", "namespace": "demo", "operation": "UPDATE",
      "userInfo": {"username": "admin", "groups": ["system:masters"]},
      "object": {"kind": "Host", "spec": {"id": "host-10"}},
      "oldObject": {"kind": "Host", "spec": {"id": "host-9"}},
      "dryRun": true,
      "options": {"kind": "UpdateOptions"}
    }
  })");
}

TEST(DecodeReview, ReadsEveryField) {
  AdmissionRequest r = decode_review(review());
  EXPECT_EQ(r.api_version, "admission.k8s.io/v1");
  EXPECT_EQ(r.kind, "AdmissionReview");
  EXPECT_EQ(r.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(r.resource.group, "forklift.konveyor.io");
  EXPECT_EQ(r.resource.version, "v1beta1");
  EXPECT_EQ(r.resource.resource, "hosts");
  EXPECT_EQ(r.kind_kind, "Host");
  EXPECT_EQ(r.sub_resource, "");
  EXPECT_EQ(r.name, "host-10");
  EXPECT_EQ(r.ns, "demo");
  EXPECT_EQ(r.operation, "UPDATE");
  EXPECT_TRUE(r.dry_run);
  EXPECT_EQ(r.object.spec.id, "host-10");
  EXPECT_EQ(r.old_object.spec.id, "host-9");
}

// The reader keeps no reference to the body: the request is the same after the bytes are gone
// (the server reuses its read buffer for the next request).
TEST(DecodeReview, TheRequestOutlivesTheBody) {
  const json doc = review();
  auto body = std::make_unique<std::string>(doc.dump());
  AdmissionRequest kept = read_review(*body);
  std::fill(body->begin(), body->end(), ' ');
  body.reset();
  AdmissionRequest again = decode_review(doc);
  EXPECT_EQ(kept.uid, again.uid);
  EXPECT_EQ(kept.operation, again.operation);
  EXPECT_EQ(kept.dry_run, again.dry_run);
  EXPECT_EQ(kept.object.spec.id, again.object.spec.id);
  EXPECT_EQ(kept.old_object.spec.id, again.old_object.spec.id);
  EXPECT_EQ(kept.object.spec.id, doc["request"]["object"]["spec"]["id"]);
  json bad = {{"request", {{"object", json::object()}}}};
  EXPECT_THROW(decode_review(bad), ReviewError) << "no uid";
}

TEST(DecodeReview, V1beta1IsAcceptedAndEchoed) {
  json doc = review();
  doc["apiVersion"] = "admission.k8s.io/v1beta1";
  AdmissionRequest r = decode_review(doc);
  EXPECT_EQ(r.api_version, "admission.k8s.io/v1beta1");
  EXPECT_EQ(encoded(r, AdmissionResponse{})["apiVersion"], "admission.k8s.io/v1beta1");
}

TEST(DecodeReview, ObjectsAreCarriedAsTheyAre) {
  json doc = review();
  doc["request"]["object"] = "not a host";
  doc["request"].erase("oldObject");
  AdmissionRequest r = decode_review(doc);
  EXPECT_EQ(r.object.type, JsonType::String);
  EXPECT_EQ(r.object.problems, std::vector<std::string>{
                                   "the object must be a JSON object, got string \"not a host\""});
  EXPECT_EQ(r.old_object.type, JsonType::Absent);
}

struct BadReview {
  std::string name;
  json doc;
  std::string says;
};

class DecodeReviewRejects : public ::testing::TestWithParam<BadReview> {};

TEST_P(DecodeReviewRejects, WithAMessageNamingTheProblem) {
  try {
    decode_review(GetParam().doc);
    FAIL() << "accepted " << GetParam().doc.dump();
  } catch (const ReviewError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().says), std::string::npos) << e.what();
  }
}

BadReview with(const std::string& name, const std::string& pointer, json value, std::string says) {
  json doc = review();
  if (value.is_discarded()) {
    json::json_pointer p(pointer);
    doc[p.parent_pointer()].erase(p.back());
  } else {
    doc[json::json_pointer(pointer)] = std::move(value);
  }
  return {name, doc, std::move(says)};
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeReviewRejects,
    ::testing::Values(
        BadReview{"array", json::array(), "JSON object"}, BadReview{"string", "x", "JSON object"},
        with("no_request", "/request", json(json::value_t::discarded), "no 'request'"),
        with("null_request", "/request", nullptr, "no 'request'"),
        with("request_list", "/request", json::array(), "request must be an object"),
        with("no_uid", "/request/uid", json(json::value_t::discarded), "request.uid"),
        with("empty_uid", "/request/uid", "", "request.uid"),
        with("uid_number", "/request/uid", 7, "request.uid must be a string"),
        with("operation_number", "/request/operation", 1, "request.operation"),
        with("namespace_bool", "/request/namespace", true, "request.namespace"),
        with("resource_string", "/request/resource", "hosts", "request.resource"),
        with("resource_group", "/request/resource/group", 3, "request.resource.group"),
        with("dry_run_string", "/request/dryRun", "yes", "request.dryRun"),
        with("api_version", "/apiVersion", "admission.k8s.io/v2", "admission.k8s.io/v1"),
        with("kind", "/kind", "ConfigMap", "AdmissionReview")),
    [](const ::testing::TestParamInfo<BadReview>& info) { return info.param.name; });

AdmissionRequest request() {
  return decode_review(review());
}

TEST(EncodeReview, AllowedAnswerEchoesUidApiVersionAndKind) {
  AdmissionResponse resp;
  resp.uid = request().uid;
  json out = encoded(request(), resp);
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(out["kind"], "AdmissionReview");
  EXPECT_EQ(out["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(out["response"]["allowed"], true);
  EXPECT_FALSE(out["response"].contains("status"));
  EXPECT_FALSE(out["response"].contains("patch"));
  EXPECT_FALSE(out["response"].contains("patchType"));
  EXPECT_FALSE(out["response"].contains("warnings"));
}

TEST(EncodeReview, UidFallsBackToTheRequest) {
  json out = encoded(request(), AdmissionResponse{});
  EXPECT_EQ(out["response"]["uid"], request().uid);
}

TEST(EncodeReview, PatchIsBase64OfTheOps) {
  AdmissionResponse resp;
  const json ops =
      json::array({{{"op", "add"}, {"path", "/spec/ipAddress"}, {"value", "192.168.1.10"}},
                   {{"op", "add"}, {"path", "/metadata/annotations/a~1b"}, {"value", "x"}}});
  for (const json& op : ops) resp.patch.add_text(op["path"].get<std::string>(), op["value"].dump());
  json out = encoded(request(), resp);
  EXPECT_EQ(out["response"]["patchType"], "JSONPatch");
  EXPECT_EQ(json::parse(base64_decode(out["response"]["patch"].get<std::string>())), ops);
}

TEST(EncodeReview, DeniedAnswerHasStatusAndNoPatch) {
  AdmissionResponse resp;
  resp.allowed = false;
  resp.code = 403;
  resp.message = "address-missing: set spec.ipAddress";
  resp.patch.add_text("/x", "1");
  json out = encoded(request(), resp);
  EXPECT_EQ(out["response"]["allowed"], false);
  EXPECT_EQ(out["response"]["status"], json({{"code", 403},
                                             {"message", "address-missing: set spec.ipAddress"},
                                             {"reason", "Forbidden"}}));
  EXPECT_FALSE(out["response"].contains("patch"));
  EXPECT_FALSE(out["response"].contains("patchType"));
}

TEST(EncodeReview, MalformedIsBadRequest) {
  AdmissionResponse resp;
  resp.allowed = false;
  resp.code = 400;
  resp.message = "malformed: spec.id must be a string";
  EXPECT_EQ(encoded(request(), resp)["response"]["status"]["reason"], "BadRequest");
}

TEST(EncodeReview, AuditAnnotationsKeepOnlyKeysTheApiserverKeeps) {
  AdmissionResponse resp;
  resp.audit_annotations = {
      {"decision", "denied"},      {"rules", "a,b"}, {"bad/key", "x"}, {"-leading", "x"},
      {std::string(64, 'k'), "x"}, {"", "x"}};
  json out = encoded(request(), resp);
  EXPECT_EQ(out["response"]["auditAnnotations"], json({{"decision", "denied"}, {"rules", "a,b"}}));
}

// The text, not only the object: keys sorted as nlohmann's std::map sorts them, the last of a
// duplicate key kept, whatever order the decision added them in.
TEST(EncodeReview, AuditAnnotationsAreWrittenSortedWithTheLastOfADuplicateKey) {
  AdmissionResponse resp;
  resp.audit_annotations = {{"rules", "first"},
                            {"zeta", "z"},
                            {"decision", "allowed"},
                            {"rules", "second"},
                            {"alpha", "a"}};
  const std::string text = encode_review_string(request(), resp);
  EXPECT_NE(
      text.find(
          R"("auditAnnotations":{"alpha":"a","decision":"allowed","rules":"second","zeta":"z"})"),
      std::string::npos)
      << text;
}

TEST(EncodeReview, StringFormIsValidJsonEvenWithBadUtf8) {
  AdmissionResponse resp;
  resp.allowed = false;
  resp.message = "host-not-found: no host named '\xff\xfe'";
  std::string text = encode_review_string(request(), resp);
  json back = json::parse(text);
  EXPECT_EQ(back["response"]["uid"], request().uid);
}

TEST(AuditKey, Rules) {
  EXPECT_TRUE(valid_audit_key("decision"));
  EXPECT_TRUE(valid_audit_key("a"));
  EXPECT_TRUE(valid_audit_key("rule_ids.v1-x"));
  EXPECT_TRUE(valid_audit_key(std::string(63, 'a')));
  EXPECT_FALSE(valid_audit_key(std::string(64, 'a')));
  EXPECT_FALSE(valid_audit_key("example.com/rules"));
  EXPECT_FALSE(valid_audit_key("rules-"));
  EXPECT_FALSE(valid_audit_key("_rules"));
  EXPECT_FALSE(valid_audit_key("has space"));
  EXPECT_FALSE(valid_audit_key(""));
}

TEST(ClipWarnings, ShortWarningsPassUnchanged) {
  std::vector<std::string> w = {"a: one", "b: two"};
  EXPECT_EQ(clip_warnings(w), w);
}

TEST(ClipWarnings, LongWarningIsCutTo120KeepingTheRuleId) {
  std::string long_one = "address-not-on-host: " + std::string(300, 'x');
  auto out = clip_warnings({long_one});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 120u);
  EXPECT_EQ(out[0].rfind("address-not-on-host: ", 0), 0u);
  EXPECT_EQ(out[0].substr(117), "...");
}

TEST(ClipWarnings, NeverSplitsAUtf8Character) {
  std::string w = "rule: " + std::string(110, 'x') + "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
  auto out = clip_warnings({w});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_LE(out[0].size(), 120u);
  EXPECT_NO_THROW((void)json(out[0]).dump());
}

TEST(ClipWarnings, TotalStaysUnder4096AndSaysHowManyWereDropped) {
  std::vector<std::string> many(100, "inventory-stale: " + std::string(200, 'y'));
  auto out = clip_warnings(many);
  size_t total = 0;
  for (const auto& w : out) {
    EXPECT_LE(w.size(), 120u);
    total += w.size();
  }
  EXPECT_LE(total, 4096u);
  ASSERT_GE(out.size(), 2u);
  // 120-char warnings: 34 fit (4080); the note needs room, so 33 are kept and 67 dropped.
  EXPECT_EQ(out.size(), 34u);
  EXPECT_EQ(out.back(), "67 more warnings not shown");
  EXPECT_EQ(out.front().rfind("inventory-stale: ", 0), 0u);
}

TEST(Base64, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(base64_decode(base64_encode(data)), data) << i;
    data += static_cast<char>(i * 37);
  }
}

TEST(Base64, KnownVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xff\xfe"), "//4=");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
}

TEST(Base64, DecodeRejectsBadInput) {
  for (const char* bad : {"Zm9", "Zm9v!", "Zm=v", "Z===", "====", "Zm9v\n", "Zh==", "Zm9=Zm9v"}) {
    EXPECT_THROW(base64_decode(bad), std::invalid_argument) << bad;
  }
}

// encode_review_string writes the answer directly; it must be byte for byte what nlohmann's dump
// gives for the same document (sorted keys, its escaping, invalid UTF-8 replaced), and carry the
// contract, for every shape of answer and every kind of text in it.
TEST(EncodeReviewString, IsExactlyNlohmannsDumpOfTheAnswer) {
  const std::vector<std::string> texts = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      std::string("controls \b\f\n\r\t \x01\x1f \x7f end") + std::string(1, '\0') + "nul",
      "UTF-8 é ü 中 😀",
      "bad \xff byte",
      "cut \xe4\xb8 sequence",
      "overlong \xc0\xaf",
      "surrogate \xed\xa0\x80",
      "past U+10FFFF \xf4\x90\x80\x80",
      std::string(300, 'w'),
  };
  // What a text reads as once encoded: invalid UTF-8 replaced, as the writer promises.
  auto as_sent = [](const std::string& text) {
    return json::parse(json(text).dump(-1, ' ', false, json::error_handler_t::replace));
  };
  AdmissionRequest req;
  req.uid = "req-uid";
  req.api_version = "admission.k8s.io/v1beta1";
  int n = 0;
  for (const auto& text : texts) {
    for (bool allowed : {true, false}) {
      AdmissionResponse r;
      r.uid = n % 3 == 0 ? "" : text;  // empty: the request's uid is echoed
      r.allowed = allowed;
      r.code = n % 2 ? 503 : 200;
      r.reason = n % 4 == 1 ? text : "";
      r.message = text;
      r.warnings = {text, "second " + text, ""};
      r.patch = JsonPatch();
      if (n % 2) r.patch.add_text("/spec/name", json("host é").dump());
      r.audit_annotations = {
          {"rules", text}, {"decision", "x"}, {"bad key!", "dropped"}, {"decision", "last wins"}};
      const std::string out = encode_review_string(req, r);
      const json back = json::parse(out);
      EXPECT_EQ(out, back.dump(-1, ' ', false, json::error_handler_t::replace))
          << "text #" << n << ", allowed " << allowed;
      const json& resp = back["response"];
      EXPECT_EQ(back["apiVersion"], "admission.k8s.io/v1beta1");
      EXPECT_EQ(resp["uid"], r.uid.empty() ? json(req.uid) : as_sent(r.uid)) << n;
      EXPECT_EQ(resp["allowed"], allowed) << n;
      EXPECT_EQ(resp.contains("patch"), allowed && n % 2 == 1) << n;
      EXPECT_EQ(resp["auditAnnotations"],
                json({{"decision", "last wins"}, {"rules", as_sent(text)}}));
      if (!allowed) {
        EXPECT_EQ(resp["status"]["code"], n % 2 ? 503 : 403) << n;
        EXPECT_EQ(resp["status"]["message"], as_sent(text)) << n;
        EXPECT_EQ(resp["status"]["reason"],
                  r.reason.empty() ? json(status_reason(n % 2 ? 503 : 403)) : as_sent(r.reason))
            << n;
      } else {
        EXPECT_FALSE(resp.contains("status")) << n;
      }
      ++n;
    }
  }
  AdmissionResponse bare;
  EXPECT_EQ(encode_review_string(req, bare),
            R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview",)"
            R"("response":{"allowed":true,"uid":"req-uid"}})");
}

}  // namespace
}  // namespace hostadm
