// The offline apiserver path (pipeline), and `replay`'s flags, exit codes and input errors.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include "harness/output.hpp"
#include "harness/pipeline.hpp"
#include "harness/replay.hpp"
#include "harness/results.hpp"
#include "unit/testlib/harness_docs.hpp"
#include "webhook/core/review_reader.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {
namespace {

using nlohmann::json;

TEST(Pipeline, HostIsMutatedPatchedAndValidated) {
  Pipeline p(sample_fixture(), Policy{});
  DocResult r = p.run(doc_from_yaml(kAdapterHost), "", 1);
  EXPECT_FALSE(r.skipped);
  EXPECT_TRUE(r.allowed) << r.message;
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.operation, "CREATE");
  EXPECT_EQ(r.source, "test.yaml#0");
  EXPECT_EQ(r.ns, "demo");
  EXPECT_EQ(r.name, "host-10-30f1");
  ASSERT_TRUE(r.patch.is_array());
  EXPECT_FALSE(r.patch.empty());
  EXPECT_EQ(r.object["spec"]["ipAddress"], "192.168.1.10");
  EXPECT_EQ(r.object["spec"]["secret"]["name"], "vsphere-secret");
  EXPECT_EQ(r.object["spec"]["provider"]["namespace"], "demo");
  EXPECT_TRUE(has(r.rules, "vcenter-credentials"));
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.warnings[0].rfind("vcenter-credentials:", 0), 0u);
}

TEST(Pipeline, DenialKeepsTheUnpatchedObjectAndNoPatch) {
  Pipeline p(sample_fixture(), Policy{});
  DocResult r = p.run(doc_from_yaml(R"(
apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata: {name: h, namespace: demo}
spec: {provider: {name: vsphere-provider}, id: host-999, ipAddress: 192.168.1.99}
)"),
                      "", 1);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 403);
  EXPECT_TRUE(has(r.rules, "host-not-found"));
  EXPECT_EQ(r.message.rfind("host-not-found:", 0), 0u) << r.message;
  EXPECT_TRUE(r.patch.empty());
  EXPECT_FALSE(r.object["spec"].contains("secret"));
}

TEST(Pipeline, AdmissionReviewIsReplayedAsIs) {
  auto docs = read_documents({kSource + "/examples/reviews/update-adapter-ip-changed.json"});
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(classify(docs[0].value), DocKind::Review);
  Pipeline p(sample_fixture(), Policy{});
  DocResult r = p.run(docs[0], "ignored-for-reviews", 1);
  EXPECT_TRUE(r.allowed) << r.message;
  EXPECT_EQ(r.operation, "UPDATE");
  EXPECT_TRUE(has(r.rules, "address-refreshed"));
  EXPECT_EQ(r.object["spec"]["ipAddress"], "192.168.1.10");
  EXPECT_EQ(r.ns, "demo");
}

TEST(Pipeline, DeleteReviewPassesUntouched) {
  auto docs = read_documents({kSource + "/examples/reviews/delete.json"});
  Pipeline p(sample_fixture(), Policy{});
  DocResult r = p.run(docs.at(0), "", 1);
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.operation, "DELETE");
  EXPECT_TRUE(r.patch.empty());
  EXPECT_FALSE(has(r.rules, "schema"));
}

TEST(Pipeline, BrokenReviewIsMalformedNotACrash) {
  Pipeline p(sample_fixture(), Policy{});
  DocResult r =
      p.run(doc_from_yaml("apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\n"), "", 1);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.rules, std::vector<std::string>{"malformed"});
}

TEST(Pipeline, OtherKindsAreSkippedWithAReason) {
  Pipeline p(sample_fixture(), Policy{});
  DocResult cm =
      p.run(doc_from_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), "", 1);
  EXPECT_TRUE(cm.skipped);
  EXPECT_EQ(cm.skip_reason, "kind ConfigMap");
  DocResult none = p.run(doc_from_yaml("foo: bar\n"), "", 2);
  EXPECT_TRUE(none.skipped);
  EXPECT_EQ(none.skip_reason, "no kind");
  DocResult old =
      p.run(doc_from_yaml("apiVersion: forklift.konveyor.io/v1alpha1\nkind: Host\n"), "", 3);
  EXPECT_TRUE(old.skipped);
  EXPECT_NE(old.skip_reason.find("v1alpha1"), std::string::npos);
}

TEST(Pipeline, NonMappingsAndWrongTypesAreMalformed) {
  Pipeline p(sample_fixture(), Policy{});
  for (const char* text : {"- a\n- b\n", "42\n", "just text\n"}) {
    DocResult r = p.run(doc_from_yaml(text), "", 1);
    EXPECT_FALSE(r.allowed) << text;
    EXPECT_EQ(r.code, 400) << text;
    EXPECT_EQ(r.rules, std::vector<std::string>{"malformed"}) << text;
  }
  DocResult ns = p.run(doc_from_yaml("apiVersion: forklift.konveyor.io/v1beta1\nkind: Host\n"
                                     "metadata: {name: h, namespace: 7}\n"),
                       "", 1);
  EXPECT_EQ(ns.code, 400);
  EXPECT_NE(ns.message.find("metadata.namespace"), std::string::npos);
  DocResult ip = p.run(doc_from_yaml("apiVersion: forklift.konveyor.io/v1beta1\nkind: Host\n"
                                     "metadata: {name: h, namespace: demo}\n"
                                     "spec: {provider: {name: vsphere-provider}, id: host-10, "
                                     "ipAddress: {a: 1}}\n"),
                       "", 1);
  EXPECT_EQ(ip.code, 400);
  EXPECT_TRUE(has(ip.rules, "malformed"));
  EXPECT_NE(ip.message.find("ipAddress"), std::string::npos);
}

// The review the harness sends for a Host, as the webhook reads it.
AdmissionRequest host_request(json host, const std::string& ns, const std::string& uid,
                              const json& old_host = nullptr) {
  return read_review(host_review(std::move(host), ns, uid, old_host).dump());
}

TEST(Pipeline, NamespaceComesFromTheDocumentThenTheFlagThenDefault) {
  const std::string no_ns =
      "apiVersion: forklift.konveyor.io/v1beta1\nkind: Host\nmetadata: {name: h}\n"
      "spec: {provider: {name: vsphere-prod}, id: host-100, ipAddress: 172.16.10.100}\n";
  AdmissionRequest flag = host_request(parse_yaml_one(no_ns).value, "production", "u1");
  EXPECT_EQ(flag.ns, "production");
  EXPECT_EQ(flag.object.ns, "production");
  EXPECT_EQ(flag.operation, "CREATE");
  EXPECT_EQ(flag.uid, "u1");
  EXPECT_EQ(flag.resource.resource, "hosts");
  EXPECT_EQ(flag.resource.group, "forklift.konveyor.io");

  AdmissionRequest fallback = host_request(parse_yaml_one(no_ns).value, "", "u2");
  EXPECT_EQ(fallback.ns, "default");
  EXPECT_EQ(fallback.object.ns, "default");

  json own = parse_yaml_one(no_ns).value;
  own["metadata"]["namespace"] = "demo";
  AdmissionRequest doc = host_request(own, "production", "u3", own);
  EXPECT_EQ(doc.ns, "demo");
  EXPECT_EQ(doc.operation, "UPDATE");
  EXPECT_EQ(doc.old_object.ns, "demo");

  // End to end: the flag's namespace finds the production provider and its secret.
  Pipeline p(sample_fixture(), Policy{});
  DocResult r = p.run(doc_from_yaml(no_ns), "production", 1);
  EXPECT_TRUE(r.allowed) << r.message;
  EXPECT_EQ(r.ns, "production");
  EXPECT_EQ(r.object["spec"]["secret"]["namespace"], "production");
}

TEST(Pipeline, SchemaStepDeniesWhatMutationCouldNotComplete) {
  // Warn mode admits at the webhook, but nothing can fill spec.secret: the CRD schema refuses.
  Pipeline p(sample_fixture(), sandbox_warn_policy());
  DocResult r = p.run(doc_from_yaml(R"(
apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata: {name: lab-02, namespace: sandbox-bob}
spec: {provider: {name: vsphere-lab}, id: host-10, ipAddress: 10.99.0.10}
)"),
                      "", 1);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 422);
  EXPECT_TRUE(has(r.rules, "schema"));
  EXPECT_EQ(r.message,
            "Host.forklift.konveyor.io \"lab-02\" is invalid: spec.secret: Required value");
}

TEST(Pipeline, SchemaMessageMatchesKubeForOneAndSeveralFields) {
  EXPECT_EQ(schema_message("h", {"/spec/secret"}),
            "Host.forklift.konveyor.io \"h\" is invalid: spec.secret: Required value");
  EXPECT_EQ(schema_message("h", {"/spec/ipAddress", "/spec/secret"}),
            "Host.forklift.konveyor.io \"h\" is invalid: [spec.ipAddress: Required value, "
            "spec.secret: Required value]");
}

TEST(Replay, ExitCodeFollowsDenials) {
  auto ok = replay_examples({"hosts"});
  ASSERT_FALSE(ok.empty());
  EXPECT_EQ(replay_exit_code(ok), 0);
  auto denied = replay_examples({"denied"});
  EXPECT_EQ(replay_exit_code(denied), 1);
  // A skip does not fail a run that checked something; a run that checked nothing at all is a
  // usage error, so CI cannot pass on a file of ConfigMaps or an empty List.
  DocResult skip;
  skip.skipped = true;
  skip.allowed = false;
  EXPECT_EQ(replay_exit_code({skip, ok.front()}), 0);
  EXPECT_EQ(replay_exit_code({skip}), 2);
  EXPECT_EQ(replay_exit_code({}), 2);
}

TEST(Replay, FailOnWarningsTurnsWarningsIntoAFailure) {
  DocResult clean, warned;
  clean.allowed = warned.allowed = true;
  warned.warnings = {"vcenter-credentials: ..."};
  EXPECT_EQ(replay_exit_code({clean, warned}), 0);
  EXPECT_EQ(replay_exit_code({clean, warned}, /*fail_on_warnings=*/true), 1);
  EXPECT_EQ(replay_exit_code({clean}, true), 0);
  // A skipped document's reason is no warning.
  DocResult skip;
  skip.skipped = true;
  skip.warnings = {"x"};
  EXPECT_EQ(replay_exit_code({clean, skip}, true), 0);
}

TEST(Replay, NothingCheckedSaysWhy) {
  DocResult cm, none;
  cm.skipped = none.skipped = true;
  cm.skip_reason = "kind ConfigMap";
  none.skip_reason = "no kind";
  const std::string why = nothing_checked_reason({cm, cm, none});
  EXPECT_NE(why.find("3 documents, all skipped"), std::string::npos) << why;
  EXPECT_NE(why.find("kind ConfigMap: 2"), std::string::npos) << why;
  EXPECT_NE(why.find("no kind: 1"), std::string::npos) << why;
  EXPECT_NE(nothing_checked_reason({}).find("no documents"), std::string::npos);
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// What `kubectl get hosts -A -o yaml` prints: one List document whose items are the Hosts.
TEST(Replay, AListIsReplayedItemByItem) {
  const std::string path = write_temp("hosts-list.yaml", R"(apiVersion: v1
kind: List
metadata: {resourceVersion: ""}
items:
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: h1, namespace: demo}
  spec: {provider: {name: vsphere-provider}, id: host-10, ipAddress: 192.168.1.10}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cm}
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: h2, namespace: demo}
  spec: {provider: {name: vsphere-provider}, id: host-999, ipAddress: 192.168.1.10}
---
apiVersion: forklift.konveyor.io/v1beta1
kind: HostList
items:
- metadata: {name: h3, namespace: demo}
  spec: {provider: {name: vsphere-provider}, id: host-10, ipAddress: 192.168.1.10}
)");
  ReplayOptions o;
  o.inventory = kInventory;
  o.paths = {path};
  auto results = replay(o);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].source, path + "#0.0");
  EXPECT_EQ(results[0].name, "h1");
  EXPECT_TRUE(results[0].allowed) << results[0].message;
  EXPECT_EQ(results[1].source, path + "#0.1");
  EXPECT_TRUE(results[1].skipped);
  EXPECT_EQ(results[2].source, path + "#0.2");
  EXPECT_TRUE(has(results[2].rules, "host-not-found"));
  // A HostList's items may leave apiVersion and kind to the list.
  EXPECT_EQ(results[3].source, path + "#1.0");
  EXPECT_FALSE(results[3].skipped) << results[3].skip_reason;
  EXPECT_TRUE(results[3].allowed) << results[3].message;
  EXPECT_EQ(replay_exit_code(results), 1);
}

TEST(Replay, AnEmptyListChecksNothingAndBadItemsAreUnreadableInput) {
  ReplayOptions o;
  o.inventory = kInventory;
  o.paths = {write_temp("empty-list.yaml", "apiVersion: v1\nkind: List\nitems: []\n")};
  EXPECT_EQ(replay_exit_code(replay(o)), 2);
  o.paths = {write_temp("bad-list.yaml", "apiVersion: v1\nkind: List\nitems: {a: 1}\n")};
  try {
    replay(o);
    FAIL() << "a List whose items are not a list was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad-list.yaml:1:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("items"), std::string::npos) << e.what();
  }
}

// Stored Hosts replay like the webhook judges them: the bundled UPDATE reviews.
TEST(Pipeline, StoredHostUpdatesAreRatchetedAsTheWebhookDoes) {
  Pipeline p(sample_fixture(), Policy{});
  auto label = read_documents({kSource + "/examples/reviews/update-label-provider-gone.json"});
  DocResult r = p.run(label.at(0), "", 1);
  EXPECT_TRUE(r.allowed) << r.message;
  EXPECT_EQ(r.operation, "UPDATE");
  EXPECT_EQ(r.rules, std::vector<std::string>{"provider-not-found"});
  EXPECT_TRUE(r.patch.empty()) << r.patch.dump();

  auto deleting =
      read_documents({kSource + "/examples/reviews/update-finalizer-removed-during-deletion.json"});
  DocResult d = p.run(deleting.at(0), "", 2);
  EXPECT_TRUE(d.allowed) << d.message;
  EXPECT_TRUE(d.rules.empty());
  EXPECT_TRUE(d.warnings.empty());
  EXPECT_TRUE(d.patch.empty());

  // The same Host with a changed spec is judged like a new one.
  json changed = label.at(0).value;
  changed["request"]["object"]["spec"]["ipAddress"] = "192.168.1.21";
  InputDoc doc = label.at(0);
  doc.value = changed;
  DocResult c = p.run(doc, "", 3);
  EXPECT_FALSE(c.allowed);
  EXPECT_TRUE(has(c.rules, "provider-not-found"));
}

TEST(Replay, ArgumentErrorsAreUsageErrors) {
  EXPECT_THROW(parse_replay_args({"x.yaml"}), UsageError);                 // no inventory
  EXPECT_THROW(parse_replay_args({"--inventory", "f.yaml"}), UsageError);  // no path
  EXPECT_THROW(parse_replay_args({"--inventory", "f", "-o", "xml", "x"}), UsageError);
  EXPECT_THROW(parse_replay_args({"--inventory", "f", "--frobnicate", "x"}), UsageError);
  EXPECT_THROW(parse_replay_args({"--inventory"}), UsageError);
  auto o = parse_replay_args({"--inventory=f.yaml", "-ojson", "--namespace", "ns", "a", "-", "b"});
  EXPECT_EQ(o.inventory, "f.yaml");
  EXPECT_EQ(o.format, Format::Json);
  EXPECT_EQ(o.ns, "ns");
  EXPECT_EQ(o.paths, (std::vector<std::string>{"a", "-", "b"}));
}

TEST(Replay, AuditModeFlags) {
  auto o = parse_replay_args({"--inventory-url", "https://127.0.0.1:8443", "--inventory-token-file",
                              "t", "--inventory-ca=ca.crt", "--fail-on-warnings", "-"});
  EXPECT_TRUE(o.inventory.empty());
  EXPECT_EQ(o.live.url, "https://127.0.0.1:8443");
  EXPECT_EQ(o.live.token_file, "t");
  EXPECT_EQ(o.live.ca_file, "ca.crt");
  EXPECT_FALSE(o.live.insecure_skip_tls);
  EXPECT_TRUE(o.fail_on_warnings);
  EXPECT_TRUE(parse_replay_args({"--inventory-url", "u", "--inventory-insecure-skip-tls", "x"})
                  .live.insecure_skip_tls);
  auto message = [](const Args& args) {
    try {
      parse_replay_args(args);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message({"--inventory", "f", "--inventory-url", "u", "x"}).find("exclude each other"),
            std::string::npos);
  EXPECT_NE(
      message({"--inventory", "f", "--inventory-ca", "c", "x"}).find("go with --inventory-url"),
      std::string::npos);
  EXPECT_NE(
      message({"--inventory-url", "u", "--inventory-ca", "c", "--inventory-insecure-skip-tls", "x"})
          .find("exclude each other"),
      std::string::npos);
  EXPECT_NE(message({"--inventory", "f", "--fail-on-warnings=yes", "x"}).find("takes no value"),
            std::string::npos);
  EXPECT_NE(message({"x"}).find("--inventory-url"), std::string::npos);
}

// Scripts written for host-harness's first spellings keep working (with a warning on stderr).
TEST(Replay, OldInventoryFlagSpellingsStillWork) {
  auto o = parse_replay_args({"--inventory-url", "u", "--token-file", "t", "--ca", "c", "-"});
  EXPECT_EQ(o.live.token_file, "t");
  EXPECT_EQ(o.live.ca_file, "c");
  EXPECT_TRUE(parse_replay_args({"--inventory-url", "u", "--insecure-skip-tls", "-"})
                  .live.insecure_skip_tls);
  EXPECT_THROW(parse_replay_args({"--inventory-url", "u", "--ca", "c", "--insecure-skip-tls", "-"}),
               UsageError);
}

// $MTV_INVENTORY_URL is --inventory-url's default, as for snapshot and host-webhook; a fixture
// given with --inventory wins over it.
TEST(Replay, InventoryUrlFromTheEnvironment) {
  ::setenv("MTV_INVENTORY_URL", "https://127.0.0.1:9443", 1);
  const auto live = parse_replay_args({"-"});
  const auto fixture = parse_replay_args({"--inventory", "f.yaml", "-"});
  ::unsetenv("MTV_INVENTORY_URL");
  EXPECT_EQ(live.live.url, "https://127.0.0.1:9443");
  EXPECT_TRUE(live.inventory.empty());
  EXPECT_TRUE(fixture.live.url.empty());
  EXPECT_EQ(fixture.inventory, "f.yaml");
}

TEST(Replay, MissingInputNamesTheFile) {
  ReplayOptions o;
  o.inventory = kInventory;
  o.paths = {"/nonexistent/hosts.yaml"};
  try {
    replay(o);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/hosts.yaml"), std::string::npos);
  }
}

}  // namespace
}  // namespace hostadm::harness
