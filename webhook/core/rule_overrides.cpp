#include "webhook/core/rule_overrides.hpp"

#include <optional>
#include <utility>

#include "webhook/core/rules.hpp"

namespace hostadm {

void apply_rule_overrides(std::vector<Finding>& findings, const EffectivePolicy& effective) {
  size_t kept = 0;
  for (size_t i = 0; i < findings.size(); ++i) {
    Finding& f = findings[i];
    const auto action = f.rule == rule::kMalformed ? std::nullopt : effective.override_of(f.rule);
    if (action == RuleAction::Off) continue;
    if (action) f.deny = *action == RuleAction::Deny;
    if (kept != i) findings[kept] = std::move(f);
    ++kept;
  }
  findings.resize(kept);
}

}  // namespace hostadm
