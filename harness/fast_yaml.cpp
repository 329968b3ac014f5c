#include "harness/fast_yaml.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "webhook/core/yaml.hpp"
#include "webhook/core/yaml_scalar.hpp"

namespace hostadm::harness {

using nlohmann::json;

namespace {

// Thrown for anything outside the subset: the caller uses the full reader instead.
struct Unsupported {};

constexpr int kMaxDepth = 100;

struct Line {
  int indent = 0;
  std::string_view content;  // without indentation and trailing spaces
  int number = 0;            // 1-based
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

using yaml_scalar::is_null_word;

// A plain scalar's value, typed by the rules the full reader uses. Only the unambiguous cases
// are answered here; floats, hex and octal go to the full reader so that both readers can never
// disagree.
json resolve_plain(std::string_view s) {
  if (is_null_word(s)) return nullptr;
  bool b;
  if (yaml_scalar::bool_word(s, &b)) return b;
  const size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i < s.size() && s.size() - i <= 18 && std::all_of(s.begin() + i, s.end(), is_digit)) {
    json v;
    yaml_scalar::parse_int(s, &v);
    return v;
  }
  if (yaml_scalar::looks_float(s)) throw Unsupported{};
  if (s.size() > i + 1 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o')) throw Unsupported{};
  return std::string(s);
}

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string_view ltrim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

// Nothing but an optional comment may follow a scalar or flow collection.
void expect_end(std::string_view rest) {
  if (rest.empty()) return;
  if (rest[0] != ' ') throw Unsupported{};
  rest = ltrim(rest);
  if (!rest.empty() && rest[0] != '#') throw Unsupported{};
}

// A quoted scalar starting at s[pos] (a quote); pos ends after the closing quote.
std::string quoted(std::string_view s, size_t& pos) {
  char q = s[pos++];
  std::string out;
  while (true) {
    if (pos >= s.size()) throw Unsupported{};  // continues on the next line
    char c = s[pos++];
    if (q == '\'') {
      if (c != '\'') {
        out += c;
      } else if (pos < s.size() && s[pos] == '\'') {
        out += '\'';
        ++pos;
      } else {
        return out;
      }
      continue;
    }
    if (c == '"') return out;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (pos >= s.size()) throw Unsupported{};
    char e = s[pos++];
    switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      default:
        throw Unsupported{};
    }
  }
}

bool special_start(char c) {
  switch (c) {
    case '&':
    case '*':
    case '!':
    case '|':
    case '>':
    case '%':
    case '@':
    case '`':
    case '?':
    case ',':
    case '[':
    case ']':
    case '{':
    case '}':
    case '#':
    case ':':
    case '"':
    case '\'':
      return true;
    default:
      return false;
  }
}

void check_key(std::string_view key) {
  if (key.empty() || is_null_word(key) || key == "<<" || special_start(key[0]) || key[0] == '-')
    throw Unsupported{};
}

class Parser {
 public:
  explicit Parser(std::vector<Line>& lines) : lines_(lines) {}

  json document(size_t begin, size_t end) {
    i_ = begin;
    end_ = end;
    json v = block(lines_[i_].indent, 0);
    if (i_ != end_) throw Unsupported{};
    if (!v.is_object() && !v.is_array()) throw Unsupported{};
    return v;
  }

  size_t nodes() const { return nodes_; }

 private:
  std::vector<Line>& lines_;
  size_t i_ = 0, end_ = 0, nodes_ = 0;

  static bool seq_item(std::string_view c) {
    return c == "-" || (c.size() > 1 && c[0] == '-' && c[1] == ' ');
  }

  // Splits "key: rest". False when the content is not a mapping entry.
  static bool entry(std::string_view c, std::string& key, std::string_view& rest) {
    if (c.empty()) return false;
    if (c[0] == '"' || c[0] == '\'') {
      size_t pos = 0;
      std::string k = quoted(c, pos);
      if (pos < c.size() && c[pos] == ':' && (pos + 1 == c.size() || c[pos + 1] == ' ')) {
        if (k.empty() || is_null_word(k)) throw Unsupported{};
        key = std::move(k);
        rest = ltrim(c.substr(pos + 1));
        if (!rest.empty() && rest[0] == '#') rest = {};
        return true;
      }
      return false;
    }
    if (c[0] == '[' || c[0] == '{') return false;
    for (size_t p = 0; p < c.size(); ++p) {
      if (c[p] == '#' && p > 0 && c[p - 1] == ' ') return false;  // a comment before any ':'
      if (c[p] == ':' && (p + 1 == c.size() || c[p + 1] == ' ')) {
        std::string_view k = rtrim(c.substr(0, p));
        check_key(k);
        key = std::string(k);
        rest = ltrim(c.substr(p + 1));
        if (!rest.empty() && rest[0] == '#') rest = {};
        return true;
      }
    }
    return false;
  }

  json block(int indent, int depth) {
    if (depth > kMaxDepth) throw Unsupported{};
    return seq_item(lines_[i_].content) ? sequence(indent, depth) : mapping(indent, depth);
  }

  // The value after "key:" with nothing on the line: nested block, a list at the same
  // indentation (YAML allows it under a key), or null.
  json nested(int indent, int depth) {
    if (i_ < end_ && lines_[i_].indent > indent) return block(lines_[i_].indent, depth + 1);
    if (i_ < end_ && lines_[i_].indent == indent && seq_item(lines_[i_].content))
      return sequence(indent, depth + 1);
    ++nodes_;
    return nullptr;
  }

  json mapping(int indent, int depth) {
    json obj = json::object();
    ++nodes_;
    while (i_ < end_) {
      const Line& l = lines_[i_];
      if (l.indent < indent) break;
      if (l.indent > indent || seq_item(l.content)) throw Unsupported{};
      std::string key;
      std::string_view rest;
      if (!entry(l.content, key, rest)) throw Unsupported{};
      if (obj.contains(key)) throw Unsupported{};  // the full reader names the duplicate
      ++i_;
      json value;
      if (rest.empty()) {
        value = nested(indent, depth);
      } else {
        value = inline_value(rest, depth);
        if (i_ < end_ && lines_[i_].indent > indent) throw Unsupported{};  // multi-line scalar
      }
      obj.emplace(std::move(key), std::move(value));
    }
    return obj;
  }

  json sequence(int indent, int depth) {
    json arr = json::array();
    ++nodes_;
    while (i_ < end_) {
      Line& l = lines_[i_];
      if (l.indent < indent) break;
      if (l.indent > indent) throw Unsupported{};
      if (!seq_item(l.content)) break;  // the parent mapping's next key
      std::string_view rest = l.content.substr(1);
      size_t offset = 1;
      while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1), ++offset;
      if (!rest.empty() && rest[0] == '#') rest = {};
      if (rest.empty()) {
        ++i_;
        if (i_ < end_ && lines_[i_].indent > indent) {
          arr.push_back(block(lines_[i_].indent, depth + 1));
        } else {
          ++nodes_;
          arr.push_back(nullptr);
        }
        continue;
      }
      if (seq_item(rest)) throw Unsupported{};
      std::string key;
      std::string_view after;
      if (entry(rest, key, after)) {
        // "- key: value": a mapping whose column is where the key starts.
        l.indent = indent + static_cast<int>(offset);
        l.content = rest;
        arr.push_back(mapping(l.indent, depth + 1));
        continue;
      }
      ++i_;
      arr.push_back(inline_value(rest, depth));
      if (i_ < end_ && lines_[i_].indent > indent) throw Unsupported{};
    }
    return arr;
  }

  json inline_value(std::string_view s, int depth) {
    char c = s[0];
    if (c == '"' || c == '\'') {
      size_t pos = 0;
      std::string v = quoted(s, pos);
      expect_end(s.substr(pos));
      ++nodes_;
      return v;
    }
    if (c == '{' || c == '[') {
      size_t pos = 0;
      json v = flow(s, pos, depth + 1);
      expect_end(s.substr(pos));
      return v;
    }
    if (special_start(c) || seq_item(s)) throw Unsupported{};
    std::string_view text = s;
    for (size_t p = 1; p < s.size(); ++p) {
      if (s[p] == '#' && s[p - 1] == ' ') {
        text = s.substr(0, p);
        break;
      }
    }
    text = rtrim(text);
    if (text.find(": ") != std::string_view::npos || text.back() == ':') throw Unsupported{};
    ++nodes_;
    return resolve_plain(text);
  }

  static void skip_ws(std::string_view s, size_t& pos) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
  }

  static bool flow_end(char c) { return c == ',' || c == '}' || c == ']'; }

  // A plain scalar inside a flow collection: stops at , [ ] { } ": " and " #".
  static std::string_view flow_plain(std::string_view s, size_t& pos) {
    size_t start = pos;
    if (pos >= s.size()) throw Unsupported{};
    char c = s[pos];
    if (special_start(c) || (c == '-' && (pos + 1 >= s.size() || s[pos + 1] == ' ')))
      throw Unsupported{};
    while (pos < s.size()) {
      char d = s[pos];
      if (d == '[' || d == '{') throw Unsupported{};
      if (flow_end(d)) break;
      if (d == ':' && (pos + 1 == s.size() || s[pos + 1] == ' ' || flow_end(s[pos + 1]))) break;
      if (d == '#' && s[pos - 1] == ' ') throw Unsupported{};
      ++pos;
    }
    std::string_view text = rtrim(s.substr(start, pos - start));
    if (text.empty()) throw Unsupported{};
    return text;
  }

  json flow(std::string_view s, size_t& pos, int depth) {
    if (depth > kMaxDepth) throw Unsupported{};
    skip_ws(s, pos);
    if (pos >= s.size()) throw Unsupported{};  // continues on the next line
    char c = s[pos];
    ++nodes_;
    if (c == '"' || c == '\'') return quoted(s, pos);
    if (c == '{') return flow_mapping(s, ++pos, depth);
    if (c == '[') return flow_sequence(s, ++pos, depth);
    return resolve_plain(flow_plain(s, pos));
  }

  // After the '{'.
  json flow_mapping(std::string_view s, size_t& pos, int depth) {
    json obj = json::object();
    skip_ws(s, pos);
    if (pos < s.size() && s[pos] == '}') return ++pos, obj;
    while (true) {
      skip_ws(s, pos);
      if (pos >= s.size()) throw Unsupported{};
      std::string key = flow_key(s, pos);
      skip_ws(s, pos);
      if (pos >= s.size() || s[pos] != ':') throw Unsupported{};
      ++pos;
      skip_ws(s, pos);
      if (pos >= s.size() || flow_end(s[pos])) throw Unsupported{};  // null value
      json value = flow(s, pos, depth + 1);
      if (obj.contains(key)) throw Unsupported{};
      obj.emplace(std::move(key), std::move(value));
      skip_ws(s, pos);
      if (pos >= s.size()) throw Unsupported{};
      if (s[pos] == '}') return ++pos, obj;
      if (s[pos] != ',') throw Unsupported{};
      ++pos;
      skip_ws(s, pos);
      if (pos < s.size() && s[pos] == '}') throw Unsupported{};  // trailing comma
    }
  }

  std::string flow_key(std::string_view s, size_t& pos) {
    if (s[pos] == '"' || s[pos] == '\'') {
      std::string key = quoted(s, pos);
      if (key.empty() || is_null_word(key)) throw Unsupported{};
      return key;
    }
    std::string_view k = flow_plain(s, pos);
    check_key(k);
    return std::string(k);
  }

  // After the '['.
  json flow_sequence(std::string_view s, size_t& pos, int depth) {
    json arr = json::array();
    skip_ws(s, pos);
    if (pos < s.size() && s[pos] == ']') return ++pos, arr;
    while (true) {
      skip_ws(s, pos);
      if (pos >= s.size() || flow_end(s[pos])) throw Unsupported{};
      arr.push_back(flow(s, pos, depth + 1));
      skip_ws(s, pos);
      if (pos >= s.size()) throw Unsupported{};
      if (s[pos] == ']') return ++pos, arr;
      if (s[pos] != ',') throw Unsupported{};  // e.g. an implicit "k: v" pair
      ++pos;
      skip_ws(s, pos);
      if (pos < s.size() && s[pos] == ']') throw Unsupported{};
    }
  }
};

// A document marker line ("---" or "..."), possibly with a trailing comment.
bool marker(std::string_view line, std::string_view mark) {
  if (line.substr(0, 3) != mark) return false;
  std::string_view rest = line.substr(3);
  if (rest.empty()) return true;
  if (rest[0] != ' ') throw Unsupported{};  // "---foo" is a scalar; let the full reader decide
  rest = ltrim(rest);
  if (!rest.empty() && rest[0] != '#') throw Unsupported{};  // "--- {a: 1}", "--- !tag"
  return true;
}

}  // namespace

std::optional<std::vector<FastYamlDoc>> parse_fast_yaml(std::string_view text,
                                                        const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) return std::nullopt;
  try {
    std::vector<Line> lines;
    std::vector<size_t> starts = {0};  // index in `lines` where each document begins
    int number = 0;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view raw = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++number;
      // Tabs, CR, control characters; and non-ASCII, whose UTF-8 checks the full reader owns.
      for (char c : raw) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) throw Unsupported{};
      }
      size_t indent = 0;
      while (indent < raw.size() && raw[indent] == ' ') ++indent;
      std::string_view content = rtrim(raw.substr(indent));
      if (content.empty() || content[0] == '#') continue;
      if (indent == 0 && content[0] == '%') throw Unsupported{};  // directives
      if (indent == 0 && (marker(content, "---") || marker(content, "..."))) {
        starts.push_back(lines.size());
        continue;
      }
      if (content.substr(0, 3) == "---" || content.substr(0, 3) == "...") throw Unsupported{};
      lines.push_back({static_cast<int>(indent), content, number});
    }
    starts.push_back(lines.size());

    std::vector<FastYamlDoc> docs;
    Parser parser(lines);
    for (size_t d = 0; d + 1 < starts.size(); ++d) {
      if (starts[d] == starts[d + 1]) continue;  // empty document
      FastYamlDoc doc;
      doc.line = lines[starts[d]].number;
      doc.value = parser.document(starts[d], starts[d + 1]);
      if (parser.nodes() > limits.max_nodes) return std::nullopt;
      docs.push_back(std::move(doc));
    }
    return docs;
  } catch (const Unsupported&) {
    return std::nullopt;
  }
}

}  // namespace hostadm::harness
