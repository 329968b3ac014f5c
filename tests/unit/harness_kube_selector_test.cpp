// Label and field selectors of the mock Kubernetes API, parsed and matched as kube-apiserver does.
#include "harness/kube_selector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostadm::kubemock {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json labelled(const json& labels) {
  return {{"metadata", {{"name", "n"}, {"namespace", "demo"}, {"labels", labels}}}};
}

bool match(const std::string& selector, const json& labels) {
  return LabelSelector::parse(selector).matches(labelled(labels));
}

TEST(LabelSelectorTest, EqualityOperators) {
  EXPECT_TRUE(match("", json::object()));
  EXPECT_TRUE(match("app=web", {{"app", "web"}}));
  EXPECT_TRUE(match("app==web", {{"app", "web"}}));
  EXPECT_FALSE(match("app=web", {{"app", "db"}}));
  EXPECT_FALSE(match("app=web", json::object()));
  EXPECT_TRUE(match("app!=web", {{"app", "db"}}));
  EXPECT_TRUE(match("app!=web", json::object()));  // a missing label is not equal
  EXPECT_TRUE(match("app=", {{"app", ""}}));
}

TEST(LabelSelectorTest, SetOperatorsAndExistence) {
  EXPECT_TRUE(match("tier in (a, b)", {{"tier", "b"}}));
  EXPECT_FALSE(match("tier in (a,b)", {{"tier", "c"}}));
  EXPECT_FALSE(match("tier in (a,b)", json::object()));
  EXPECT_TRUE(match("tier notin (a,b)", {{"tier", "c"}}));
  EXPECT_TRUE(match("tier notin (a,b)", json::object()));
  EXPECT_TRUE(match("tier", {{"tier", ""}}));
  EXPECT_FALSE(match("tier", json::object()));
  EXPECT_TRUE(match("!tier", json::object()));
  EXPECT_FALSE(match("!tier", {{"tier", "x"}}));
  EXPECT_TRUE(match("n>3,n<10", {{"n", "5"}}));
  EXPECT_FALSE(match("n>3", {{"n", "3"}}));
}

TEST(LabelSelectorTest, EveryRequirementMustHold) {
  EXPECT_TRUE(match("a=1,example.com/b in (x),!c", {{"a", "1"}, {"example.com/b", "x"}}));
  EXPECT_FALSE(
      match("a=1,example.com/b in (x),!c", {{"a", "1"}, {"example.com/b", "x"}, {"c", "y"}}));
}

TEST(LabelSelectorTest, ErrorsAreTheApiServersWords) {
  auto error = [](const std::string& s) {
    try {
      LabelSelector::parse(s);
    } catch (const SelectorError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_THAT(error("a in b"), HasSubstr("found 'b', expected: '('"));
  EXPECT_THAT(error("a,"), HasSubstr("expected: identifier after ','"));
  EXPECT_THAT(error("a=b c"), HasSubstr("expected: ',' or 'end of string'"));
  EXPECT_THAT(error("-a=b"), HasSubstr("unable to parse requirement"));
  EXPECT_THAT(error("a=b!c"), HasSubstr("found '!'"));
  EXPECT_THAT(error("a=" + std::string(64, 'x')), HasSubstr("no more than 63 characters"));
  EXPECT_THAT(error("n>x"), HasSubstr("must be an integer"));
}

TEST(FieldSelectorTest, NameAndNamespace) {
  const json o = labelled(json::object());
  EXPECT_TRUE(FieldSelector::parse("metadata.name=n", "secrets").matches(o));
  EXPECT_TRUE(
      FieldSelector::parse("metadata.namespace==demo,metadata.name!=x", "secrets").matches(o));
  EXPECT_FALSE(FieldSelector::parse("metadata.name=x", "secrets").matches(o));
  try {
    FieldSelector::parse("spec.id=x", "hosts.forklift.konveyor.io");
    FAIL();
  } catch (const SelectorError& e) {
    EXPECT_THAT(e.what(), HasSubstr("field label not supported: spec.id"));
  }
}

}  // namespace
}  // namespace hostadm::kubemock
