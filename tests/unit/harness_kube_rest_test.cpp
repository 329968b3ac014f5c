// The mock Kubernetes API's REST front: authentication, routes to verbs, faults with the API
// server's bodies, and a request log that never holds a token or a body.
#include "harness/kube_rest.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostadm::kubemock {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class KubeRestTest : public ::testing::Test {
 protected:
  KubeRestTest() : api(options()) {
    api.store().upsert({{"apiVersion", "v1"},
                        {"kind", "Secret"},
                        {"metadata", {{"name", "esxi"}, {"namespace", "demo"}}},
                        {"data", {{"password", "c2VjcmV0"}}}});
  }
  static KubeApiOptions options() {
    KubeApiOptions o;
    o.tokens = {"tok-1"};
    o.user = "system:serviceaccount:forklift:host-webhook";
    return o;
  }
  KubeResponse call(const std::string& method, const std::string& path,
                    std::multimap<std::string, std::string> query = {},
                    const std::string& body = "", const std::string& token = "tok-1") {
    KubeRequest r;
    r.method = method;
    r.path = path;
    r.query = std::move(query);
    r.body = body;
    r.content_type = body.empty() ? "" : "application/json";
    r.authorization = token.empty() ? "" : "Bearer " + token;
    return api.handle(r);
  }
  KubeApi api;
};

TEST_F(KubeRestTest, WithoutTheTokenTheAnswerIs401) {
  for (const std::string token : {"", "wrong"}) {
    const auto r = call("GET", "/api/v1/namespaces/demo/secrets/esxi", {}, "", token);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(
        r.body,
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
  }
  EXPECT_EQ(call("GET", "/api/v1/namespaces/demo/secrets/esxi").status, 200);
}

TEST_F(KubeRestTest, TheTokenFileIsFollowed) {
  const std::string dir = ::mkdtemp(std::string("/tmp/kube-rest-XXXXXX").data());
  const std::string file = dir + "/token";
  std::ofstream(file) << "old-token\n";
  KubeApiOptions o;
  o.token_file = file;
  KubeApi file_api(o);
  KubeRequest r;
  r.method = "GET";
  r.path = "/api/v1/namespaces";
  r.authorization = "Bearer old-token";
  EXPECT_EQ(file_api.handle(r).status, 200);
  // Rotated by replacing the file, as the kubelet does: the old token is refused from now on.
  std::ofstream(file + ".new") << "new-token-longer\n";
  std::filesystem::rename(file + ".new", file);
  EXPECT_EQ(file_api.handle(r).status, 401);
  r.authorization = "Bearer new-token-longer";
  EXPECT_EQ(file_api.handle(r).status, 200);
  std::filesystem::remove_all(dir);
}

TEST_F(KubeRestTest, UnknownPathsAndMethods) {
  auto r = call("GET", "/apis/example.com/v1/widgets");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["message"], "the server could not find the requested resource");
  EXPECT_EQ(call("GET", "/api/v1/secrets/esxi").status, 404);  // a name needs its namespace
  EXPECT_EQ(call("GET", "/api/v1/namespaces/demo/secrets/esxi/status").status, 404);
  r = call("DELETE", "/api/v1/namespaces/demo/secrets");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(json::parse(r.body)["reason"], "MethodNotAllowed");
}

TEST_F(KubeRestTest, VerbsFromMethodsAndQueries) {
  EXPECT_EQ(verb_of("GET", true, false), "get");
  EXPECT_EQ(verb_of("GET", false, false), "list");
  EXPECT_EQ(verb_of("GET", false, true), "watch");
  EXPECT_EQ(verb_of("POST", false, false), "create");
  EXPECT_EQ(verb_of("PUT", true, false), "update");
  EXPECT_EQ(verb_of("PATCH", true, false), "patch");
  EXPECT_EQ(verb_of("DELETE", true, false), "delete");
  EXPECT_EQ(verb_of("POST", true, false), "");
}

TEST_F(KubeRestTest, ForbiddenIsWordedAsRbacWordsIt) {
  ASSERT_EQ(api.faults().set(R"({"rules":[{"verb":"get","resource":"secrets","status":403},
                                           {"verb":"list","resource":"namespaces","status":403}]})"),
            "");
  auto r = call("GET", "/api/v1/namespaces/demo/secrets/esxi");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(
      r.body,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets \"esxi\" is forbidden: User \"system:serviceaccount:forklift:host-webhook\" cannot get resource \"secrets\" in API group \"\" in the namespace \"demo\"","reason":"Forbidden","details":{"name":"esxi","kind":"secrets"},"code":403})");
  r = call("GET", "/api/v1/namespaces");
  EXPECT_EQ(json::parse(r.body)["message"],
            "namespaces is forbidden: User \"system:serviceaccount:forklift:host-webhook\" cannot "
            "list resource \"namespaces\" in API group \"\" at the cluster scope");
  // Other verbs and resources are untouched.
  EXPECT_EQ(call("GET", "/api/v1/namespaces/demo/secrets").status, 200);
}

TEST_F(KubeRestTest, TooManyRequestsAsPriorityAndFairnessWritesIt) {
  ASSERT_EQ(api.faults().set(R"({"status":429,"retryAfterSeconds":2,"times":1})"), "");
  auto r = call("GET", "/api/v1/namespaces/demo/secrets/esxi");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, "Too many requests, please try again later.\n");
  EXPECT_EQ(r.headers["Retry-After"], "2");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/demo/secrets/esxi").status, 200);  // times: 1
  ASSERT_EQ(api.faults().set(R"({"status":429,"body":"status"})"), "");
  r = call("GET", "/api/v1/namespaces/demo/secrets/esxi");
  EXPECT_EQ(json::parse(r.body)["reason"], "TooManyRequests");
  EXPECT_EQ(json::parse(r.body)["details"]["retryAfterSeconds"], 1);
  EXPECT_EQ(r.headers["Retry-After"], "1");
}

TEST_F(KubeRestTest, ServerErrorsLatencyAndDrops) {
  ASSERT_EQ(api.faults().set(R"({"rules":[{"resource":"secrets","status":503},
                                           {"resource":"namespaces","latencyMs":250},
                                           {"resource":"hosts","drop":true}]})"),
            "");
  auto r = call("GET", "/api/v1/namespaces/demo/secrets/esxi");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["reason"], "ServiceUnavailable");
  r = call("GET", "/api/v1/namespaces");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.delay.count(), 250);
  EXPECT_TRUE(call("GET", "/apis/forklift.konveyor.io/v1beta1/hosts").drop);
  EXPECT_THAT(api.faults().to_json().dump(), HasSubstr("\"used\":1"));
}

TEST_F(KubeRestTest, BadFaultsAreRefusedWithTheFix) {
  EXPECT_THAT(api.faults().set(R"({"verb":"fetch"})"), HasSubstr("verb must be one of get"));
  EXPECT_THAT(api.faults().set(R"({"status":200})"), HasSubstr("HTTP error code"));
  EXPECT_THAT(api.faults().set(R"({"rules":[{"colour":1}]})"), HasSubstr("unknown key 'colour'"));
  EXPECT_THAT(api.faults().set("[1]"), HasSubstr("JSON object"));
  EXPECT_EQ(api.faults().set("{}"), "");
}

TEST_F(KubeRestTest, ListQueriesAreReadAndCheckedWatchesStart) {
  auto r = call("GET", "/api/v1/namespaces/demo/secrets", {{"labelSelector", "a in b"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["reason"], "BadRequest");
  EXPECT_EQ(call("GET", "/api/v1/secrets", {{"limit", "x"}}).status, 400);
  r = call("GET", "/api/v1/namespaces/demo/secrets", {{"watch", "1"}, {"resourceVersion", "abc"}});
  EXPECT_EQ(r.status, 400);
  r = call("GET", "/api/v1/namespaces/demo/secrets",
           {{"watch", "true"}, {"allowWatchBookmarks", "true"}, {"timeoutSeconds", "5"}});
  ASSERT_TRUE(r.watch);
  EXPECT_EQ(r.watch_timeout_seconds, 5);
  EXPECT_TRUE(r.watch->wants_bookmarks());
  const auto first = r.watch->next(std::chrono::milliseconds(0));
  ASSERT_TRUE(first);
  EXPECT_EQ(json::parse(*first)["object"]["metadata"]["name"], "esxi");
}

TEST_F(KubeRestTest, AWatchOfOneObjectsPathSeesOnlyIt) {
  call("POST", "/api/v1/namespaces/demo/secrets", {}, R"({"metadata":{"name":"other"}})");
  auto r = call("GET", "/api/v1/namespaces/demo/secrets/esxi", {{"watch", "1"}});
  ASSERT_TRUE(r.watch);
  const auto first = r.watch->next(std::chrono::milliseconds(0));
  ASSERT_TRUE(first);
  EXPECT_EQ(json::parse(*first)["object"]["metadata"]["name"], "esxi");
  EXPECT_FALSE(r.watch->next(std::chrono::milliseconds(0)));  // not "other"
}

TEST_F(KubeRestTest, CreateUpdateAndBadBodies) {
  auto r = call("POST", "/api/v1/namespaces/demo/secrets", {}, R"({"metadata":{"name":"n"}})");
  EXPECT_EQ(r.status, 201);
  r = call("POST", "/api/v1/namespaces/demo/secrets", {}, "{not json");
  EXPECT_EQ(r.status, 400);
  r = call("POST", "/api/v1/namespaces/other/secrets", {},
           R"({"metadata":{"name":"n","namespace":"demo"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(json::parse(r.body)["message"].get<std::string>(),
              HasSubstr("does not match the namespace sent on the request"));
  r = call("PUT", "/api/v1/namespaces/demo/secrets/n", {}, R"({"metadata":{"name":"m"}})");
  EXPECT_EQ(r.status, 400);
}

TEST_F(KubeRestTest, TheLogHoldsNeitherTokensNorBodies) {
  call("GET", "/api/v1/namespaces/demo/secrets/esxi");
  call("GET", "/api/v1/namespaces/demo/secrets/esxi", {}, "", "wrong-token");
  call("POST", "/api/v1/namespaces/demo/secrets", {},
       R"({"metadata":{"name":"p"},"stringData":{"password":"hunter2"}})");
  const json log = api.requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(
      log[0],
      json::parse(
          R"({"verb":"get","resource":"secrets","namespace":"demo","name":"esxi","method":"GET","path":"/api/v1/namespaces/demo/secrets/esxi","query":"","code":200})"));
  EXPECT_EQ(log[1]["code"], 401);
  EXPECT_EQ(log[2]["verb"], "create");
  EXPECT_THAT(log.dump(), Not(HasSubstr("tok-1")));
  EXPECT_THAT(log.dump(), Not(HasSubstr("wrong-token")));
  EXPECT_THAT(log.dump(), Not(HasSubstr("hunter2")));
  api.reset_requests();
  EXPECT_TRUE(api.requests().empty());
}

}  // namespace
}  // namespace hostadm::kubemock
