// The policy's `rules:` overrides applied to a decision's findings: the one place where a rule's
// kind changes, so a rule turned off can never deny and a rule turned to deny never only warns.
#pragma once

#include <vector>

#include "webhook/core/decision.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm {

// For each finding whose rule the namespace's entry or the top level overrides: `off` drops it
// (no denial, no warning, no rule id reported), `deny` makes it a denial, `warn` a warning.
// Findings of rules that are not overridden keep the kind the decision gave them (it may warn
// for a deny rule on purpose, as for a stored Host kept unchanged). `malformed` is never
// changed (the parser refuses to override it). The decision calls this first in finish(),
// before a `mode: warn` namespace (or the unchanged-UPDATE ratchet) turns denials into warnings.
void apply_rule_overrides(std::vector<Finding>& findings, const EffectivePolicy& effective);

}  // namespace hostadm
