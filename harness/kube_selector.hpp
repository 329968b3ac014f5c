// Label and field selectors of the mock Kubernetes API, parsed and matched as the API server
// does: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`, joined by
// commas; field selectors on metadata.name and metadata.namespace.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hostadm::kubemock {

// A selector the API server would refuse: what() is its message (the mock answers 400).
struct SelectorError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class LabelSelector {
 public:
  LabelSelector() = default;  // matches everything
  // Throws SelectorError.
  static LabelSelector parse(const std::string& text);

  bool empty() const { return requirements_.empty(); }
  // Against metadata.labels of `object`.
  bool matches(const nlohmann::json& object) const;

  // The parsed form: every requirement must hold.
  enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist, GreaterThan, LessThan };
  struct Requirement {
    std::string key;
    Op op = Op::Exists;
    std::vector<std::string> values;
  };

 private:
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  FieldSelector() = default;
  // `resource` names the resource in the error for an unsupported field. Throws SelectorError.
  static FieldSelector parse(const std::string& text, const std::string& resource);

  bool empty() const { return terms_.empty(); }
  bool matches(const nlohmann::json& object) const;

 private:
  struct Term {
    std::string field;  // metadata.name | metadata.namespace
    bool equals;
    std::string value;
  };
  std::vector<Term> terms_;
};

}  // namespace hostadm::kubemock
