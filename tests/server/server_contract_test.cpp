// The AdmissionReview contract as kube-apiserver enforces it, the 4xx
// answers for bad requests, health/readiness/metrics endpoints and the per-admission log line,
// against a real host-webhook over TLS with the fixture inventory.
#include <regex>
#include <set>

#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

class ContractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const auto fixture = write_fixture(*dir_);
    hook_ =
        new Webhook(*dir_, {"--inventory-fixture", fixture.string(), "--max-body-bytes", "64Ki"});
  }
  static void TearDownTestSuite() {
    delete hook_;
    delete dir_;
  }
  std::unique_ptr<httplib::SSLClient> client() { return client_for(hook_->port, hook_->ca); }

  static json adapter_host(const std::string& name = "h1") {
    return host_object(name, {{"provider", {{"name", "vsphere-provider"}}}, {"id", "host-10"}},
                       {{kAdapter, "Management Network"}});
  }

  static TempDir* dir_;
  static Webhook* hook_;
};
TempDir* ContractTest::dir_ = nullptr;
Webhook* ContractTest::hook_ = nullptr;

TEST_F(ContractTest, MutateEchoesUidAndTypeAndSendsAJsonPatch) {
  auto c = client();
  const Answer a = admit(*c, "mutate", review("uid-mutate-1", "CREATE", adapter_host()));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.review["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(a.review["kind"], "AdmissionReview");
  EXPECT_EQ(a.response()["uid"], "uid-mutate-1");
  EXPECT_TRUE(a.allowed()) << a.body;
  ASSERT_EQ(a.response().value("patchType", ""), "JSONPatch");
  const json patch = a.patch();
  ASSERT_TRUE(patch.is_array());
  ASSERT_FALSE(patch.empty());
  std::set<std::string> paths;
  for (const auto& op : patch) {
    EXPECT_TRUE(op.contains("op") && op.contains("path")) << op;
    paths.insert(op["path"].get<std::string>());
  }
  EXPECT_TRUE(paths.count("/spec/ipAddress")) << patch;
  // The patch applies to the object and fills the address from the adapter.
  const json patched = adapter_host().patch(patch);
  EXPECT_EQ(patched["spec"]["ipAddress"], "192.168.1.10");
}

TEST_F(ContractTest, ValidateNeverPatches) {
  auto c = client();
  const Answer a = admit(*c, "validate", review("uid-validate-1", "CREATE", adapter_host()));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.response()["uid"], "uid-validate-1");
  EXPECT_FALSE(a.response().contains("patch")) << a.body;
  EXPECT_FALSE(a.response().contains("patchType")) << a.body;
}

TEST_F(ContractTest, DeleteIsAllowedWithoutPatch) {
  auto c = client();
  const Answer a = admit(*c, "mutate", review("uid-delete", "DELETE", nullptr, adapter_host()));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_TRUE(a.allowed());
  EXPECT_EQ(a.response()["uid"], "uid-delete");
  EXPECT_FALSE(a.response().contains("patch")) << a.body;
}

TEST_F(ContractTest, WrongContentTypeIs415AndCharsetParameterIsAccepted) {
  auto c = client();
  const std::string body = review("uid-ct", "CREATE", adapter_host()).dump();
  EXPECT_EQ(post(*c, "/mutate", body, "text/plain").status, 415);
  EXPECT_EQ(post(*c, "/validate", body, "application/yaml").status, 415);
  const Answer ok = post(*c, "/mutate", body, "application/json; charset=utf-8");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.response()["uid"], "uid-ct");
}

TEST_F(ContractTest, UnparseableBodyIs400) {
  auto c = client();
  const Answer a = post(*c, "/mutate", "{\"apiVersion\": ");
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("not valid JSON"), std::string::npos) << a.body;
}

// Regression: 100,000 nested brackets in an annotation (200 KB, far under the default body limit)
// overflowed a worker's stack and killed the process. This server's limit is 64 KiB, so 30,000.
TEST_F(ContractTest, DeeplyNestedBodyIs400AndTheServerSurvives) {
  auto c = client();
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  std::string body = review("uid-deep", "CREATE", adapter_host()).dump();
  const std::string marker = "\"Management Network\"";
  ASSERT_NE(body.find(marker), std::string::npos);
  body.replace(body.find(marker), marker.size(), deep);
  const Answer a = post(*c, "/mutate", body);
  EXPECT_EQ(a.status, 400) << a.body.substr(0, 200);
  EXPECT_NE(a.body.find("nested deeper than"), std::string::npos) << a.body.substr(0, 200);
  auto c2 = client();
  EXPECT_EQ(admit(*c2, "mutate", review("uid-after", "CREATE", adapter_host())).status, 200);
}

TEST_F(ContractTest, ReviewWithoutRequestIs400WithAMessage) {
  auto c = client();
  const Answer a =
      post(*c, "/validate", R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("request"), std::string::npos) << a.body;
  EXPECT_EQ(post(*c, "/validate", "[1,2]").status, 400);
}

TEST_F(ContractTest, BodyOverTheLimitIs413) {
  auto c = client();
  json big = adapter_host();
  big["metadata"]["annotations"]["padding"] = std::string(70 * 1024, 'x');
  const Answer a = admit(*c, "mutate", review("uid-big", "CREATE", big));
  EXPECT_EQ(a.status, 413) << a.body;
  // A request under the limit on a fresh connection still works.
  auto c2 = client();
  EXPECT_EQ(admit(*c2, "mutate", review("uid-small", "CREATE", adapter_host())).status, 200);
}

TEST_F(ContractTest, DryRunGetsTheSameAnswer) {
  auto c = client();
  const json obj = adapter_host();
  const Answer wet = admit(*c, "mutate", review("uid-wet", "CREATE", obj));
  const Answer dry = admit(*c, "mutate", review("uid-dry", "CREATE", obj, nullptr, true));
  ASSERT_EQ(wet.status, 200);
  ASSERT_EQ(dry.status, 200);
  EXPECT_EQ(dry.response()["uid"], "uid-dry");
  EXPECT_EQ(wet.allowed(), dry.allowed());
  EXPECT_EQ(wet.patch(), dry.patch());
  EXPECT_EQ(wet.warnings(), dry.warnings());
}

TEST_F(ContractTest, DenialCarriesStatusCodeAndRuleMessage) {
  auto c = client();
  const json obj = host_object("h-nf", {{"provider", {{"name", "no-such-provider"}}},
                                        {"id", "host-10"},
                                        {"ipAddress", "192.168.1.10"}});
  const Answer a = admit(*c, "validate", review("uid-deny", "CREATE", obj));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_FALSE(a.allowed());
  const json status = a.response()["status"];
  EXPECT_EQ(status["code"], 403) << a.body;
  EXPECT_TRUE(a.has_rule("provider-not-found")) << a.body;
}

TEST_F(ContractTest, WarningsStayWithinTheApiserverLimitsAndAuditKeysAreValid) {
  auto c = client();
  // host-11 is in maintenance, not green and has two adapters named Mgmt.
  const json obj =
      host_object("h-warn", {{"provider", {{"name", "vsphere-provider"}}}, {"id", "host-11"}},
                  {{kAdapter, "Mgmt"}});
  const Answer a = admit(*c, "mutate", review("uid-warn", "CREATE", obj));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_TRUE(a.allowed()) << a.body;
  const auto warnings = a.warnings();
  ASSERT_GE(warnings.size(), 3u) << a.body;
  size_t total = 0;
  for (const auto& w : warnings) {
    EXPECT_LE(w.size(), 120u) << w;
    total += w.size();
  }
  EXPECT_LE(total, 4096u);
  EXPECT_TRUE(a.has_rule("host-in-maintenance")) << a.body;
  EXPECT_TRUE(a.has_rule("host-status-not-green")) << a.body;
  EXPECT_TRUE(a.has_rule("adapter-name-repeated")) << a.body;
  const json audit = a.response().value("auditAnnotations", json::object());
  ASSERT_FALSE(audit.empty()) << a.body;
  static const std::regex key_re("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  for (const auto& [k, v] : audit.items()) {
    EXPECT_LE(k.size(), 63u) << k;
    EXPECT_TRUE(std::regex_match(k, key_re)) << k;
    EXPECT_TRUE(v.is_string()) << k;
  }
}

TEST_F(ContractTest, MutateOutputIsIdempotentAndValidates) {
  auto c = client();
  const json obj = adapter_host("h-idem");
  const Answer first = admit(*c, "mutate", review("uid-i1", "CREATE", obj));
  ASSERT_TRUE(first.allowed()) << first.body;
  const json patched = obj.patch(first.patch());
  const Answer second = admit(*c, "mutate", review("uid-i2", "CREATE", patched));
  ASSERT_TRUE(second.allowed()) << second.body;
  EXPECT_TRUE(second.patch().empty()) << second.body;
  const Answer valid = admit(*c, "validate", review("uid-i3", "CREATE", patched));
  EXPECT_TRUE(valid.allowed()) << valid.body;
}

TEST_F(ContractTest, HealthAndReadiness) {
  auto c = client();
  auto h = c->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto r = c->Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto nf = c->Get("/nope");
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  auto get_mutate = c->Get("/mutate");
  ASSERT_TRUE(get_mutate);
  EXPECT_EQ(get_mutate->status, 405);
}

TEST_F(ContractTest, MetricsExposeTheFamiliesAfterRequests) {
  auto c = client();
  ASSERT_EQ(admit(*c, "mutate", review("uid-m1", "CREATE", adapter_host())).status, 200);
  ASSERT_EQ(admit(*c, "validate", review("uid-m2", "CREATE", adapter_host())).status, 200);
  auto m = c->Get("/metrics");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->status, 200);
  const std::string& text = m->body;
  for (const char* family :
       {"hostadm_admission_requests_total", "hostadm_admission_rule_total",
        "hostadm_admission_duration_seconds_bucket", "hostadm_admission_in_flight",
        "hostadm_inventory_requests_total", "hostadm_inventory_request_duration_seconds",
        "hostadm_inventory_cache_total", "hostadm_tls_certificate_expiry_timestamp_seconds",
        "hostadm_tls_reloads_total"})
    EXPECT_NE(text.find(family), std::string::npos) << family;
  static const std::regex allowed_mutate(
      R"re(hostadm_admission_requests_total\{operation="CREATE",verdict="(allowed|warned)",webhook="mutate"\} ([0-9]+))re");
  std::smatch sm;
  ASSERT_TRUE(std::regex_search(text, sm, allowed_mutate)) << text.substr(0, 2000);
  EXPECT_GE(std::stoi(sm[2]), 1);
  EXPECT_NE(text.find(R"(hostadm_tls_reloads_total{result="success"} 1)"), std::string::npos);
}

TEST_F(ContractTest, OneJsonLogLinePerAdmissionWithoutTheObject) {
  auto c = client();
  json obj = adapter_host("h-log");
  obj["spec"]["secret"] = {{"name", "very-private-secret-name"}, {"namespace", "demo"}};
  obj["metadata"]["labels"] = {{"marker", "object-content-must-not-be-logged"}};
  ASSERT_EQ(admit(*c, "mutate", review("uid-log-1", "CREATE", obj)).status, 200);
  const std::string line = log_line_with(*hook_->proc, "uid-log-1");
  ASSERT_FALSE(line.empty()) << hook_->proc->err();
  const json entry = json::parse(line);
  EXPECT_EQ(entry["msg"], "admission");
  EXPECT_EQ(entry["uid"], "uid-log-1");
  EXPECT_EQ(entry["webhook"], "mutate");
  EXPECT_EQ(entry["namespace"], "demo");
  EXPECT_EQ(entry["name"], "h-log");
  EXPECT_EQ(entry["operation"], "CREATE");
  EXPECT_EQ(entry["user"], "kubernetes-admin");  // request.userInfo.username
  EXPECT_TRUE(entry["verdict"].is_string());
  EXPECT_TRUE(entry["rules"].is_array());
  EXPECT_EQ(entry["dryRun"], false);
  EXPECT_TRUE(entry["durationMs"].is_number());
  EXPECT_TRUE(entry.contains("ts"));
  EXPECT_TRUE(entry.contains("level"));
  EXPECT_EQ(hook_->proc->err().find("object-content-must-not-be-logged"), std::string::npos);
}

}  // namespace
}  // namespace hostadm::servertest
