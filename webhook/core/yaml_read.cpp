// YAML text -> JSON values with a line for every key (yaml-cpp's event parser, with limits on
// size, depth and alias expansion).
#include "webhook/core/yaml.hpp"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "webhook/core/text.hpp"
#include "webhook/core/yaml_scalar.hpp"

namespace hostadm {

using nlohmann::json;

using yaml_scalar::bool_word;
using yaml_scalar::is_null_word;
using yaml_scalar::parse_float;
using yaml_scalar::parse_int;
using yaml_scalar::resolve_plain;

int LineMap::line_of(const std::string& pointer) const {
  std::string p = pointer;
  for (;;) {
    auto it = at.find(p);
    if (it != at.end()) return it->second;
    if (p.empty()) return 0;
    auto slash = p.rfind('/');
    p = slash == std::string::npos ? std::string() : p.substr(0, slash);
  }
}

namespace {

const char* kTagPrefix = "tag:yaml.org,2002:";

// The value of a scalar, honouring quoting ("!" tag) and explicit core tags.
json scalar_value(const std::string& tag, const std::string& text, int line) {
  if (tag == "!" || tag == std::string(kTagPrefix) + "str" ||
      tag == std::string(kTagPrefix) + "binary")
    return text;
  if (tag.rfind(kTagPrefix, 0) == 0) {
    std::string kind = tag.substr(std::string(kTagPrefix).size());
    json v;
    bool b;
    if (kind == "null" && is_null_word(text)) return nullptr;
    if (kind == "bool" && bool_word(text, &b)) return b;
    if (kind == "int" && parse_int(text, &v)) return v;
    if (kind == "float" && (parse_int(text, &v) || parse_float(text, &v)))
      return v.is_number_float() ? v : json(v.get<double>());
    if (kind == "null" || kind == "bool" || kind == "int" || kind == "float")
      throw YamlError(
          line, "'" + text + "' is not a valid !!" + kind + "; remove the tag or fix the value");
  }
  return resolve_plain(text);
}

// JSON (and so every AdmissionReview and `-o json` line) must be UTF-8: a stray byte would
// otherwise surface far away, as a dump() exception or a silently altered string.
bool valid_utf8(const std::string& s) {
  for (size_t i = 0, len = 0; i < s.size(); i += len) {
    uint32_t cp = 0;
    len = static_cast<unsigned char>(s[i]) < 0x80 ? 1 : text::utf8_sequence(s, i, &cp);
    if (len == 0) return false;
    // Noncharacters are outside YAML's printable set; yaml-cpp's emitter would rewrite them.
    if ((cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF)) return false;
  }
  return true;
}

void check_utf8(const std::string& s, int line) {
  if (!valid_utf8(s))
    throw YamlError(
        line, "text is not valid UTF-8 (or holds a Unicode noncharacter); save the file as UTF-8");
}

// Builds JSON straight from the parser's events: faster than going through YAML::Node, and it
// lets an alias be priced by the size of what it expands to before anything is copied.
class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(const YamlLimits& limits) : limits_(limits) {}

  std::vector<YamlDoc> docs;

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 can report an endless run of empty documents without consuming a token (a
    // stray ',' at the top level; fixed upstream in 0.8.x): no progress is a syntax error here.
    if (mark.pos == last_start_)
      throw YamlError(line(mark), "invalid YAML: unexpected character (column " +
                                      std::to_string(mark.column + 1) +
                                      "); check for a stray ',' or bracket");
    last_start_ = mark.pos;
    anchors_.clear();
    stack_.clear();
    root_ = json();
    have_root_ = false;
    doc_line_ = 0;
    lines_ = std::make_shared<LineMap>();
    nodes_ = 0;
    bytes_ = 0;
  }

  void OnDocumentEnd() override {
    if (!have_root_ || root_.is_null()) return;  // empty documents carry nothing to admit
    YamlDoc doc;
    doc.value = std::move(root_);
    doc.line = doc_line_ > 0 ? doc_line_ : 1;
    lines_->at.emplace("", doc.line);
    doc.lines = std::move(lines_);
    docs.push_back(std::move(doc));
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (taking_key()) return set_key("null", mark);
    count(1, 0, mark);
    complete(json(), mark, anchor, nodes_, bytes_, 0);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw YamlError(line(mark), "unknown alias; define the anchor first");
    if (taking_key()) {
      const json& k = it->second.value;
      if (k.is_object() || k.is_array())
        throw YamlError(line(mark), "a map key must be a plain value, not a list or map");
      return set_key(k.is_string() ? k.get<std::string>() : k.dump(), mark);
    }
    const Anchored& a = it->second;
    // max_depth is about the value, not the text: an alias nests a whole subtree where it is used.
    if (stack_.size() + a.height > limits_.max_depth)
      throw YamlError(line(mark), "nesting deeper than " + std::to_string(limits_.max_depth) +
                                      " levels once aliases are expanded; flatten the document "
                                      "or remove alias chains");
    count(a.nodes, a.bytes, mark);
    complete(a.value, mark, 0, nodes_, bytes_, a.height);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    check_utf8(value, line(mark));
    if (taking_key()) {
      if (anchor) anchors_[anchor] = {json(value), 1, value.size(), 0};
      // Only a plain `<<` is a merge key; a quoted "<<" is an ordinary key, as in go-yaml.
      if (tag == "?" && value == "<<") return set_merge_key(mark);
      return set_key(value, mark);
    }
    count(1, value.size(), mark);
    size_t start = nodes_, start_bytes = bytes_ - value.size();
    complete(scalar_value(tag, value, line(mark)), mark, anchor, start, start_bytes, 0);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, json::array());
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json value;
    std::string pointer;
    int line = 0;
    YAML::anchor_t anchor = 0;
    size_t nodes_before = 0;  // node count when this collection started
    size_t bytes_before = 0;
    size_t child_height = 0;  // collections nested below this one, aliases expanded
    bool have_key = false;    // maps: a key was read, its value comes next
    std::string key;
    int key_line = 0;
    // Merge keys (`<<: *a`, `<<: [*a, *b]`): maps applied at the end so explicit keys win,
    // and earlier maps of a list win over later ones.
    bool merging = false;  // maps: the pending value is a merge source
    bool merged = false;   // maps: this map already has its `<<`
    int merge_line = 0;
    std::vector<json> merges;
    bool merge_list = false;  // sequences: this is the list of merge sources
  };
  struct Anchored {
    json value;
    size_t nodes = 0;   // nodes it expands to
    size_t bytes = 0;   // scalar and key bytes it expands to
    size_t height = 0;  // nesting levels of collections (0 for a scalar)
  };

  static int line(const YAML::Mark& mark) { return mark.line >= 0 ? mark.line + 1 : 0; }

  bool taking_key() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().have_key;
  }

  void set_key(std::string key, const YAML::Mark& mark) {
    Frame& f = stack_.back();
    int key_line = line(mark);
    if (f.value.contains(key))
      throw YamlError(key_line, "duplicate key '" + key + "'; keep only one of them");
    count(1, key.size(), mark);
    f.key = std::move(key);
    f.key_line = key_line;
    f.have_key = true;
  }

  void set_merge_key(const YAML::Mark& mark) {
    Frame& f = stack_.back();
    if (f.merged)
      throw YamlError(line(mark), "duplicate merge key '<<'; list the maps as <<: [*a, *b]");
    count(1, 2, mark);
    f.merged = f.merging = f.have_key = true;
    f.merge_line = line(mark);
    f.key = "<<";  // names the slot in line-map pointers while its value is read
  }

  bool merge_slot() const { return !stack_.empty() && stack_.back().merging; }

  void count(size_t n, size_t bytes, const YAML::Mark& mark) {
    if (doc_line_ == 0) doc_line_ = line(mark);
    nodes_ += n;
    bytes_ += bytes;
    if (nodes_ > limits_.max_nodes)
      throw YamlError(line(mark), "too many nodes (YAML anchors/aliases expand to more than " +
                                      std::to_string(limits_.max_nodes) +
                                      "); simplify the document or remove alias chains");
    // Aliases can make a small file a huge value, and its YAML/JSON text huger still.
    if (bytes_ > limits_.max_bytes)
      throw YamlError(line(mark), "YAML anchors/aliases expand to more than " +
                                      std::to_string(limits_.max_bytes) +
                                      " bytes of text; simplify the document or remove alias "
                                      "chains");
  }

  // Pointer and line of the value about to be added to the innermost collection.
  std::pair<std::string, int> child_slot(const YAML::Mark& mark) const {
    const Frame& f = stack_.back();
    if (f.value.is_object()) return {f.pointer + "/" + text::json_pointer_token(f.key), f.key_line};
    return {f.pointer + "/" + std::to_string(f.value.size()), line(mark)};
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, json empty) {
    if (taking_key())
      throw YamlError(line(mark), "a map key must be a plain value, not a list or map; quote it");
    count(1, 0, mark);
    if (stack_.size() >= limits_.max_depth)
      throw YamlError(line(mark), "nesting deeper than " + std::to_string(limits_.max_depth) +
                                      " levels; flatten the document");
    Frame f;
    f.value = std::move(empty);
    if (stack_.empty()) {
      f.line = line(mark);
    } else {
      auto [pointer, l] = child_slot(mark);
      f.pointer = std::move(pointer);
      f.line = l;
      lines_->at.emplace(f.pointer, l);
    }
    f.anchor = anchor;
    f.nodes_before = nodes_ - 1;
    f.bytes_before = bytes_;
    f.merge_list = merge_slot() && f.value.is_array();
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    for (json& source : f.merges) {
      for (auto& [key, value] : source.items()) {
        if (f.value.contains(key)) continue;
        lines_->at.emplace(f.pointer + "/" + text::json_pointer_token(key), f.merge_line);
        f.value.emplace(key, std::move(value));
      }
    }
    f.merges.clear();
    size_t height = f.child_height + 1;
    if (f.anchor)
      anchors_[f.anchor] = {f.value, nodes_ - f.nodes_before, bytes_ - f.bytes_before, height};
    attach(std::move(f.value), nullptr, f.merge_list ? f.child_height : height);
  }

  void complete(json value, const YAML::Mark& mark, YAML::anchor_t anchor, size_t start,
                size_t start_bytes, size_t height) {
    if (anchor) anchors_[anchor] = {value, nodes_ - start + 1, bytes_ - start_bytes, height};
    attach(std::move(value), &mark, height);
  }

  static void require_map(const json& v, int line) {
    if (!v.is_object())
      throw YamlError(line,
                      "a merge key '<<' takes a map or a list of maps, e.g. <<: *defaults "
                      "or <<: [*a, *b]; got " +
                          std::string(v.type_name()));
  }

  // Adds a finished value to its parent (or makes it the root); `mark` is null for collections,
  // whose line was recorded when they opened.
  void attach(json value, const YAML::Mark* mark, size_t height) {
    if (stack_.empty()) {
      root_ = std::move(value);
      have_root_ = true;
      return;
    }
    Frame& f = stack_.back();
    if (f.merge_list) {
      require_map(value, mark ? line(*mark) : f.line);
      f.value.push_back(std::move(value));
      f.child_height = std::max(f.child_height, height);
      return;
    }
    if (f.merging) {
      // The sources' own keys land in this map, one level up from where they were written.
      if (value.is_array()) {
        for (json& source : value) {
          require_map(source, mark ? line(*mark) : f.merge_line);
          f.merges.push_back(std::move(source));
        }
      } else {
        require_map(value, mark ? line(*mark) : f.merge_line);
        f.merges.push_back(std::move(value));
      }
      if (height > 0) f.child_height = std::max(f.child_height, height - 1);
      f.merging = f.have_key = false;
      return;
    }
    f.child_height = std::max(f.child_height, height);
    if (mark) {
      auto [pointer, l] = child_slot(*mark);
      lines_->at.emplace(std::move(pointer), l);
    }
    if (f.value.is_object()) {
      f.value.emplace(std::move(f.key), std::move(value));
      f.have_key = false;
    } else {
      f.value.push_back(std::move(value));
    }
  }

  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::shared_ptr<LineMap> lines_;
  json root_;
  bool have_root_ = false;
  int doc_line_ = 0;  // the line of the document's first node
  int last_start_ = -1;
  size_t nodes_ = 0;  // per document: anchors never cross documents
  size_t bytes_ = 0;  // scalar and key bytes, aliases expanded
};

}  // namespace

std::vector<YamlDoc> parse_yaml_stream(std::string_view text, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes)
    throw YamlError(0, "input is " + std::to_string(text.size()) + " bytes, over the limit of " +
                           std::to_string(limits.max_bytes) + "; split it into smaller files");
  std::istringstream in{std::string(text)};
  JsonBuilder builder(limits);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YamlError&) {
    throw;
  } catch (const YAML::DeepRecursion& e) {
    throw YamlError(e.mark.line >= 0 ? e.mark.line + 1 : 0, "nesting deeper than " +
                                                                std::to_string(limits.max_depth) +
                                                                " levels; flatten the document");
  } catch (const YAML::Exception& e) {
    throw YamlError(e.mark.line >= 0 ? e.mark.line + 1 : 0,
                    "invalid YAML: " + e.msg + " (column " + std::to_string(e.mark.column + 1) +
                        "); check indentation, quotes and brackets");
  } catch (const std::exception& e) {
    throw YamlError(0, std::string("invalid YAML: ") + e.what());
  }
  return std::move(builder.docs);
}

YamlDoc parse_yaml_one(std::string_view text, const YamlLimits& limits) {
  auto docs = parse_yaml_stream(text, limits);
  if (docs.empty()) throw YamlError(0, "no YAML document found; the input is empty");
  if (docs.size() > 1)
    throw YamlError(docs[1].line, "expected one YAML document, found " +
                                      std::to_string(docs.size()) + "; remove the extra `---`");
  return std::move(docs.front());
}

}  // namespace hostadm
