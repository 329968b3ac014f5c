// Kubernetes label selectors (matchLabels and matchExpressions, as a Namespace's labels are
// matched by a webhook's namespaceSelector): the syntax checks the apiserver makes, matching and
// the text kubectl prints. No JSON here: the policy parser reads a selector into these types.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hostadm {

using Labels = std::map<std::string, std::string, std::less<>>;

// Equals comes from matchLabels (one value); the others from matchExpressions.
enum class LabelOp { Equals, In, NotIn, Exists, DoesNotExist };

struct LabelRequirement {
  std::string key;
  LabelOp op = LabelOp::Exists;
  std::vector<std::string> values;  // Equals: one; In, NotIn: at least one; the others: none

  bool matches(const Labels& labels) const;
};

// Every requirement must hold. No requirement at all
// (`selector: {}`) matches every namespace, as in Kubernetes.
struct LabelSelector {
  std::vector<LabelRequirement> requirements;

  bool matches(const Labels& labels) const;
};

// "" when `key` is a valid label key (an optional DNS subdomain prefix and '/', then a name of at
// most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or a
// digit); else why not, in words that show a valid key.
std::string label_key_problem(std::string_view key);
// "" when `value` is a valid label value (empty, or as a key's name part); else why not.
std::string label_value_problem(std::string_view value);

// The operator as written in matchExpressions: "In", "NotIn", "Exists", "DoesNotExist"
// (case-sensitive, as the apiserver reads them). false for anything else.
bool parse_label_op(std::string_view text, LabelOp* op);
std::string_view to_string(LabelOp op);

// kubectl's form: "env=prod,tier in (a,b),team notin (x),legacy,!beta"; "" for no requirement.
std::string to_string(const LabelSelector& selector);

}  // namespace hostadm
