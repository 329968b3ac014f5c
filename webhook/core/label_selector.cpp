#include "webhook/core/label_selector.hpp"

#include <algorithm>
#include <cctype>

#include "webhook/core/text.hpp"

namespace hostadm {

namespace {

bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// A label value, or the name part of a key: ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
bool is_label_name(std::string_view s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// A lowercase RFC 1123 subdomain: dot-separated labels of [a-z0-9-], each starting and ending
// with a letter or a digit, 253 characters in all.
bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
        return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

constexpr const char* kNameForm =
    "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or a digit";

bool has(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

bool LabelRequirement::matches(const Labels& labels) const {
  const auto it = labels.find(key);
  const bool present = it != labels.end();
  switch (op) {
    case LabelOp::Equals:
    case LabelOp::In:
      return present && has(values, it->second);
    case LabelOp::NotIn:
      // As in Kubernetes: a namespace without the label is not in any set of its values.
      return !present || !has(values, it->second);
    case LabelOp::Exists:
      return present;
    case LabelOp::DoesNotExist:
      return !present;
  }
  return false;
}

bool LabelSelector::matches(const Labels& labels) const {
  return std::all_of(requirements.begin(), requirements.end(),
                     [&](const LabelRequirement& r) { return r.matches(labels); });
}

std::string label_key_problem(std::string_view key) {
  const std::string example = " (like env, or example.com/env)";
  const size_t slash = key.find('/');
  std::string_view name = key;
  if (slash != std::string_view::npos) {
    const std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (name.find('/') != std::string_view::npos)
      return "has more than one '/': a label key is an optional prefix, '/' and a name" + example;
    if (!is_dns_subdomain(prefix))
      return "has a prefix that is not a DNS subdomain (lowercase letters, digits, '-' and '.', "
             "at most 253 characters)" +
             example;
  }
  if (name.empty()) return "has an empty name; a label key needs a name" + example;
  if (name.size() > 63 || !is_label_name(name))
    return std::string("has a name that is not ") + kNameForm + example;
  return "";
}

std::string label_value_problem(std::string_view value) {
  if (value.empty()) return "";
  if (value.size() > 63 || !is_label_name(value))
    return std::string("is not a label value: empty, or ") + kNameForm + " (like prod or team-a)";
  return "";
}

bool parse_label_op(std::string_view text, LabelOp* op) {
  for (LabelOp candidate : {LabelOp::In, LabelOp::NotIn, LabelOp::Exists, LabelOp::DoesNotExist}) {
    if (text == to_string(candidate)) {
      *op = candidate;
      return true;
    }
  }
  return false;
}

std::string_view to_string(LabelOp op) {
  switch (op) {
    case LabelOp::Equals:
      return "Equals";
    case LabelOp::In:
      return "In";
    case LabelOp::NotIn:
      return "NotIn";
    case LabelOp::Exists:
      return "Exists";
    case LabelOp::DoesNotExist:
      return "DoesNotExist";
  }
  return "Exists";
}

std::string to_string(const LabelSelector& selector) {
  std::string out;
  for (const auto& r : selector.requirements) {
    if (!out.empty()) out += ",";
    switch (r.op) {
      case LabelOp::Equals:
        out += r.key + "=" + (r.values.empty() ? "" : r.values.front());
        break;
      case LabelOp::In:
        out += r.key + " in (" + text::join(r.values, ",") + ")";
        break;
      case LabelOp::NotIn:
        out += r.key + " notin (" + text::join(r.values, ",") + ")";
        break;
      case LabelOp::Exists:
        out += r.key;
        break;
      case LabelOp::DoesNotExist:
        out += "!" + r.key;
        break;
    }
  }
  return out;
}

}  // namespace hostadm
