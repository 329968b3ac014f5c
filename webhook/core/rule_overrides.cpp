#include "webhook/core/rule_overrides.hpp"

#include <optional>
#include <utility>

#include "webhook/core/rules.hpp"

namespace hostadm {

void apply_rule_overrides(std::vector<Finding>& findings, const EffectivePolicy& effective) {
  // Most policies override nothing: no lookup per finding then.
  const bool top = effective.policy && !effective.policy->rules.empty();
  if (findings.empty() || (!top && (!effective.entry || effective.entry->rules.empty()))) return;
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
