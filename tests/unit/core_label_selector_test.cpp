// Namespace label selectors with Kubernetes' semantics: every requirement must hold, NotIn and
// DoesNotExist hold on an absent label, an empty selector chooses every namespace; label keys
// and values are checked as the apiserver checks them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "webhook/core/label_selector.hpp"

namespace hostadm {
namespace {

LabelRequirement req(const char* key, LabelOp op, std::vector<std::string> values = {}) {
  return {key, op, std::move(values)};
}

struct SelectorRow {
  const char* name;
  LabelSelector selector;
  Labels labels;
  bool matches;
};

TEST(LabelSelector, MatchesAsKubernetesDoes) {
  const Labels prod = {{"env", "prod"}, {"team", "a"}};
  const std::vector<SelectorRow> rows = {
      {"empty selector: every namespace", {}, {}, true},
      {"empty selector: labelled too", {}, prod, true},
      {"equals", {{req("env", LabelOp::Equals, {"prod"})}}, prod, true},
      {"equals other value", {{req("env", LabelOp::Equals, {"dev"})}}, prod, false},
      {"equals absent", {{req("tier", LabelOp::Equals, {"web"})}}, prod, false},
      {"equals empty value present", {{req("env", LabelOp::Equals, {""})}}, {{"env", ""}}, true},
      {"in", {{req("env", LabelOp::In, {"dev", "prod"})}}, prod, true},
      {"in, not in the set", {{req("env", LabelOp::In, {"dev", "test"})}}, prod, false},
      {"in, absent", {{req("tier", LabelOp::In, {"web"})}}, prod, false},
      {"notin, in the set", {{req("env", LabelOp::NotIn, {"prod"})}}, prod, false},
      {"notin, another value", {{req("env", LabelOp::NotIn, {"dev"})}}, prod, true},
      {"notin, absent label holds", {{req("tier", LabelOp::NotIn, {"web"})}}, prod, true},
      {"exists", {{req("team", LabelOp::Exists)}}, prod, true},
      {"exists, absent", {{req("tier", LabelOp::Exists)}}, prod, false},
      {"exists, empty value", {{req("tier", LabelOp::Exists)}}, {{"tier", ""}}, true},
      {"doesnotexist, absent", {{req("legacy", LabelOp::DoesNotExist)}}, prod, true},
      {"doesnotexist, present", {{req("env", LabelOp::DoesNotExist)}}, prod, false},
      {"all must hold",
       {{req("env", LabelOp::Equals, {"prod"}), req("team", LabelOp::In, {"b"})}},
       prod,
       false},
      {"all hold",
       {{req("env", LabelOp::Equals, {"prod"}), req("team", LabelOp::In, {"a", "b"}),
         req("legacy", LabelOp::DoesNotExist)}},
       prod,
       true},
      {"keys are case-sensitive", {{req("Env", LabelOp::Exists)}}, prod, false},
      {"values are case-sensitive", {{req("env", LabelOp::Equals, {"Prod"})}}, prod, false},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(r.selector.matches(r.labels), r.matches);
  }
}

TEST(LabelSelector, PrintsAsKubectlDoes) {
  LabelSelector s{{req("env", LabelOp::Equals, {"prod"}), req("tier", LabelOp::In, {"a", "b"}),
                   req("team", LabelOp::NotIn, {"x"}), req("legacy", LabelOp::Exists),
                   req("beta", LabelOp::DoesNotExist)}};
  EXPECT_EQ(to_string(s), "env=prod,tier in (a,b),team notin (x),legacy,!beta");
  EXPECT_EQ(to_string(LabelSelector{}), "");
}

TEST(LabelOp, ParsesOnlyTheFourOperatorsKubernetesSpells) {
  LabelOp op = LabelOp::Equals;
  for (const char* word : {"In", "NotIn", "Exists", "DoesNotExist"}) {
    ASSERT_TRUE(parse_label_op(word, &op)) << word;
    EXPECT_EQ(to_string(op), word);
  }
  for (const char* word : {"in", "notin", "exists", "Equals", "=", "!=", "", "IN"})
    EXPECT_FALSE(parse_label_op(word, &op)) << word;
}

TEST(LabelKey, ValidKeys) {
  for (const char* key :
       {"env", "Env", "a", "team_a", "team.a", "team-a", "1", "app.kubernetes.io/name",
        "kubernetes.io/metadata.name", "example.com/MyName"})
    EXPECT_EQ(label_key_problem(key), "") << key;
  EXPECT_EQ(label_key_problem(std::string(63, 'a')), "");
  // A prefix of 253 characters in labels of at most 63.
  const std::string l63(63, 'a');
  EXPECT_EQ(label_key_problem(l63 + "." + l63 + "." + l63 + "." + std::string(61, 'a') + "/x"), "");
}

TEST(LabelKey, InvalidKeysSayWhy) {
  struct Bad {
    std::string key;
    const char* says;
  };
  for (const auto& b :
       std::vector<Bad>{{"", "empty name"},
                        {"-env", "name that is not"},
                        {"env-", "name that is not"},
                        {"env prod", "name that is not"},
                        {"env=prod", "name that is not"},
                        {std::string(64, 'a'), "name that is not"},
                        {"example.com/", "empty name"},
                        {"/env", "prefix that is not a DNS subdomain"},
                        {"Example.com/env", "prefix that is not a DNS subdomain"},
                        {"exa_mple.com/env", "prefix that is not"},
                        {"a/b/c", "more than one '/'"},
                        {std::string(64, 'a') + ".com/x", "prefix that is not"},
                        {std::string(63, 'a') + "." + std::string(63, 'a') + "." +
                             std::string(63, 'a') + "." + std::string(62, 'a') + "/x",
                         "prefix that is not"}}) {
    SCOPED_TRACE(b.key);
    const std::string why = label_key_problem(b.key);
    EXPECT_NE(why.find(b.says), std::string::npos) << why;
    EXPECT_NE(why.find("like env"), std::string::npos) << why;
  }
}

TEST(LabelValue, EmptyOrANameOf63) {
  for (const char* v : {"", "prod", "Prod", "team_a.b-c", "1"})
    EXPECT_EQ(label_value_problem(v), "") << v;
  for (std::string v : {std::string("-prod"), std::string("prod-"), std::string("pr od"),
                        std::string("a/b"), std::string(64, 'a')}) {
    const std::string why = label_value_problem(v);
    EXPECT_NE(why.find("like prod"), std::string::npos) << v << ": " << why;
  }
}

}  // namespace
}  // namespace hostadm
