// decide() row by row: verdict, rule ids, code, message, the values named in it, and the patch.
#include <gtest/gtest.h>

#include <algorithm>

#include "unit/testlib/fake_inventory.hpp"
#include "unit/testlib/host_cases.hpp"
#include "unit/testlib/rules_decided_later.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/host_reader.hpp"
#include "webhook/core/review_reader.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/core/stored_host.hpp"

namespace hostadm::testing {
namespace {

class DecisionTable : public ::testing::TestWithParam<HostCase> {};

std::string all_text(const Verdict& v) {
  std::string text = v.message;
  for (const auto& w : v.warnings) text += "\n" + w;
  return text;
}

TEST_P(DecisionTable, MutateAnswersAsExpected) {
  const HostCase& c = GetParam();
  Verdict v = c.decide_with(c.request(), Phase::Mutate);

  EXPECT_EQ(v.allowed, c.allowed) << all_text(v);
  EXPECT_EQ(v.code, c.code) << all_text(v);
  EXPECT_EQ(v.defer, c.defer);
  EXPECT_EQ(v.in_scope, c.in_scope);
  EXPECT_EQ(v.rules(), c.rules) << all_text(v);
  EXPECT_EQ(v.patch.to_json(), c.patch) << v.patch.to_json().dump(2);
  for (const auto& m : c.mentions)
    EXPECT_NE(all_text(v).find(m), std::string::npos) << m << "\n" << all_text(v);

  if (!c.allowed) {
    ASSERT_FALSE(v.findings.empty());
    // The user sees the message first: it starts with the first denial's rule id.
    EXPECT_EQ(v.message.rfind(v.findings.front().rule + ": ", 0), 0u) << v.message;
    EXPECT_TRUE(v.findings.front().deny);
    EXPECT_TRUE(v.patch.empty()) << "a denial carries no patch";
  } else {
    EXPECT_TRUE(v.message.empty()) << v.message;
  }
  for (const auto& f : v.findings) {
    EXPECT_TRUE(is_known_rule(f.rule)) << f.rule;
    EXPECT_EQ(f.message.rfind(f.rule + ": ", 0), 0u) << f.message;
  }
  // Every warning is a non-deny finding's message, in order.
  std::vector<std::string> expected_warnings;
  for (const auto& f : v.findings)
    if (!f.deny) expected_warnings.push_back(f.message);
  EXPECT_EQ(v.warnings, expected_warnings);
}

INSTANTIATE_TEST_SUITE_P(Rows, DecisionTable, ::testing::ValuesIn(host_cases()),
                         [](const ::testing::TestParamInfo<HostCase>& info) {
                           std::string name;
                           for (char ch : info.param.name)
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name + "_" + std::to_string(info.index);
                         });

TEST(DecisionTableCoverage, EveryRuleIdHasAnAdmittedAndAFailingRow) {
  std::set<std::string> failing;
  for (const auto& c : host_cases()) {
    for (const auto& r : c.rules) failing.insert(r);
  }
  for (const auto& rule : all_rules()) {
    if (decided_later(rule.id) || needs_cluster(rule.id)) continue;
    EXPECT_TRUE(failing.count(std::string(rule.id))) << "no row exercises " << rule.id;
  }
}

Verdict run(const AdmissionRequest& req, Phase phase, const Policy& policy = Policy()) {
  FakeInventory inv = standard_inventory();
  return decide(req, phase, inv, policy);
}

// An UPDATE that changed the spec (here: spec.name) but kept a stale IP: only a mutating webhook
// may refresh it, so /validate seeing it means none did.
TEST(Decide, ValidateTreatsAnUnrefreshedStaleIpAsAConflict) {
  json stale =
      with_adapter(host_with({{"spec", {{"ipAddress", "192.168.1.5"}}}}), "Management Network");
  HostCase c("validate", stale);
  c.update_from(set_at(stale, "/spec/name", "esxi-01"));
  Verdict v = run(c.request(), Phase::Validate);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rules(), std::vector<std::string>{"address-conflict"});
  EXPECT_TRUE(v.patch.empty());
}

// With the spec unchanged the stored Host is kept: the same finding is only a warning.
TEST(Decide, ValidateKeepsAStoredHostWhoseSpecDidNotChange) {
  json stale =
      with_adapter(host_with({{"spec", {{"ipAddress", "192.168.1.5"}}}}), "Management Network");
  HostCase c("validate", stale);
  c.update_from(stale);
  Verdict v = run(c.request(), Phase::Validate);
  EXPECT_TRUE(v.allowed) << v.message;
  EXPECT_EQ(v.rules(), std::vector<std::string>{"address-conflict"});
  EXPECT_TRUE(v.patch.empty());
}

// Removing a finalizer must go through whatever the Host or the inventory look like: not even
// a malformed spec or an inventory call stands in the way.
TEST(Decide, DeletionInProgressAdmitsUntouchedWithoutAskingTheInventory) {
  json deleting = host_with({{"metadata", {{"deletionTimestamp", "2026-01-01T00:00:00Z"}}},
                             {"spec", {{"ipAddress", 7}}}});
  json before = deleting;
  before["metadata"]["finalizers"] = {"example.com/cleanup"};
  for (Phase phase : {Phase::Mutate, Phase::Validate}) {
    HostCase c("deleting", deleting);
    c.update_from(before);
    FakeInventory inv = standard_inventory();
    Verdict v = decide(c.request(), phase, inv, Policy());
    EXPECT_TRUE(v.allowed) << v.message;
    EXPECT_TRUE(v.in_scope);
    EXPECT_TRUE(v.findings.empty()) << v.rules().front();
    EXPECT_TRUE(v.patch.empty()) << v.patch.to_json().dump();
    EXPECT_EQ(inv.provider_calls, 0);
  }
  // The stored object's timestamp counts too (the apiserver keeps it on every UPDATE).
  HostCase c("deleting-old", set_at(stored_host(), "/spec/ipAddress", "192.168.1.99"));
  c.update_from(set_at(stored_host(), "/metadata/deletionTimestamp", "2026-01-01T00:00:00Z"));
  Verdict v = run(c.request(), Phase::Mutate);
  EXPECT_TRUE(v.allowed && v.findings.empty()) << v.message;
  // A CREATE carrying a deletionTimestamp is judged as usual.
  HostCase create("create", set_at(host_with({{"spec", {{"ipAddress", nullptr}}}}),
                                   "/metadata/deletionTimestamp", "2026-01-01T00:00:00Z"));
  EXPECT_FALSE(run(create.request(), Phase::Mutate).allowed);
}

// Empty and absent are the same "unset" to the rules, so they do not count as a change.
TEST(Decide, AnEmptyValueAndAnAbsentOneAreTheSameSpec) {
  json gone = host_with({{"spec", {{"provider", {{"name", "deleted-provider"}}}}}});
  HostCase c("unset", with_adapter(gone, ""));
  c.update_from(gone);
  Verdict v = run(c.request(), Phase::Mutate);
  EXPECT_TRUE(v.allowed) << v.message;
  EXPECT_EQ(v.rules(), std::vector<std::string>{"provider-not-found"});
}

// The specs are compared as values: the order the keys come in, and how a number is written, do
// not make an UPDATE a change. A changed value does.
TEST(Decide, TheSameSpecWrittenDifferentlyIsTheSameSpec) {
  json gone = host_with({{"spec", {{"provider", {{"name", "deleted-provider"}}}}}});
  gone["spec"]["port"] = 443;
  HostCase c("same", gone);
  json stored = gone;
  stored["spec"]["port"] = 443.0;
  c.update_from(stored);
  // The review's bytes with the old spec's keys in reverse order.
  json review = json::parse(c.review_text());
  std::string text = review.dump();
  const json& spec = review["request"]["oldObject"]["spec"];
  const std::string old_spec = spec.dump();
  std::string reversed = "{";
  std::vector<std::string> members;
  for (const auto& [k, v] : spec.items()) members.push_back(json(k).dump() + ":" + v.dump());
  for (auto it = members.rbegin(); it != members.rend(); ++it)
    reversed += (reversed.size() > 1 ? "," : "") + *it;
  reversed += "}";
  const size_t at = text.rfind(old_spec);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, old_spec.size(), reversed);
  FakeInventory inv = standard_inventory();
  Verdict v = decide(read_review(text), Phase::Mutate, inv, Policy());
  EXPECT_TRUE(v.allowed) << v.message;
  EXPECT_EQ(v.rules(), std::vector<std::string>{"provider-not-found"});

  HostCase changed("changed", set_at(gone, "/spec/port", 444));
  changed.update_from(stored);
  EXPECT_FALSE(run(changed.request(), Phase::Mutate).allowed);
}

// An audit reads a Host as the API stores it (one item of a LIST answer) and decides the UPDATE
// that leaves it as it is: what the webhook answers when a label changes.
TEST(Decide, AStoredHostIsDecidedAsTheUpdateThatKeepsIt) {
  json gone = host_with({{"spec", {{"provider", {{"name", "deleted-provider"}}}}}});
  gone["metadata"]["labels"] = {{"team", "migration"}};
  gone["status"] = {{"conditions", json::array()}};
  const HostObject stored = read_host_object(gone.dump());
  const AdmissionRequest req = unchanged_update(stored, "audit-1");
  EXPECT_EQ(req.operation, "UPDATE");
  EXPECT_EQ(req.ns, "demo");
  EXPECT_EQ(req.name, "host-10-4a5e");
  FakeInventory inv = standard_inventory();
  const Verdict v = decide(req, Phase::Mutate, inv, Policy());
  // As a relabelling of that Host: kept, the finding a warning, nothing patched.
  HostCase relabel("relabel", gone);
  relabel.update_from(host_with({{"spec", {{"provider", {{"name", "deleted-provider"}}}}}}));
  FakeInventory inv2 = standard_inventory();
  const Verdict webhook = decide(relabel.request(), Phase::Mutate, inv2, Policy());
  EXPECT_TRUE(v.allowed) << v.message;
  EXPECT_EQ(v.rules(), std::vector<std::string>{"provider-not-found"});
  EXPECT_TRUE(v.patch.empty());
  EXPECT_EQ(v.allowed, webhook.allowed);
  EXPECT_EQ(v.warnings, webhook.warnings);
  EXPECT_EQ(v.patch, webhook.patch);
}

TEST(Decide, ValidateNeverPatchesEvenWhenMutateWould) {
  json minimal = with_adapter(
      host_with({{"metadata", {{"ownerReferences", nullptr}}},
                 {"spec", {{"ipAddress", nullptr}, {"secret", nullptr}, {"id", nullptr}}}}),
      "Management Network");
  HostCase c("validate-minimal", minimal);
  Verdict mutate = run(c.request(), Phase::Mutate);
  ASSERT_TRUE(mutate.allowed) << mutate.message;
  EXPECT_EQ(mutate.patch.size(), 4u) << mutate.patch.to_json().dump();
  Verdict validate = run(c.request(), Phase::Validate);
  EXPECT_TRUE(validate.patch.empty());
}

TEST(Decide, ValidateDoesNotReportAMutationItDidNotMake) {
  HostCase c("validate-no-secret", host_with({{"spec", {{"secret", nullptr}}}}));
  Verdict mutate = run(c.request(), Phase::Mutate);
  EXPECT_EQ(mutate.rules(), std::vector<std::string>{"vcenter-credentials"});
  Verdict validate = run(c.request(), Phase::Validate);
  EXPECT_TRUE(validate.allowed);
  EXPECT_TRUE(validate.warnings.empty()) << validate.warnings.front();
}

TEST(Decide, NoInventoryLookupWhenTheProviderCannotBeAsked) {
  for (json spec_provider :
       {json(nullptr), json{{"name", "vsphere-provider"}, {"namespace", "other"}}}) {
    HostCase c("no-lookup", host_with({{"spec", {{"provider", spec_provider}}}}));
    FakeInventory inv = standard_inventory();
    Verdict v = decide(c.request(), Phase::Mutate, inv, Policy());
    EXPECT_FALSE(v.allowed);
    EXPECT_EQ(inv.provider_calls, 0);
    EXPECT_EQ(inv.hosts_calls, 0);
  }
}

TEST(Decide, NoHostsLookupForAProviderThatCannotHaveHosts) {
  HostCase c("ovirt", host_with({{"spec", {{"provider", {{"name", "ovirt-provider"}}}}}}));
  FakeInventory inv = standard_inventory();
  decide(c.request(), Phase::Mutate, inv, Policy());
  EXPECT_EQ(inv.provider_calls, 1);
  EXPECT_EQ(inv.hosts_calls, 0);
}

// Every rule that needs the Host's Secret shares one read of it per decision.
TEST(Decide, TheSecretIsReadOncePerDecision) {
  HostCase c("tls", stored_host());
  FakeInventory inv = standard_inventory();
  FakeCluster cluster;
  cluster.every_secret_valid = true;
  const Policy tls = parse_policy(demo_entry({{"requireVerifiedTls", true}}));
  decide(c.request(), Phase::Mutate, inv, tls, &cluster);
  EXPECT_EQ(cluster.secret_reads, 1);
}

// A policy that chooses no entry by label costs no label lookup per admission.
TEST(Decide, NamespaceLabelsAreAskedOnlyForSelectorEntries) {
  HostCase c("labels", stored_host());
  FakeInventory inv = standard_inventory();
  FakeCluster cluster;
  decide(c.request(), Phase::Mutate, inv, parse_policy(demo_entry({{"mode", "warn"}})), &cluster);
  EXPECT_EQ(cluster.label_reads, 0);
  const Policy by_label = parse_policy(json::parse(
      R"({"namespaces": [{"selector": {"matchLabels": {"env": "prod"}}, "mode": "warn"}]})"));
  decide(c.request(), Phase::Mutate, inv, by_label, &cluster);
  EXPECT_EQ(cluster.label_reads, 1);
}

TEST(Decide, DryRunGetsTheSameAnswer) {
  HostCase c("dry",
             with_adapter(host_with({{"spec", {{"ipAddress", nullptr}}}}), "Management Network"));
  AdmissionRequest req = c.request();
  Verdict wet = run(req, Phase::Mutate);
  req.dry_run = true;
  Verdict dry = run(req, Phase::Mutate);
  EXPECT_EQ(dry.allowed, wet.allowed);
  EXPECT_EQ(dry.patch, wet.patch);
  EXPECT_EQ(dry.warnings, wet.warnings);
  EXPECT_FALSE(dry.patch.empty());
}

TEST(Decide, NamespaceFallsBackToTheRequestThenDefault) {
  json h = stored_host();
  h["metadata"].erase("namespace");
  HostCase c("ns", h);
  c.request_ns = "";
  // In "default" there is no vsphere-provider, and the provider namespace 'demo' differs.
  Verdict v = run(c.request(), Phase::Mutate);
  EXPECT_EQ(v.rules(),
            (std::vector<std::string>{"provider-cross-namespace", "secret-cross-namespace"}));
  EXPECT_NE(v.message.find("'default'"), std::string::npos) << v.message;
}

TEST(Decide, WarnModeKeepsTheFindingsButAdmits) {
  Policy policy;
  policy.namespaces.push_back({"demo", Mode::Warn});
  HostCase c("warn", host_with({{"spec", {{"ipAddress", nullptr}}}}));
  Verdict v = run(c.request(), Phase::Mutate, policy);
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.mode, Mode::Warn);
  ASSERT_EQ(v.warnings.size(), 1u);
  EXPECT_EQ(v.warnings[0].rfind("address-missing: ", 0), 0u);
}

TEST(ToResponse, DeniedAnswerHasStatusAndAuditAnnotations) {
  HostCase c("deny", host_with({{"spec", {{"ipAddress", nullptr}}}}));
  AdmissionRequest req = c.request();
  Verdict v = run(req, Phase::Mutate);
  AdmissionResponse r = to_response(req, v);
  EXPECT_EQ(r.uid, req.uid);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 403);
  EXPECT_EQ(r.reason, "Forbidden");
  EXPECT_EQ(r.message, v.message);
  EXPECT_TRUE(r.patch.empty());
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.audit_annotations, (Pairs{{"decision", "denied"}, {"rules", "address-missing"}}));
}

TEST(ToResponse, MalformedIsABadRequest) {
  HostCase c("bad", host_with({{"spec", {{"ipAddress", 1}}}}));
  AdmissionResponse r = to_response(c.request(), run(c.request(), Phase::Mutate));
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.reason, "BadRequest");
}

TEST(ToResponse, WarnedAnswerCarriesPatchWarningsAndRules) {
  HostCase c("warned", host_with({{"spec", {{"secret", nullptr}}}}));
  AdmissionRequest req = c.request();
  Verdict v = run(req, Phase::Mutate);
  AdmissionResponse r = to_response(req, v);
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.patch, v.patch);
  EXPECT_EQ(r.warnings, v.warnings);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.audit_annotations, (Pairs{{"decision", "warned"}, {"rules", "vcenter-credentials"}}));
}

TEST(ToResponse, CleanAnswerHasOnlyTheDecision) {
  HostCase c("clean", stored_host());
  AdmissionResponse r = to_response(c.request(), run(c.request(), Phase::Validate));
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.audit_annotations, (Pairs{{"decision", "allowed"}}));
  EXPECT_TRUE(r.patch.empty());
}

// Every field of the Host replaced by every JSON type: an answer, never an exception or a 500.
TEST(Decide, AnyJsonTypeInAnyFieldGetsAClearAnswer) {
  const std::vector<std::string> pointers = {
      "/metadata",
      "/metadata/namespace",
      "/metadata/annotations",
      "/metadata/annotations/forklift.konveyor.io~1network-adapter",
      "/metadata/ownerReferences",
      "/metadata/ownerReferences/0",
      "/metadata/ownerReferences/0/uid",
      "/metadata/ownerReferences/0/controller",
      "/spec",
      "/spec/provider",
      "/spec/provider/name",
      "/spec/provider/namespace",
      "/spec/id",
      "/spec/name",
      "/spec/ipAddress",
      "/spec/secret",
      "/spec/secret/name",
      "/spec/secret/namespace"};
  const std::vector<json> values = {
      nullptr,        true,          0, -1.5, "", "x", json::array(), json::array({1}),
      json::object(), json{{"a", 1}}};
  json base = with_adapter(stored_host(), "Management Network");
  for (const auto& ptr : pointers) {
    for (const auto& value : values) {
      json h = base;
      h[json::json_pointer(ptr)] = value;
      for (Phase phase : {Phase::Mutate, Phase::Validate}) {
        HostCase c("types", h);
        c.update_from(base);
        Verdict v = run(c.request(), phase);
        EXPECT_TRUE(v.code == 200 || v.code == 400 || v.code == 403)
            << ptr << " = " << value.dump() << ": " << v.code << " " << v.message;
        if (v.code == 400) {
          EXPECT_EQ(v.rules(), std::vector<std::string>{"malformed"});
          EXPECT_NE(v.message.find("must be"), std::string::npos) << v.message;
        }
        if (v.allowed) {
          EXPECT_NO_THROW(c.object.patch(v.patch.to_json())) << v.patch.to_json().dump();
        }
      }
    }
  }
}

TEST(MissingRequiredFields, AbsentNullEmptyAllCount) {
  EXPECT_TRUE(missing_required_fields(stored_host()).empty());
  std::vector<std::string> all = {"/spec/ipAddress", "/spec/provider", "/spec/secret"};
  EXPECT_EQ(missing_required_fields(json{
                {"spec", {{"ipAddress", ""}, {"provider", json::object()}, {"secret", nullptr}}}}),
            all);
  EXPECT_EQ(missing_required_fields(json::object()), all);
  EXPECT_EQ(missing_required_fields("not a host"), all);
  EXPECT_EQ(missing_required_fields(set_at(stored_host(), "/spec/secret", json::object())),
            std::vector<std::string>{"/spec/secret"});
}

TEST(Decide, AnnotationKeyComesFromThePolicy) {
  Policy policy;
  policy.adapter_annotation = "example.com/nic";
  json h = host_with({{"spec", {{"ipAddress", nullptr}}}});
  h["metadata"]["annotations"]["example.com/nic"] = "vMotion Network";
  HostCase c("annotation", h);
  Verdict v = run(c.request(), Phase::Mutate, policy);
  ASSERT_TRUE(v.allowed) << v.message;
  EXPECT_EQ(v.patch.to_json(), json::array({add("/spec/ipAddress", "10.0.0.10")}));
}

TEST(Decide, AnnotationFromThePolicyIsReportedOnceWhenNotAString) {
  Policy policy;
  policy.adapter_annotation = "example.com/nic";
  json h = host_with({{"metadata", {{"annotations", {{"example.com/nic", 42}}}}}});
  Verdict v = run(HostCase("annotation", h).request(), Phase::Mutate, policy);
  EXPECT_EQ(v.message,
            "malformed: metadata.annotations['example.com/nic'] must be a string, got number 42; "
            "fix this field in the manifest");
}

TEST(Decide, AHugeUserValueIsClippedInTheMessage) {
  const std::string huge_id(4 << 20, 'x');
  Verdict v =
      run(HostCase("huge id", host_with({{"spec", {{"id", huge_id}}}})).request(), Phase::Mutate);
  ASSERT_FALSE(v.allowed);
  EXPECT_EQ(v.rules(), std::vector<std::string>{"host-not-found"});
  EXPECT_LT(v.message.size(), 4096u);
  EXPECT_EQ(v.message.rfind("host-not-found: ", 0), 0u) << v.message.substr(0, 200);
  EXPECT_NE(v.message.find("spec.id"), std::string::npos) << v.message;
  // The user can tell the value was cut, and by how much.
  EXPECT_NE(v.message.find("'" + huge_id.substr(0, 128) + "... (4194304 bytes)'"),
            std::string::npos)
      << v.message;
  for (const auto& f : v.findings) EXPECT_LT(f.message.size(), 4096u);
}

TEST(Decide, AHugeAnnotationKeyIsClippedInTheMalformedMessage) {
  const std::string huge_key(1 << 20, 'k');
  json h = host_with({{"metadata", {{"annotations", {{huge_key, 1}}}}}});
  Verdict v = run(HostCase("huge key", h).request(), Phase::Mutate);
  ASSERT_FALSE(v.allowed);
  EXPECT_LT(v.message.size(), 4096u);
  EXPECT_EQ(v.message.rfind("malformed: metadata.annotations['", 0), 0u)
      << v.message.substr(0, 200);
}

}  // namespace
}  // namespace hostadm::testing
