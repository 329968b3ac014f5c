// The rule table: ids are unique, and a mistyped id finds the one meant ("did you mean").
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "webhook/core/rules.hpp"

namespace hostadm {
namespace {

TEST(Rules, IdsAreUniqueAndFindable) {
  std::set<std::string_view> seen;
  for (const auto& r : all_rules()) {
    EXPECT_TRUE(seen.insert(r.id).second) << r.id;
    ASSERT_NE(find_rule(r.id), nullptr) << r.id;
    EXPECT_EQ(find_rule(r.id)->id, r.id);
    EXPECT_FALSE(r.when.empty()) << r.id;
  }
  EXPECT_EQ(find_rule("no-such-rule"), nullptr);
  EXPECT_FALSE(is_known_rule(""));
}

TEST(ClosestRule, ATypoOrAnUnambiguousStart) {
  EXPECT_EQ(closest_rule("adress-not-allowed"), "address-not-allowed");
  EXPECT_EQ(closest_rule("host-in-maintainance"), "host-in-maintenance");
  EXPECT_EQ(closest_rule("secret-not-fond"), "secret-not-found");
  EXPECT_EQ(closest_rule("endpoint-login"), "endpoint-login-failed");  // the only id it starts
  EXPECT_EQ(closest_rule("endpoint"), "");                             // three start so
  EXPECT_EQ(closest_rule("no-such-thing-at-all"), "");
  EXPECT_EQ(closest_rule(""), "");
  EXPECT_EQ(closest_rule(std::string(100, 'a')), "");
}

}  // namespace
}  // namespace hostadm
