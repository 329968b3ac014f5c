// Which `namespaces` entry applies to a namespace (first match wins; with a glob and a selector
// both must fit), and the action of each rule there (entry `rules:` over top-level `rules:` over
// the rule's own kind).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "webhook/core/policy.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm {
namespace {

using nlohmann::json;

const Policy& sample() {
  static const Policy p = parse_policy(json::parse(R"({
    "rules": {"host-in-maintenance": "deny", "address-not-on-host": "off"},
    "namespaces": [
      {"match": "scratch", "mode": "off"},
      {"match": "prod-*", "selector": {"matchLabels": {"env": "prod"}},
       "allowedProviders": ["vsphere-prod"], "rules": {"host-in-maintenance": "warn"}},
      {"selector": {"matchExpressions": [{"key": "env", "operator": "In", "values": ["dev"]}]},
       "mode": "warn"},
      {"match": "prod-*", "mode": "enforce", "rules": {"host-status-not-green": "deny"}},
      {"selector": {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]},
       "match": "lab-*", "mode": "warn"}
    ]})"));
  return p;
}

struct ResolveRow {
  const char* name;
  const char* ns;
  std::optional<Labels> labels;  // nullopt: not known
  int entry;                     // -1: none applies
  Mode mode;
  bool labels_unknown;
};

TEST(PolicyResolve, FirstEntryThatAppliesWins) {
  const Labels prod = {{"env", "prod"}};
  const Labels dev = {{"env", "dev"}};
  const std::vector<ResolveRow> rows = {
      {"no entry: enforce", "default", Labels{}, -1, Mode::Enforce, false},
      {"glob only", "scratch", Labels{}, 0, Mode::Off, false},
      {"glob only, labels unknown", "scratch", std::nullopt, 0, Mode::Off, false},
      {"glob and selector both fit", "prod-1", prod, 1, Mode::Enforce, false},
      {"glob fits, selector does not: next", "prod-1", dev, 2, Mode::Warn, false},
      {"glob fits, no labels at all: the glob-only entry", "prod-1", Labels{}, 3, Mode::Enforce,
       false},
      {"selector fits, glob does not", "team-prod", prod, -1, Mode::Enforce, false},
      {"selector only", "anything", dev, 2, Mode::Warn, false},
      {"labels unknown: selector entries are passed over", "prod-1", std::nullopt, 3, Mode::Enforce,
       true},
      {"labels unknown: the selector-only entry might have applied", "default", std::nullopt, -1,
       Mode::Enforce, true},
      {"DoesNotExist on an absent label", "lab-1", Labels{{"team", "a"}}, 4, Mode::Warn, false},
      {"DoesNotExist with the label present", "lab-1", Labels{{"tier", "x"}}, -1, Mode::Enforce,
       false},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    const EffectivePolicy e = sample().resolve(r.ns, r.labels ? &*r.labels : nullptr);
    EXPECT_EQ(e.entry_index, r.entry);
    EXPECT_EQ(e.entry, r.entry < 0 ? nullptr : &sample().namespaces[r.entry]);
    EXPECT_EQ(e.mode, r.mode);
    EXPECT_EQ(e.labels_unknown, r.labels_unknown);
    EXPECT_EQ(e.policy, &sample());
  }
}

// Labels only matter to an entry whose glob fits: passing over one whose glob does not is no
// loss, so it is not reported.
TEST(PolicyResolve, LabelsUnknownOnlyWhenASelectorEntryCouldHaveApplied) {
  const Policy p = parse_policy(json::parse(
      R"({"namespaces": [{"match": "prod-*", "selector": {"matchLabels": {"env": "prod"}}}]})"));
  EXPECT_FALSE(p.resolve("team-x", nullptr).labels_unknown);
  EXPECT_TRUE(p.resolve("prod-x", nullptr).labels_unknown);
  const Labels prod = {{"env", "prod"}};
  EXPECT_FALSE(p.resolve("prod-x", &prod).labels_unknown);
  EXPECT_EQ(p.resolve("prod-x", &prod).entry_index, 0);
}

TEST(PolicyResolve, ModeForIsResolveWithoutLabels) {
  EXPECT_EQ(sample().mode_for("scratch"), Mode::Off);
  EXPECT_EQ(sample().mode_for("prod-1"), Mode::Enforce);
  EXPECT_EQ(sample().mode_for("lab-1"), Mode::Enforce);  // its entry needs labels
}

TEST(PolicyResolve, StandardsComeFromTheEntry) {
  const Labels prod = {{"env", "prod"}};
  EXPECT_EQ(sample().resolve("prod-1", &prod).standards().allowed_providers,
            std::vector<std::string>{"vsphere-prod"});
  EXPECT_FALSE(sample().resolve("default", nullptr).standards().any());
  EXPECT_FALSE(sample().resolve("scratch", nullptr).standards().any());
}

struct ActionRow {
  const char* name;
  const char* ns;
  Labels labels;
  std::string_view rule;
  std::optional<RuleAction> override_of;
  RuleAction action;
};

TEST(PolicyResolve, EntryRulesOverTopLevelRulesOverTheRuleKind) {
  const Labels prod = {{"env", "prod"}};
  const std::vector<ActionRow> rows = {
      {"own kind, deny", "default", {}, rule::kAddressConflict, std::nullopt, RuleAction::Deny},
      {"own kind, warn", "default", {}, rule::kHostStatusNotGreen, std::nullopt, RuleAction::Warn},
      {"top level raises a warning to deny",
       "default",
       {},
       rule::kHostInMaintenance,
       RuleAction::Deny,
       RuleAction::Deny},
      {"top level turns one off",
       "default",
       {},
       rule::kAddressNotOnHost,
       RuleAction::Off,
       RuleAction::Off},
      {"entry over top level", "prod-1", prod, rule::kHostInMaintenance, RuleAction::Warn,
       RuleAction::Warn},
      {"top level reaches an entry that does not name the rule", "prod-1", prod,
       rule::kAddressNotOnHost, RuleAction::Off, RuleAction::Off},
      {"another entry's rules do not apply", "prod-1", prod, rule::kHostStatusNotGreen,
       std::nullopt, RuleAction::Warn},
      {"that entry's own",
       "prod-1",
       {},
       rule::kHostStatusNotGreen,
       RuleAction::Deny,
       RuleAction::Deny},
      {"top level in a mode: off entry too",
       "scratch",
       {},
       rule::kHostInMaintenance,
       RuleAction::Deny,
       RuleAction::Deny},
      {"cluster check, own kind",
       "default",
       {},
       rule::kSecretNotFound,
       std::nullopt,
       RuleAction::Warn},
      {"standard, own kind",
       "default",
       {},
       rule::kAddressNotAllowed,
       std::nullopt,
       RuleAction::Deny},
      {"an unknown id is deny", "default", {}, "no-such-rule", std::nullopt, RuleAction::Deny},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    const EffectivePolicy e = sample().resolve(r.ns, &r.labels);
    EXPECT_EQ(e.override_of(r.rule), r.override_of);
    EXPECT_EQ(e.action_of(r.rule), r.action);
  }
}

struct InventoryFailureRow {
  const char* policy;
  FailurePolicy effective;
  RuleAction action;
};

// inventory-unavailable's own kind is inventoryFailure's; an override replaces it (never defer).
TEST(PolicyResolve, InventoryUnavailableFollowsInventoryFailureUnlessOverridden) {
  const std::vector<InventoryFailureRow> rows = {
      {R"({})", FailurePolicy::Deny, RuleAction::Deny},
      {R"({"inventoryFailure": "allow"})", FailurePolicy::Allow, RuleAction::Warn},
      {R"({"inventoryFailure": "defer"})", FailurePolicy::Defer, RuleAction::Deny},
      {R"({"inventoryFailure": "defer", "rules": {"inventory-unavailable": "deny"}})",
       FailurePolicy::Deny, RuleAction::Deny},
      {R"({"inventoryFailure": "deny", "rules": {"inventory-unavailable": "warn"}})",
       FailurePolicy::Allow, RuleAction::Warn},
      {R"({"inventoryFailure": "deny", "rules": {"inventory-unavailable": "off"}})",
       FailurePolicy::Allow, RuleAction::Off},
      {R"({"inventoryFailure": "allow", "rules": {"inventory-unavailable": "warn"},
           "namespaces": [{"match": "*", "rules": {"inventory-unavailable": "deny"}}]})",
       FailurePolicy::Deny, RuleAction::Deny},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.policy);
    const Policy p = parse_policy(json::parse(r.policy));
    const EffectivePolicy e = p.resolve("ns", nullptr);
    EXPECT_EQ(e.inventory_failure(), r.effective);
    EXPECT_EQ(e.action_of(rule::kInventoryUnavailable), r.action);
  }
}

TEST(PolicyResolve, ADefaultEffectivePolicyHasNoEntryAndNoOverrides) {
  EffectivePolicy e;
  EXPECT_EQ(e.mode, Mode::Enforce);
  EXPECT_FALSE(e.standards().any());
  EXPECT_FALSE(e.override_of(rule::kHostInMaintenance).has_value());
  EXPECT_EQ(e.inventory_failure(), FailurePolicy::Deny);
}

}  // namespace
}  // namespace hostadm
