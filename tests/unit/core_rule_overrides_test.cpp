// `rules:` overrides applied to a decision's findings: off drops a finding, deny makes it a
// denial, warn a warning; the most specific override wins; malformed never changes.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "webhook/core/rule_overrides.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm {
namespace {

using nlohmann::json;

Finding finding(std::string_view rule, bool deny) {
  return {std::string(rule), deny, std::string(rule) + ": text"};
}

TEST(ApplyRuleOverrides, TableOfOverrides) {
  const Policy p = parse_policy(json::parse(R"({
    "rules": {"host-in-maintenance": "deny", "address-not-on-host": "off",
              "secret-not-found": "deny", "address-conflict": "warn"},
    "namespaces": [{"match": "prod", "rules": {"secret-not-found": "warn",
                                               "host-status-not-green": "off"}}]})"));
  struct Row {
    const char* ns;
    Finding in;
    std::optional<bool> deny;  // nullopt: dropped
  };
  const std::vector<Row> rows = {
      {"default", finding(rule::kHostInMaintenance, false), true},
      {"default", finding(rule::kAddressNotOnHost, false), std::nullopt},
      {"default", finding(rule::kAddressConflict, true), false},
      {"default", finding(rule::kSecretNotFound, false), true},
      {"default", finding(rule::kHostStatusNotGreen, false), false},  // not overridden
      {"default", finding(rule::kAdapterNotFound, true), true},       // not overridden
      // The decision's own choice stands where nothing overrides: a deny rule it reported as a
      // warning (a stored Host kept unchanged) stays a warning.
      {"default", finding(rule::kAdapterNotFound, false), false},
      {"prod", finding(rule::kSecretNotFound, false), false},  // the entry over the top level
      {"prod", finding(rule::kHostStatusNotGreen, false), std::nullopt},
      {"prod", finding(rule::kHostInMaintenance, false), true},  // the top level still applies
      {"prod", finding(rule::kMalformed, true), true},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(r.ns) + " " + r.in.rule);
    std::vector<Finding> findings = {r.in};
    apply_rule_overrides(findings, p.resolve(r.ns, nullptr));
    if (!r.deny) {
      EXPECT_TRUE(findings.empty());
      continue;
    }
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].deny, *r.deny);
    EXPECT_EQ(findings[0].message, r.in.message);  // the text stays the rule's own
  }
}

// The parser refuses such a policy; a Policy built in code must not get around it either.
TEST(ApplyRuleOverrides, MalformedStaysADenialWhateverThePolicySays) {
  for (RuleAction action : {RuleAction::Off, RuleAction::Warn}) {
    Policy p;
    p.rules.push_back({std::string(rule::kMalformed), action});
    std::vector<Finding> findings = {finding(rule::kMalformed, true)};
    apply_rule_overrides(findings, p.resolve("x", nullptr));
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_TRUE(findings[0].deny);
  }
}

TEST(ApplyRuleOverrides, KeepsTheOrderOfWhatRemains) {
  const Policy p = parse_policy(json::parse(R"({"rules": {"address-not-on-host": "off"}})"));
  std::vector<Finding> findings = {
      finding(rule::kAddressConflict, true), finding(rule::kAddressNotOnHost, false),
      finding(rule::kHostInMaintenance, false), finding(rule::kAddressNotOnHost, false),
      finding(rule::kHostStatusNotGreen, false)};
  apply_rule_overrides(findings, p.resolve("x", nullptr));
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].rule, rule::kAddressConflict);
  EXPECT_EQ(findings[1].rule, rule::kHostInMaintenance);
  EXPECT_EQ(findings[2].rule, rule::kHostStatusNotGreen);
}

const char* action_word(int i) {
  static const char* kWords[] = {"deny", "warn", "off"};
  return kWords[i];
}

// Property, over random override tables at both levels: whatever the rule's own kind and however
// the decision reported it, an override to off never leaves a finding (so never denies), deny
// always leaves a denial (so never admits in an enforce namespace), warn a warning; the most
// specific override is the one that counts, and malformed cannot be moved.
TEST(ApplyRuleOverrides, PropertyOffNeverDeniesDenyNeverAdmits) {
  std::mt19937 rng(20261127);
  const auto& rules = all_rules();
  for (int round = 0; round < 400; ++round) {
    json top = json::object(), entry = json::object();
    for (const auto& r : rules) {
      if (r.id == rule::kMalformed) continue;
      if (rng() % 3 == 0) top[std::string(r.id)] = action_word(rng() % 3);
      if (rng() % 3 == 0) entry[std::string(r.id)] = action_word(rng() % 3);
    }
    const Policy p =
        parse_policy({{"rules", top}, {"namespaces", {{{"match", "team-*"}, {"rules", entry}}}}});
    const bool in_entry = rng() % 2 == 0;
    const EffectivePolicy e = p.resolve(in_entry ? "team-a" : "other", nullptr);
    ASSERT_EQ(e.mode, Mode::Enforce);

    std::vector<Finding> findings;
    for (const auto& r : rules) findings.push_back(finding(r.id, rng() % 2 == 0));
    const std::vector<Finding> before = findings;
    apply_rule_overrides(findings, e);

    size_t at = 0;
    for (const auto& f : before) {
      SCOPED_TRACE("round " + std::to_string(round) + ", " + f.rule);
      std::optional<std::string> word;
      if (in_entry && entry.contains(f.rule))
        word = entry[f.rule].get<std::string>();
      else if (top.contains(f.rule))
        word = top[f.rule].get<std::string>();
      if (f.rule == rule::kMalformed) word.reset();
      if (word == "off") {
        EXPECT_EQ(e.action_of(f.rule), RuleAction::Off);
        continue;  // dropped: must not be next in `findings`
      }
      ASSERT_LT(at, findings.size());
      const Finding& now = findings[at++];
      ASSERT_EQ(now.rule, f.rule);
      if (word == "deny") {
        EXPECT_TRUE(now.deny);
        EXPECT_EQ(e.action_of(f.rule), RuleAction::Deny);
      } else if (word == "warn") {
        EXPECT_FALSE(now.deny);
        EXPECT_EQ(e.action_of(f.rule), RuleAction::Warn);
      } else {
        EXPECT_EQ(now.deny, f.deny);
      }
    }
    EXPECT_EQ(at, findings.size());
  }
}

}  // namespace
}  // namespace hostadm
