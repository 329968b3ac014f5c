// The policy file: every key, the defaults, and errors that name the key.
#include <gtest/gtest.h>

#include "webhook/core/policy.hpp"

namespace hostadm {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

TEST(ParsePolicy, NullAndEmptyGiveTheDefaults) {
  for (const json& doc : {json(nullptr), json::object()}) {
    Policy p = parse_policy(doc);
    EXPECT_EQ(p.adapter_annotation, "forklift.konveyor.io/network-adapter");
    EXPECT_EQ(p.secret_default, SecretDefault::Always);
    EXPECT_FALSE(p.allow_hostnames);
    EXPECT_FALSE(p.allow_cross_namespace_secret);
    EXPECT_TRUE(p.owner_reference);
    EXPECT_EQ(p.inventory_failure, FailurePolicy::Deny);
    EXPECT_EQ(p.cache.ttl, milliseconds(30'000));
    EXPECT_EQ(p.cache.negative_ttl, milliseconds(5'000));
    EXPECT_EQ(p.cache.stale_if_error, milliseconds(600'000));
    EXPECT_EQ(p.inventory_timeout, milliseconds(2'000));
    EXPECT_TRUE(p.namespaces.empty());
    EXPECT_EQ(p.mode_for("anything"), Mode::Enforce);
  }
}

TEST(ParsePolicy, EveryKey) {
  Policy p = parse_policy(json::parse(R"({
    "adapterAnnotation": "example.com/nic",
    "secretDefault": "esxi-only",
    "allowHostnames": true,
    "allowCrossNamespaceSecret": true,
    "ownerReference": false,
    "inventoryFailure": "defer",
    "cache": {"ttl": "1m", "negativeTtl": "500ms", "staleIfError": "1h"},
    "inventoryTimeout": 3,
    "namespaces": [{"match": "sandbox-*", "mode": "warn"}, {"match": "scratch"},
                   {"match": "lab-?", "mode": "off"}]
  })"));
  EXPECT_EQ(p.adapter_annotation, "example.com/nic");
  EXPECT_EQ(p.secret_default, SecretDefault::EsxiOnly);
  EXPECT_TRUE(p.allow_hostnames);
  EXPECT_TRUE(p.allow_cross_namespace_secret);
  EXPECT_FALSE(p.owner_reference);
  EXPECT_EQ(p.inventory_failure, FailurePolicy::Defer);
  EXPECT_EQ(p.cache.ttl, milliseconds(60'000));
  EXPECT_EQ(p.cache.negative_ttl, milliseconds(500));
  EXPECT_EQ(p.cache.stale_if_error, milliseconds(3'600'000));
  EXPECT_EQ(p.inventory_timeout, milliseconds(3'000));
  ASSERT_EQ(p.namespaces.size(), 3u);
  EXPECT_EQ(p.namespaces[1].mode, Mode::Enforce);
  EXPECT_EQ(p.mode_for("sandbox-1"), Mode::Warn);
  EXPECT_EQ(p.mode_for("scratch"), Mode::Enforce);
  EXPECT_EQ(p.mode_for("lab-7"), Mode::Off);
  EXPECT_EQ(p.mode_for("lab-77"), Mode::Enforce);
}

TEST(ParsePolicy, FirstNamespaceMatchWins) {
  Policy p = parse_policy(json::parse(
      R"({"namespaces": [{"match": "team-a", "mode": "enforce"}, {"match": "team-*", "mode": "off"}]})"));
  EXPECT_EQ(p.mode_for("team-a"), Mode::Enforce);
  EXPECT_EQ(p.mode_for("team-b"), Mode::Off);
}

TEST(ParsePolicy, EnumValuesRoundTripThroughToString) {
  for (const char* v : {"always", "esxi-only", "never"})
    EXPECT_EQ(to_string(parse_policy({{"secretDefault", v}}).secret_default), v);
  for (const char* v : {"deny", "allow", "defer"})
    EXPECT_EQ(to_string(parse_policy({{"inventoryFailure", v}}).inventory_failure), v);
  for (const char* v : {"enforce", "warn", "off"})
    EXPECT_EQ(
        to_string(
            parse_policy({{"namespaces", {{{"match", "*"}, {"mode", v}}}}}).namespaces[0].mode),
        v);
}

struct BadPolicy {
  std::string name;
  std::string doc;
  std::string pointer;
  std::vector<std::string> says;
};

class ParsePolicyRejects : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(ParsePolicyRejects, NamingTheKeyAndTheFix) {
  const BadPolicy& b = GetParam();
  try {
    parse_policy(json::parse(b.doc));
    FAIL() << "accepted " << b.doc;
  } catch (const DocumentError& e) {
    EXPECT_EQ(e.pointer, b.pointer);
    for (const auto& s : b.says)
      EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParsePolicyRejects,
    ::testing::Values(
        BadPolicy{"not_a_mapping", "[1]", "", {"mapping"}},
        BadPolicy{"unknown_top_key",
                  R"({"secretDefualt": "never"})",
                  "/secretDefualt",
                  {"unknown key 'secretDefualt'", "secretDefault", "inventoryFailure"}},
        BadPolicy{"unknown_cache_key",
                  R"({"cache": {"tll": "1s"}})",
                  "/cache/tll",
                  {"'tll'", "ttl, negativeTtl, staleIfError"}},
        BadPolicy{"unknown_namespace_key",
                  R"({"namespaces": [{"match": "a", "mod": "warn"}]})",
                  "/namespaces/0/mod",
                  {"match, mode"}},
        BadPolicy{"bad_secret_default",
                  R"({"secretDefault": "sometimes"})",
                  "/secretDefault",
                  {"\"sometimes\"", "always, esxi-only, never"}},
        BadPolicy{"bad_failure",
                  R"({"inventoryFailure": "retry"})",
                  "/inventoryFailure",
                  {"deny, allow, defer"}},
        BadPolicy{"bad_mode",
                  R"({"namespaces": [{"match": "a", "mode": "audit"}]})",
                  "/namespaces/0/mode",
                  {"enforce, warn, off"}},
        BadPolicy{
            "bool_as_string", R"({"allowHostnames": "yes"})", "/allowHostnames", {"true or false"}},
        BadPolicy{"bad_duration",
                  R"({"cache": {"ttl": "30 seconds"}})",
                  "/cache/ttl",
                  {"'30 seconds'", "30s"}},
        BadPolicy{"negative_duration",
                  R"({"inventoryTimeout": -1})",
                  "/inventoryTimeout",
                  {"non-negative"}},
        BadPolicy{
            "zero_timeout", R"({"inventoryTimeout": "0s"})", "/inventoryTimeout", {"more than 0"}},
        BadPolicy{"duration_wrong_type", R"({"cache": {"ttl": true}})", "/cache/ttl", {"duration"}},
        BadPolicy{"cache_not_mapping", R"({"cache": "30s"})", "/cache", {"mapping"}},
        BadPolicy{
            "namespaces_not_list", R"({"namespaces": {"match": "a"}})", "/namespaces", {"list"}},
        BadPolicy{"namespace_without_match",
                  R"({"namespaces": [{"mode": "warn"}]})",
                  "/namespaces/0/match",
                  {"no 'match'"}},
        BadPolicy{
            "empty_annotation", R"({"adapterAnnotation": ""})", "/adapterAnnotation", {"empty"}}),
    [](const ::testing::TestParamInfo<BadPolicy>& info) { return info.param.name; });

TEST(ParseDuration, Forms) {
  EXPECT_EQ(parse_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120'000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("1m30s"), milliseconds(90'000));
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1'500));
  EXPECT_EQ(parse_duration("45"), milliseconds(45'000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
  EXPECT_EQ(parse_duration("1.25s"), milliseconds(1'250));
  EXPECT_EQ(parse_duration(".5s"), milliseconds(500));
  EXPECT_EQ(parse_duration("2h1m0.5s"), milliseconds(7'260'500));
  EXPECT_EQ(parse_duration("999999999999ms"), milliseconds(999'999'999'999));
}

TEST(ParseDuration, RejectsWithAHint) {
  for (const char* bad : {"", "s", "10x", "1d", "-5s", "1..5s", "1.5.2s", ".s", "30 s", "ms10",
                          "99999999999999h", "1000000000000ms", "10s5"}) {
    try {
      parse_duration(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("like 30s"), std::string::npos) << e.what();
    }
  }
}

TEST(GlobMatch, StarAndQuestionMark) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("sandbox-*", "sandbox-"));
  EXPECT_TRUE(glob_match("sandbox-*", "sandbox-team-a"));
  EXPECT_FALSE(glob_match("sandbox-*", "my-sandbox-a"));
  EXPECT_TRUE(glob_match("*-dev", "team-a-dev"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
  EXPECT_TRUE(glob_match("lab-?", "lab-1"));
  EXPECT_FALSE(glob_match("lab-?", "lab-"));
  EXPECT_FALSE(glob_match("demo", "demo2"));
  EXPECT_TRUE(glob_match("demo", "demo"));
}

}  // namespace
}  // namespace hostadm
