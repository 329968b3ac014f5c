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
    EXPECT_TRUE(p.rules.empty());
    EXPECT_FALSE(p.secret_check.has_value());
    EXPECT_FALSE(p.duplicate_check.has_value());
    EXPECT_FALSE(p.endpoint_check.has_value());
    EXPECT_EQ(p.endpoint_timeout, milliseconds(1'000));
    EXPECT_EQ(p.kube_api_timeout, milliseconds(1'000));
    EXPECT_FALSE(p.uses_namespace_labels());
    EXPECT_TRUE(p.needs_api_client().empty());
  }
}

TEST(ParsePolicy, ClusterCheckKeys) {
  Policy p = parse_policy(json::parse(R"({
    "secretCheck": "on", "duplicateCheck": "off", "endpointCheck": "login",
    "endpointTimeout": "750ms", "kubeApiTimeout": 2,
    "rules": {"secret-not-found": "deny", "host-in-maintenance": "off"}
  })"));
  EXPECT_EQ(p.secret_check, true);
  EXPECT_EQ(p.duplicate_check, false);
  EXPECT_EQ(p.endpoint_check, EndpointCheck::Login);
  EXPECT_EQ(p.endpoint_timeout, milliseconds(750));
  EXPECT_EQ(p.kube_api_timeout, milliseconds(2'000));
  ASSERT_EQ(p.rules.size(), 2u);
  EXPECT_EQ(p.rules[0].rule, "host-in-maintenance");  // a mapping's keys come sorted
  EXPECT_EQ(p.rules[0].action, RuleAction::Off);
  EXPECT_EQ(p.rules[1].rule, "secret-not-found");
  EXPECT_EQ(p.rules[1].action, RuleAction::Deny);
}

TEST(ParsePolicy, ClusterChecksFollowTheApiClientUnlessSet) {
  Policy unset;
  for (bool client : {false, true}) {
    ClusterChecks c = unset.cluster_checks(client);
    EXPECT_EQ(c.secret, client);
    EXPECT_EQ(c.duplicate, client);
    EXPECT_EQ(c.endpoint, client ? EndpointCheck::Reach : EndpointCheck::Off);
  }
  Policy set = parse_policy(
      json::parse(R"({"secretCheck": "off", "duplicateCheck": "off", "endpointCheck": "off"})"));
  ClusterChecks c = set.cluster_checks(true);
  EXPECT_FALSE(c.secret);
  EXPECT_FALSE(c.duplicate);
  EXPECT_EQ(c.endpoint, EndpointCheck::Off);
  EXPECT_EQ(parse_policy({{"endpointCheck", "reach"}}).cluster_checks(false).endpoint,
            EndpointCheck::Reach);
}

// `on`/`off` are words; a YAML 1.1 tool (PyYAML, yaml.v2) turns them into booleans on the way,
// and the policy must read the same either way. `true` is never a mode or a rule action.
TEST(ParsePolicy, OnOffWordsAndTheBooleansYaml11MakesOfThem) {
  EXPECT_EQ(parse_policy({{"secretCheck", false}}).secret_check, false);
  EXPECT_EQ(parse_policy({{"secretCheck", true}}).secret_check, true);
  EXPECT_EQ(parse_policy({{"duplicateCheck", "on"}}).duplicate_check, true);
  EXPECT_EQ(parse_policy({{"endpointCheck", false}}).endpoint_check, EndpointCheck::Off);
  EXPECT_EQ(parse_policy({{"namespaces", {{{"match", "*"}, {"mode", false}}}}}).namespaces[0].mode,
            Mode::Off);
  EXPECT_EQ(parse_policy({{"rules", {{"host-in-maintenance", false}}}}).rules[0].action,
            RuleAction::Off);
  for (const json& doc :
       {json{{"endpointCheck", true}}, json{{"namespaces", {{{"match", "*"}, {"mode", true}}}}},
        json{{"rules", {{"host-in-maintenance", true}}}}, json{{"secretCheck", "yes"}},
        json{{"secretCheck", "On"}}}) {
    SCOPED_TRACE(doc.dump());
    EXPECT_THROW(parse_policy(doc), DocumentError);
  }
}

TEST(ParsePolicy, NamespaceEntryWithEveryStandard) {
  Policy p = parse_policy(json::parse(R"({"namespaces": [{
    "match": "prod-*",
    "selector": {"matchLabels": {"env": "prod"},
                 "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]},
                                      {"key": "legacy", "operator": "DoesNotExist"},
                                      {"key": "team", "operator": "Exists", "values": []}]},
    "mode": "warn",
    "allowedNetworks": ["10.20.0.0/16", "fd00:20::/64"],
    "allowedAdapters": ["Migration Network*", "vmk?"],
    "allowedProviders": ["vsphere-prod", "vsphere.prod-2"],
    "requireSecret": true,
    "requireVerifiedTls": true,
    "rules": {"host-in-maintenance": "deny", "address-not-on-host": "off"}
  }, {"selector": {}}]})"));
  ASSERT_EQ(p.namespaces.size(), 2u);
  const NamespaceRule& e = p.namespaces[0];
  EXPECT_EQ(e.match, "prod-*");
  ASSERT_TRUE(e.selector.has_value());
  EXPECT_EQ(to_string(*e.selector), "env=prod,tier in (a,b),!legacy,team");
  EXPECT_EQ(e.mode, Mode::Warn);
  ASSERT_EQ(e.standards.allowed_networks.size(), 2u);
  EXPECT_EQ(to_string(e.standards.allowed_networks[1]), "fd00:20::/64");
  EXPECT_EQ(e.standards.allowed_adapters, (std::vector<std::string>{"Migration Network*", "vmk?"}));
  EXPECT_EQ(e.standards.allowed_providers,
            (std::vector<std::string>{"vsphere-prod", "vsphere.prod-2"}));
  EXPECT_TRUE(e.standards.require_secret);
  EXPECT_TRUE(e.standards.require_verified_tls);
  ASSERT_EQ(e.rules.size(), 2u);
  EXPECT_EQ(e.rules[0].rule, "address-not-on-host");
  EXPECT_EQ(e.rules[0].action, RuleAction::Off);
  EXPECT_EQ(e.rules[1].action, RuleAction::Deny);
  EXPECT_TRUE(e.standards.any());
  // Only a selector: every name; `selector: {}` every namespace, as in Kubernetes.
  EXPECT_EQ(p.namespaces[1].match, "");
  ASSERT_TRUE(p.namespaces[1].selector.has_value());
  EXPECT_TRUE(p.namespaces[1].selector->requirements.empty());
  EXPECT_FALSE(p.namespaces[1].standards.any());
  EXPECT_TRUE(p.uses_namespace_labels());
  EXPECT_EQ(p.needs_api_client(),
            (std::vector<std::string>{"/namespaces/0/selector (namespace labels)",
                                      "/namespaces/0/requireVerifiedTls (reads the Host's Secret)",
                                      "/namespaces/1/selector (namespace labels)"}));
}

TEST(ParsePolicy, KeysThatNeedAKubernetesApiClient) {
  Policy p = parse_policy(
      json::parse(R"({"secretCheck": "on", "duplicateCheck": "on", "endpointCheck": "login"})"));
  EXPECT_EQ(
      p.needs_api_client(),
      (std::vector<std::string>{"/secretCheck (reads Secrets)", "/duplicateCheck (lists Hosts)",
                                "/endpointCheck login (reads the Host's Secret)"}));
  // Turning checks off or probing without credentials needs no client.
  EXPECT_TRUE(parse_policy(json::parse(R"({"secretCheck": "off", "endpointCheck": "reach"})"))
                  .needs_api_client()
                  .empty());
}

TEST(ParsePolicy, MalformedMayBeOverriddenOnlyToDeny) {
  EXPECT_EQ(parse_policy({{"rules", {{"malformed", "deny"}}}}).rules[0].action, RuleAction::Deny);
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
            "empty_annotation", R"({"adapterAnnotation": ""})", "/adapterAnnotation", {"empty"}},
        // Cluster checks.
        BadPolicy{"secret_check_word",
                  R"({"secretCheck": "enabled"})",
                  "/secretCheck",
                  {"\"enabled\"", "accepted values: on, off"}},
        BadPolicy{"endpoint_check_word",
                  R"({"endpointCheck": "ping"})",
                  "/endpointCheck",
                  {"accepted values: off, reach, login"}},
        BadPolicy{"endpoint_timeout_zero",
                  R"({"endpointTimeout": "0s"})",
                  "/endpointTimeout",
                  {"more than 0"}},
        BadPolicy{"kube_api_timeout_text",
                  R"({"kubeApiTimeout": "soon"})",
                  "/kubeApiTimeout",
                  {"'soon'", "like 30s"}},
        BadPolicy{"login_without_secret_reads",
                  R"({"secretCheck": "off", "endpointCheck": "login"})",
                  "/endpointCheck",
                  {"reads the Host's Secret", "secretCheck is off", "set endpointCheck to reach"}},
        BadPolicy{"verified_tls_without_secret_reads",
                  R"({"secretCheck": "off", "namespaces": [{"match": "a"},
                     {"match": "b", "requireVerifiedTls": true}]})",
                  "/namespaces/1/requireVerifiedTls",
                  {"insecureSkipVerify", "secretCheck is off"}},
        // Rule overrides.
        BadPolicy{"rules_not_mapping",
                  R"({"rules": ["host-in-maintenance"]})",
                  "/rules",
                  {"mapping of rule ids to deny, warn or off"}},
        BadPolicy{"rule_id_typo",
                  R"({"rules": {"adress-not-allowed": "deny"}})",
                  "/rules/adress-not-allowed",
                  {"'adress-not-allowed' is not a rule id", "did you mean 'address-not-allowed'?",
                   "host-harness rules"}},
        BadPolicy{"rule_id_unknown_lists_them",
                  R"({"rules": {"no-such-thing-at-all": "off"}})",
                  "/rules/no-such-thing-at-all",
                  {"known rule ids: malformed, provider-missing", "endpoint-login-failed"}},
        BadPolicy{"rule_action_word",
                  R"({"rules": {"host-in-maintenance": "error"}})",
                  "/rules/host-in-maintenance",
                  {"accepted values: deny, warn, off"}},
        BadPolicy{"malformed_to_warn",
                  R"({"rules": {"malformed": "warn"}})",
                  "/rules/malformed",
                  {"malformed cannot be turned to warn", "always denied"}},
        BadPolicy{"malformed_off_in_entry",
                  R"({"namespaces": [{"match": "a", "rules": {"malformed": "off"}}]})",
                  "/namespaces/0/rules/malformed",
                  {"malformed cannot be turned to off"}},
        // Namespace entries.
        BadPolicy{"entry_neither_match_nor_selector",
                  R"({"namespaces": [{"allowedProviders": ["p"]}]})",
                  "/namespaces/0/match",
                  {"no 'match' and no 'selector'", "{matchLabels: {env: prod}}"}},
        BadPolicy{"entry_not_mapping",
                  R"({"namespaces": ["sandbox-*"]})",
                  "/namespaces/0",
                  {"must be a mapping"}},
        BadPolicy{"unknown_entry_key_lists_standards",
                  R"({"namespaces": [{"match": "a", "allowedNetwork": ["10.0.0.0/8"]}]})",
                  "/namespaces/0/allowedNetwork",
                  {"unknown key 'allowedNetwork'", "allowedNetworks, allowedAdapters"}},
        // Standards.
        BadPolicy{
            "network_not_cidr",
            R"({"namespaces": [{"match": "a", "allowedNetworks": ["10.0.0.0/8", "10.20.1.5/16"]}]})",
            "/namespaces/0/allowedNetworks/1",
            {"'10.20.1.5/16' has host bits set", "10.20.0.0/16"}},
        BadPolicy{"network_without_prefix",
                  R"({"namespaces": [{"match": "a", "allowedNetworks": ["10.20.0.5"]}]})",
                  "/namespaces/0/allowedNetworks/0",
                  {"no prefix length", "10.20.0.5/32"}},
        BadPolicy{"networks_empty",
                  R"({"namespaces": [{"match": "a", "allowedNetworks": []}]})",
                  "/namespaces/0/allowedNetworks",
                  {"empty list", "remove the key to allow every address"}},
        BadPolicy{"networks_not_list",
                  R"({"namespaces": [{"match": "a", "allowedNetworks": "10.0.0.0/8"}]})",
                  "/namespaces/0/allowedNetworks",
                  {"must be a list of strings", "10.20.0.0/16"}},
        BadPolicy{"adapter_not_string",
                  R"({"namespaces": [{"match": "a", "allowedAdapters": [10]}]})",
                  "/namespaces/0/allowedAdapters/0",
                  {"must be a string", "quote it"}},
        BadPolicy{"adapter_empty",
                  R"({"namespaces": [{"match": "a", "allowedAdapters": [""]}]})",
                  "/namespaces/0/allowedAdapters/0",
                  {"is empty"}},
        BadPolicy{"provider_glob",
                  R"({"namespaces": [{"match": "a", "allowedProviders": ["vsphere-*"]}]})",
                  "/namespaces/0/allowedProviders/0",
                  {"not a Provider name", "matches names exactly"}},
        BadPolicy{"require_secret_word",
                  R"({"namespaces": [{"match": "a", "requireSecret": "yes"}]})",
                  "/namespaces/0/requireSecret",
                  {"true or false"}},
        BadPolicy{"require_verified_tls_word",
                  R"({"namespaces": [{"match": "a", "requireVerifiedTls": 1}]})",
                  "/namespaces/0/requireVerifiedTls",
                  {"true or false"}},
        // Selectors.
        BadPolicy{"selector_null",
                  R"({"namespaces": [{"selector": null}]})",
                  "/namespaces/0/selector",
                  {"is empty", "matchLabels or matchExpressions"}},
        BadPolicy{"selector_unknown_key",
                  R"({"namespaces": [{"selector": {"matchLabel": {"env": "prod"}}}]})",
                  "/namespaces/0/selector/matchLabel",
                  {"accepted keys: matchLabels, matchExpressions"}},
        BadPolicy{"selector_label_not_string",
                  R"({"namespaces": [{"selector": {"matchLabels": {"prod": true}}}]})",
                  "/namespaces/0/selector/matchLabels/prod",
                  {"label value, which is a string", "quote it: \"true\""}},
        BadPolicy{"selector_bad_key",
                  R"({"namespaces": [{"selector": {"matchLabels": {"env prod": "x"}}}]})",
                  "/namespaces/0/selector/matchLabels/env prod",
                  {"the label key 'env prod'", "like env"}},
        BadPolicy{"selector_bad_value",
                  R"({"namespaces": [{"selector": {"matchLabels": {"env": "-prod"}}}]})",
                  "/namespaces/0/selector/matchLabels/env",
                  {"'-prod' is not a label value"}},
        BadPolicy{"selector_expressions_not_list",
                  R"({"namespaces": [{"selector": {"matchExpressions": {"key": "env"}}}]})",
                  "/namespaces/0/selector/matchExpressions",
                  {"list of {key, operator, values}"}},
        BadPolicy{
            "selector_unknown_operator",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "env", "operator": "in", "values": ["a"]}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/operator",
            {"\"in\"", "In, NotIn, Exists, DoesNotExist"}},
        BadPolicy{"selector_no_operator",
                  R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "env"}]}}]})",
                  "/namespaces/0/selector/matchExpressions/0/operator",
                  {"no 'operator'"}},
        BadPolicy{
            "selector_no_key",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"operator": "Exists"}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/key",
            {"no 'key'"}},
        BadPolicy{
            "selector_exists_with_values",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "env", "operator": "Exists", "values": ["prod"]}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/values",
            {"must not be given with the operator Exists", "remove values"}},
        BadPolicy{
            "selector_doesnotexist_with_values",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "env", "operator": "DoesNotExist", "values": ["x"]}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/values",
            {"operator DoesNotExist"}},
        BadPolicy{
            "selector_in_without_values",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "env", "operator": "In"}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/values",
            {"operator In and needs values"}},
        BadPolicy{
            "selector_notin_empty_values",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": []}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/values",
            {"operator NotIn and needs values"}},
        BadPolicy{
            "selector_bad_expression_value",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "env", "operator": "In", "values": ["ok", "not ok"]}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/values/1",
            {"'not ok' is not a label value"}},
        BadPolicy{
            "selector_bad_expression_key",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "a/b/c", "operator": "Exists"}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/key",
            {"more than one '/'"}},
        BadPolicy{
            "selector_unknown_expression_key",
            R"({"namespaces": [{"selector": {"matchExpressions": [{"key": "env", "operator": "Exists", "value": "x"}]}}]})",
            "/namespaces/0/selector/matchExpressions/0/value",
            {"accepted keys: key, operator, values"}}),
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
