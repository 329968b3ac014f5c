#include "harness/kube_selector.hpp"

#include <cctype>
#include <cstdlib>

namespace hostadm::kubemock {

namespace {

using nlohmann::json;

enum class Tok { End, Ident, Comma, Open, Close, Not, Eq, DoubleEq, NotEq, In, NotIn, Gt, Lt };

struct Token {
  Tok kind;
  std::string text;
};

bool special(char c) {
  return c == ',' || c == '(' || c == ')' || c == '!' || c == '=' || c == '<' || c == '>';
}

// The lexer of apimachinery's labels.Parse: identifiers run up to whitespace or a special
// character; `in` and `notin` are keywords.
std::vector<Token> lex(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == ',' || c == '(' || c == ')' || c == '<' || c == '>') {
      out.push_back({c == ','   ? Tok::Comma
                     : c == '(' ? Tok::Open
                     : c == ')' ? Tok::Close
                     : c == '<' ? Tok::Lt
                                : Tok::Gt,
                     std::string(1, c)});
      ++i;
    } else if (c == '!' || c == '=') {
      if (i + 1 < s.size() && s[i + 1] == '=') {
        out.push_back({c == '!' ? Tok::NotEq : Tok::DoubleEq, s.substr(i, 2)});
        i += 2;
      } else {
        out.push_back({c == '!' ? Tok::Not : Tok::Eq, std::string(1, c)});
        ++i;
      }
    } else {
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && !special(s[j])) ++j;
      std::string word = s.substr(i, j - i);
      out.push_back({word == "in" ? Tok::In : word == "notin" ? Tok::NotIn : Tok::Ident, word});
      i = j;
    }
  }
  out.push_back({Tok::End, "end of string"});
  return out;
}

bool integer(const std::string& v) {
  return !v.empty() && v.find_first_not_of("-0123456789") == std::string::npos;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// A label name or value: at most 63 characters of [-A-Za-z0-9_.], alphanumeric at both ends.
std::string check_name(const std::string& v, bool may_be_empty) {
  if (v.empty()) return may_be_empty ? "" : "name part must be non-empty";
  if (v.size() > 63) return "must be no more than 63 characters";
  for (char c : v)
    if (!name_char(c))
      return "a valid label must be an empty string or consist of alphanumeric characters, '-', "
             "'_' or '.', and must start and end with an alphanumeric character";
  if (!std::isalnum(static_cast<unsigned char>(v.front())) ||
      !std::isalnum(static_cast<unsigned char>(v.back())))
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
           "or '.', and must start and end with an alphanumeric character";
  return "";
}

void check_key(const std::string& key) {
  const auto slash = key.find('/');
  const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
  std::string why = check_name(name, false);
  if (why.empty() && slash != std::string::npos) {
    const std::string prefix = key.substr(0, slash);
    if (prefix.empty() || prefix.size() > 253 || prefix.find('/') != std::string::npos)
      why = "prefix part must be a DNS subdomain";
  }
  if (!why.empty())
    throw SelectorError("unable to parse requirement: key: Invalid value: \"" + key + "\": " + why);
}

void check_value(const std::string& key, const std::string& value) {
  const std::string why = check_name(value, true);
  if (!why.empty())
    throw SelectorError("unable to parse requirement: values[0][" + key + "]: Invalid value: \"" +
                        value + "\": " + why);
}

const std::string* label_of(const json& object, const std::string& key) {
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return nullptr;
  auto labels = md->find("labels");
  if (labels == md->end() || !labels->is_object()) return nullptr;
  auto v = labels->find(key);
  return v != labels->end() && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

}  // namespace

namespace {

using Op = LabelSelector::Op;

// Reads the tokens of one requirement from t[i]; leaves i after it.
LabelSelector::Requirement parse_requirement(const std::vector<Token>& t, size_t& i) {
  auto expect = [&](const char* what) {
    throw SelectorError("found '" + t[i].text + "', expected: " + what);
  };
  LabelSelector::Requirement r;
  if (t[i].kind == Tok::Not) {
    ++i;
    if (t[i].kind != Tok::Ident) expect("identifier");
    r.key = t[i++].text;
    r.op = Op::DoesNotExist;
    return r;
  }
  if (t[i].kind != Tok::Ident) expect("!, identifier, or 'end of string'");
  r.key = t[i++].text;
  switch (t[i].kind) {
    case Tok::End:
    case Tok::Comma:
      r.op = Op::Exists;
      return r;
    case Tok::Eq:
    case Tok::DoubleEq:
    case Tok::NotEq:
    case Tok::Gt:
    case Tok::Lt: {
      const Tok op = t[i++].kind;
      r.op = op == Tok::NotEq ? Op::NotEquals
             : op == Tok::Gt  ? Op::GreaterThan
             : op == Tok::Lt  ? Op::LessThan
                              : Op::Equals;
      // An empty value (`a=`) is allowed: the label must be empty.
      r.values.push_back(t[i].kind == Tok::Ident ? t[i++].text : "");
      if ((r.op == Op::GreaterThan || r.op == Op::LessThan) && !integer(r.values[0]))
        throw SelectorError(
            "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
      return r;
    }
    case Tok::In:
    case Tok::NotIn:
      r.op = t[i++].kind == Tok::In ? Op::In : Op::NotIn;
      if (t[i].kind != Tok::Open) expect("'('");
      for (++i;; ++i) {
        if (t[i].kind == Tok::Ident)
          r.values.push_back(t[i++].text);
        else if (t[i].kind == Tok::Comma || t[i].kind == Tok::Close)
          r.values.push_back("");
        else
          expect("',', ')' or identifier");
        if (t[i].kind == Tok::Close) break;
        if (t[i].kind != Tok::Comma) expect("',' or ')'");
      }
      ++i;
      return r;
    default:
      expect("=, !=, ==, in, notin, >, < or 'end of string'");
  }
  return r;
}

}  // namespace

LabelSelector LabelSelector::parse(const std::string& text) {
  LabelSelector out;
  const std::vector<Token> t = lex(text);
  size_t i = 0;
  while (t[i].kind != Tok::End) {
    Requirement r = parse_requirement(t, i);
    check_key(r.key);
    for (const auto& v : r.values) check_value(r.key, v);
    out.requirements_.push_back(std::move(r));
    if (t[i].kind == Tok::Comma) {
      ++i;
      if (t[i].kind == Tok::End)
        throw SelectorError("found '" + t[i].text + "', expected: identifier after ','");
    } else if (t[i].kind != Tok::End) {
      throw SelectorError("found '" + t[i].text + "', expected: ',' or 'end of string'");
    }
  }
  return out;
}

bool LabelSelector::matches(const json& object) const {
  for (const auto& r : requirements_) {
    const std::string* v = label_of(object, r.key);
    bool ok = false;
    switch (r.op) {
      case Op::Equals:
        ok = v && *v == r.values[0];
        break;
      case Op::NotEquals:
        ok = !v || *v != r.values[0];
        break;
      case Op::In:
        ok = false;
        if (v)
          for (const auto& x : r.values) ok = ok || *v == x;
        break;
      case Op::NotIn:
        ok = true;
        if (v)
          for (const auto& x : r.values) ok = ok && *v != x;
        break;
      case Op::Exists:
        ok = v != nullptr;
        break;
      case Op::DoesNotExist:
        ok = v == nullptr;
        break;
      case Op::GreaterThan:
      case Op::LessThan: {
        if (!v || !integer(*v)) break;
        const long long have = std::atoll(v->c_str()), want = std::atoll(r.values[0].c_str());
        ok = r.op == Op::GreaterThan ? have > want : have < want;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

FieldSelector FieldSelector::parse(const std::string& text, const std::string& resource) {
  FieldSelector out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string term = text.substr(start, comma - start);
    start = comma + 1;
    if (term.find_first_not_of(" \t") == std::string::npos) {
      if (comma == text.size()) break;
      continue;
    }
    Term t;
    size_t op = term.find("!=");
    size_t len = 2;
    t.equals = op == std::string::npos;
    if (t.equals) {
      op = term.find("==");
      if (op == std::string::npos) {
        op = term.find('=');
        len = 1;
      }
    }
    if (op == std::string::npos)
      throw SelectorError("invalid selector: '" + term + "'; can't understand '" + term + "'");
    t.field = term.substr(0, op);
    t.value = term.substr(op + len);
    if (t.field != "metadata.name" && t.field != "metadata.namespace")
      throw SelectorError("field label not supported: " + t.field + " (on " + resource + ")");
    out.terms_.push_back(std::move(t));
  }
  return out;
}

bool FieldSelector::matches(const json& object) const {
  for (const auto& t : terms_) {
    std::string have;
    auto md = object.find("metadata");
    if (md != object.end() && md->is_object()) {
      auto v = md->find(t.field == "metadata.name" ? "name" : "namespace");
      if (v != md->end() && v->is_string()) have = v->get<std::string>();
    }
    if ((have == t.value) != t.equals) return false;
  }
  return true;
}

}  // namespace hostadm::kubemock
