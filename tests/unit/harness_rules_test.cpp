// `host-harness rules`: one row per rule of the core's table, each example produced by the real
// pipeline and carrying its own rule id, and the generated docs page kept in step with the code.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/rule_examples.hpp"
#include "unit/testlib/harness_cli.hpp"
#include "unit/testlib/rules_decided_later.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm::harness {
namespace {

// Rules whose example needs an inventory that fails: the built-in one never does.
bool needs_failing_inventory(std::string_view id) {
  return id == rule::kInventoryUnavailable || id == rule::kInventoryStale;
}

TEST(RuleExamples, EveryRuleHasAnExampleThatReallyFiresIt) {
  auto examples = rule_examples();
  const auto& rules = all_rules();
  ASSERT_EQ(examples.size(), rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    SCOPED_TRACE(std::string(rules[i].id));
    EXPECT_EQ(examples[i].rule, rules[i].id);
    EXPECT_FALSE(examples[i].scenario.empty());
    if (needs_failing_inventory(rules[i].id) || decided_later(rules[i].id)) {
      EXPECT_EQ(examples[i].message, "");
    } else {
      EXPECT_EQ(examples[i].message.rfind(std::string(rules[i].id) + ": ", 0), 0u)
          << examples[i].message;
    }
  }
}

TEST(RulesCommand, JsonListsEveryRuleWithKindAndExample) {
  for (const char* flag : {"-o json", "-ojson", "--output=json", "--output json"}) {
    SCOPED_TRACE(flag);
    CliRun r = harness(std::string("rules ") + flag);
    ASSERT_EQ(r.status, 0);
    auto doc = nlohmann::json::parse(r.out);
    ASSERT_EQ(doc["rules"].size(), all_rules().size());
    for (size_t i = 0; i < all_rules().size(); ++i) {
      EXPECT_EQ(doc["rules"][i]["id"], std::string(all_rules()[i].id));
      EXPECT_TRUE(doc["rules"][i]["kind"] == "deny" || doc["rules"][i]["kind"] == "warn" ||
                  doc["rules"][i]["kind"] == "policy");
      EXPECT_TRUE(doc["rules"][i]["example"].contains("message"));
    }
  }
}

TEST(RulesCommand, TableNamesEveryRule) {
  CliRun r = harness("rules");
  ASSERT_EQ(r.status, 0);
  for (const auto& rule : all_rules())
    EXPECT_NE(r.out.find("\n" + std::string(rule.id) + " "), std::string::npos) << rule.id;
}

TEST(RulesCommand, BadUsageExitsTwo) {
  EXPECT_EQ(harness("rules -o yaml").status, 2);
  EXPECT_EQ(harness("rules --colour").status, 2);
  EXPECT_EQ(harness("rules extra-path").status, 2);
}

// docs/reference/rules.md is generated; a change to a rule or a message must regenerate it with
// `make docs` (which runs `host-harness rules -o markdown`, as does the ctest docs.rules).
TEST(RulesCommand, GeneratedPageIsCurrent) {
  CliRun r = harness("rules -o markdown");
  ASSERT_EQ(r.status, 0);
  std::ifstream page(std::string(HOSTADM_SOURCE_DIR) + "/docs/reference/rules.md");
  ASSERT_TRUE(page) << "docs/reference/rules.md is missing";
  std::stringstream text;
  text << page.rdbuf();
  EXPECT_EQ(text.str(), r.out)
      << "docs/reference/rules.md is out of date; regenerate it with: make docs";
}

}  // namespace
}  // namespace hostadm::harness
