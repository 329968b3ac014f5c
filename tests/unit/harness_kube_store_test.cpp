// The mock Kubernetes API's objects: what the API server sets, its 404/409/410/422 answers with
// their exact Status bodies, finalizers, paged lists consistent at their version, and watches.
#include "harness/kube_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostadm::kubemock {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const KindInfo& kSecrets = *kind_by_resource("", "v1", "secrets");
const KindInfo& kHosts = *kind_by_resource("forklift.konveyor.io", "v1beta1", "hosts");
const KindInfo& kNamespaces = *kind_by_resource("", "v1", "namespaces");

json body(const Answer& a) {
  return json::parse(a.body);
}

json host(const std::string& name, const json& labels = json::object()) {
  return {{"apiVersion", "forklift.konveyor.io/v1beta1"},
          {"kind", "Host"},
          {"metadata", {{"name", name}, {"namespace", "demo"}, {"labels", labels}}},
          {"spec", {{"id", "host-1"}}}};
}

std::string rv_of(const json& o) {
  return o["metadata"]["resourceVersion"].get<std::string>();
}

class KubeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(store.upsert(
                  {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "demo"}}}}),
              "");
  }
  // Every line of the feed available now.
  static std::vector<json> drain(WatchFeed& f) {
    std::vector<json> out;
    while (auto line = f.next(std::chrono::milliseconds(0))) out.push_back(json::parse(*line));
    return out;
  }
  KubeStore store{100};
};

TEST_F(KubeStoreTest, CreateSetsWhatTheServerOwns) {
  const Answer a = store.create(kSecrets, "demo", {{"metadata", {{"name", "s"}}}});
  ASSERT_EQ(a.code, 201);
  const json o = body(a);
  EXPECT_EQ(o["kind"], "Secret");
  EXPECT_EQ(o["apiVersion"], "v1");
  EXPECT_EQ(o["metadata"]["namespace"], "demo");
  EXPECT_EQ(o["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_EQ(o["metadata"]["generation"], 1);
  EXPECT_TRUE(o["metadata"].contains("creationTimestamp"));
  EXPECT_EQ(rv_of(o), std::to_string(store.resource_version()));
}

TEST_F(KubeStoreTest, NotFoundAndAlreadyExistsAreTheApiServersStatuses) {
  EXPECT_EQ(
      store.get(kSecrets, "demo", "x").body,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"secrets"},"code":404})");
  ASSERT_EQ(store.create(kHosts, "demo", host("h")).code, 201);
  const Answer dup = store.create(kHosts, "demo", host("h"));
  EXPECT_EQ(dup.code, 409);
  EXPECT_EQ(
      dup.body,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"hosts.forklift.konveyor.io \"h\" already exists","reason":"AlreadyExists","details":{"name":"h","group":"forklift.konveyor.io","kind":"hosts"},"code":409})");
}

TEST_F(KubeStoreTest, CreateInAMissingNamespaceIsNotFound) {
  const Answer a = store.create(kSecrets, "nowhere", {{"metadata", {{"name", "s"}}}});
  EXPECT_EQ(a.code, 404);
  EXPECT_EQ(body(a)["message"], "namespaces \"nowhere\" not found");
}

TEST_F(KubeStoreTest, GenerateNameAndRequiredName) {
  const Answer a = store.create(kSecrets, "demo", {{"metadata", {{"generateName", "tls-"}}}});
  ASSERT_EQ(a.code, 201);
  EXPECT_THAT(body(a)["metadata"]["name"].get<std::string>(),
              ::testing::MatchesRegex("tls-[a-z0-9]{5}"));
  const Answer bad = store.create(kSecrets, "demo", {{"metadata", json::object()}});
  EXPECT_EQ(bad.code, 422);
  EXPECT_EQ(body(bad)["reason"], "Invalid");
  EXPECT_THAT(body(bad)["message"].get<std::string>(),
              HasSubstr("name or generateName is required"));
}

TEST_F(KubeStoreTest, UpdateWithAStaleResourceVersionIsAConflict) {
  json s = body(store.create(kSecrets, "demo", {{"metadata", {{"name", "s"}}}}));
  json fresh = s;
  fresh["data"] = {{"a", "YQ=="}};
  ASSERT_EQ(store.update(kSecrets, "demo", "s", fresh).code, 200);
  s["data"] = {{"b", "Yg=="}};
  const Answer stale = store.update(kSecrets, "demo", "s", s);
  EXPECT_EQ(stale.code, 409);
  EXPECT_EQ(body(stale)["reason"], "Conflict");
  EXPECT_EQ(body(stale)["message"],
            "Operation cannot be fulfilled on secrets \"s\": the object has been modified; please "
            "apply your changes to the latest version and try again");
}

TEST_F(KubeStoreTest, CustomResourcesNeedAResourceVersionToUpdate) {
  store.create(kHosts, "demo", host("h"));
  const Answer a = store.update(kHosts, "demo", "h", host("h"));
  EXPECT_EQ(a.code, 422);
  EXPECT_THAT(
      body(a)["message"].get<std::string>(),
      HasSubstr("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"));
}

TEST_F(KubeStoreTest, GenerationCountsSpecChangesAndANoOpKeepsTheVersion) {
  json h = body(store.create(kHosts, "demo", host("h")));
  h["metadata"]["labels"] = {{"x", "y"}};
  json after = body(store.update(kHosts, "demo", "h", h));
  EXPECT_EQ(after["metadata"]["generation"], 1);  // metadata only
  after["spec"]["id"] = "host-2";
  after = body(store.update(kHosts, "demo", "h", after));
  EXPECT_EQ(after["metadata"]["generation"], 2);
  const std::string rv = rv_of(after);
  EXPECT_EQ(rv_of(body(store.update(kHosts, "demo", "h", after))), rv);
}

TEST_F(KubeStoreTest, PatchTypes) {
  store.create(kHosts, "demo", host("h"));
  Answer a = store.patch(kHosts, "demo", "h", "application/merge-patch+json",
                         R"({"spec":{"ipAddress":"127.0.0.1"}})");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_EQ(body(a)["spec"]["ipAddress"], "127.0.0.1");
  a = store.patch(kHosts, "demo", "h", "application/json-patch+json",
                  R"([{"op":"replace","path":"/spec/id","value":"host-9"}])");
  EXPECT_EQ(body(a)["spec"]["id"], "host-9");
  a = store.patch(kHosts, "demo", "h", "application/json-patch+json",
                  R"([{"op":"test","path":"/spec/id","value":"other"}])");
  EXPECT_EQ(a.code, 422);
  // Strategic merge is for built-in kinds: a custom resource answers 415, as the API server does.
  EXPECT_EQ(store.patch(kHosts, "demo", "h", "application/strategic-merge-patch+json", "{}").code,
            415);
  store.create(kSecrets, "demo", {{"metadata", {{"name", "s"}}}});
  EXPECT_EQ(store
                .patch(kSecrets, "demo", "s", "application/strategic-merge-patch+json",
                       R"({"data":{"k":"dg=="}})")
                .code,
            200);
  EXPECT_EQ(store
                .patch(kSecrets, "demo", "s", "application/merge-patch+json",
                       R"({"metadata":{"resourceVersion":"1"}})")
                .code,
            409);
}

TEST_F(KubeStoreTest, FinalizersHoldADeletedObjectUntilRemoved) {
  json h = host("h");
  h["metadata"]["finalizers"] = {"forklift.konveyor.io/test"};
  store.create(kHosts, "demo", h);
  Answer a = store.remove(kHosts, "demo", "h", nullptr);
  ASSERT_EQ(a.code, 200);
  EXPECT_TRUE(body(a)["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(store.get(kHosts, "demo", "h").code, 200);  // still there
  // No new finalizer while it is being deleted.
  json held = body(store.get(kHosts, "demo", "h"));
  held["metadata"]["finalizers"].push_back("another");
  EXPECT_EQ(store.update(kHosts, "demo", "h", held).code, 422);
  a = store.patch(kHosts, "demo", "h", "application/merge-patch+json",
                  R"({"metadata":{"finalizers":null}})");
  EXPECT_EQ(a.code, 200);
  EXPECT_EQ(store.get(kHosts, "demo", "h").code, 404);
}

TEST_F(KubeStoreTest, DeletePreconditions) {
  const json s = body(store.create(kSecrets, "demo", {{"metadata", {{"name", "s"}}}}));
  const Answer a = store.remove(kSecrets, "demo", "s", {{"preconditions", {{"uid", "other"}}}});
  EXPECT_EQ(a.code, 409);
  EXPECT_THAT(body(a)["message"].get<std::string>(),
              HasSubstr("Precondition failed: UID in precondition: other"));
  EXPECT_EQ(
      store.remove(kSecrets, "demo", "s", {{"preconditions", {{"uid", s["metadata"]["uid"]}}}})
          .code,
      200);
}

TEST_F(KubeStoreTest, DeletingANamespaceDeletesItsObjects) {
  store.create(kSecrets, "demo", {{"metadata", {{"name", "s"}}}});
  EXPECT_EQ(store.remove(kNamespaces, "", "demo", nullptr).code, 200);
  EXPECT_EQ(store.get(kSecrets, "demo", "s").code, 404);
}

TEST_F(KubeStoreTest, PagesStayConsistentAtTheListsVersion) {
  for (const char* n : {"a", "b", "c", "d"}) store.create(kHosts, "demo", host(n));
  ListQuery q;
  q.limit = 2;
  const json p1 = body(store.list(kHosts, "demo", q));
  ASSERT_EQ(p1["items"].size(), 2u);
  EXPECT_EQ(p1["kind"], "HostList");
  EXPECT_EQ(p1["metadata"]["remainingItemCount"], 2);
  // Changes after the first page do not show in the next: it is read at the first page's version.
  store.remove(kHosts, "demo", "c", nullptr);
  store.create(kHosts, "demo", host("e"));
  q.continue_token = p1["metadata"]["continue"];
  const json p2 = body(store.list(kHosts, "demo", q));
  ASSERT_EQ(p2["items"].size(), 2u);
  EXPECT_EQ(p2["items"][0]["metadata"]["name"], "c");
  EXPECT_EQ(p2["items"][1]["metadata"]["name"], "d");
  EXPECT_FALSE(p2["metadata"].contains("continue"));
  EXPECT_EQ(p2["metadata"]["resourceVersion"], p1["metadata"]["resourceVersion"]);
}

TEST_F(KubeStoreTest, AContinueTokenExpiresWithCompaction) {
  for (const char* n : {"a", "b", "c"}) store.create(kHosts, "demo", host(n));
  ListQuery q;
  q.limit = 1;
  q.continue_token = body(store.list(kHosts, "demo", q))["metadata"]["continue"];
  store.create(kHosts, "demo", host("z"));
  store.compact();
  const Answer a = store.list(kHosts, "demo", q);
  EXPECT_EQ(a.code, 410);
  EXPECT_EQ(body(a)["reason"], "Expired");
  EXPECT_THAT(body(a)["message"].get<std::string>(),
              HasSubstr("The provided continue parameter is too old to display a consistent list"));
  q.continue_token = "not-a-token";
  EXPECT_EQ(store.list(kHosts, "demo", q).code, 400);
}

TEST_F(KubeStoreTest, BuiltInListItemsHaveNoKind) {
  store.create(kSecrets, "demo", {{"metadata", {{"name", "s"}}}});
  const json l = body(store.list(kSecrets, "demo", {}));
  EXPECT_EQ(l["kind"], "SecretList");
  EXPECT_FALSE(l["items"][0].contains("kind"));
  store.create(kHosts, "demo", host("h"));
  EXPECT_EQ(body(store.list(kHosts, "", {}))["items"][0]["kind"], "Host");
}

TEST_F(KubeStoreTest, WatchWithoutVersionStartsWithTheCurrentObjects) {
  store.create(kHosts, "demo", host("a"));
  auto f = store.watch(kHosts, "demo", {}, {}, "", false);
  store.create(kHosts, "demo", host("b"));
  const auto events = drain(*f);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[0]["object"]["metadata"]["name"], "a");
  EXPECT_EQ(events[1]["object"]["metadata"]["name"], "b");
}

TEST_F(KubeStoreTest, WatchFromAVersionReplaysWhatCameAfter) {
  const std::string rv = rv_of(body(store.create(kHosts, "demo", host("a"))));
  json b = body(store.create(kHosts, "demo", host("b")));
  b["spec"]["id"] = "x";
  store.update(kHosts, "demo", "b", b);
  store.remove(kHosts, "demo", "a", nullptr);
  auto f = store.watch(kHosts, "demo", {}, {}, rv, false);
  const auto events = drain(*f);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[2]["type"], "DELETED");
  // A deleted object carries the version of its deletion.
  EXPECT_EQ(rv_of(events[2]["object"]), std::to_string(store.resource_version()));
}

TEST_F(KubeStoreTest, ASelectorSeesObjectsEnterAndLeave) {
  auto f = store.watch(kHosts, "demo", LabelSelector::parse("team=a"), {}, "0", false);
  json h = body(store.create(kHosts, "demo", host("h", {{"team", "b"}})));
  h["metadata"]["labels"]["team"] = "a";
  h = body(store.update(kHosts, "demo", "h", h));
  h["metadata"]["labels"]["team"] = "c";
  store.update(kHosts, "demo", "h", h);
  const auto events = drain(*f);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "DELETED");
}

TEST_F(KubeStoreTest, AVersionOlderThanTheWindowIsExpired) {
  const std::string rv = rv_of(body(store.create(kHosts, "demo", host("a"))));
  store.create(kHosts, "demo", host("b"));
  store.compact();
  auto f = store.watch(kHosts, "demo", {}, {}, rv, false);
  const auto events = drain(*f);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
  EXPECT_EQ(events[0]["object"]["message"], "too old resource version: " + rv + " (" +
                                                std::to_string(store.resource_version()) + ")");
  EXPECT_TRUE(f->closed());
  // The current version itself is still good to resume from.
  auto g = store.watch(kHosts, "demo", {}, {}, std::to_string(store.resource_version()), false);
  EXPECT_FALSE(g->closed());
}

TEST_F(KubeStoreTest, BookmarksCarryTheCurrentVersionOnly) {
  auto with = store.watch(kHosts, "demo", {}, {}, "0", true);
  auto without = store.watch(kHosts, "demo", {}, {}, "0", false);
  store.create(kSecrets, "demo", {{"metadata", {{"name", "s"}}}});  // another resource
  store.bookmark();
  const auto events = drain(*with);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(
      events[0],
      json::parse(
          R"({"type":"BOOKMARK","object":{"kind":"Host","apiVersion":"forklift.konveyor.io/v1beta1","metadata":{"resourceVersion":")" +
          std::to_string(store.resource_version()) + "\"}}}"));
  EXPECT_TRUE(drain(*without).empty());
}

TEST_F(KubeStoreTest, CloseWatchesEndsEveryFeed) {
  auto f = store.watch(kHosts, "", {}, {}, "0", false);
  EXPECT_EQ(store.watch_count(), 1u);
  store.close_watches();
  EXPECT_TRUE(f->closed());
  EXPECT_EQ(store.watch_count(), 0u);
}

TEST_F(KubeStoreTest, UpsertCreatesTheNamespaceAndReplaces) {
  json s = {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", "s"}, {"namespace", "new"}}}};
  ASSERT_EQ(store.upsert(s), "");
  EXPECT_EQ(store.get(kNamespaces, "", "new").code, 200);
  s["data"] = {{"k", "dg=="}};
  ASSERT_EQ(store.upsert(s), "");
  EXPECT_EQ(body(store.get(kSecrets, "new", "s"))["data"]["k"], "dg==");
  EXPECT_THAT(store.upsert({{"apiVersion", "v9"}, {"kind", "Thing"}}),
              HasSubstr("unknown apiVersion/kind"));
}

}  // namespace
}  // namespace hostadm::kubemock
