// YAML (and JSON, which is YAML) text -> JSON values, keeping the line of every key so that
// errors can name "file:line". No I/O: the caller reads the file.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace hostadm {

// Every limit holds for the value as aliases expand it, not only for the text: a small file
// must not become a value too deep or too large to write back out.
struct YamlLimits {
  size_t max_bytes = 16u << 20;  // whole input; also its scalar and key bytes once expanded
  size_t max_nodes = 1u << 20;   // after alias expansion: stops "billion laughs"
  size_t max_depth = 128;
};

// 1-based line of each JSON pointer ("" is the document root).
struct LineMap {
  std::unordered_map<std::string, int> at;
  // the line of `pointer`, or of its nearest parent that has one; 0 if none
  int line_of(const std::string& pointer) const;
};

struct YamlDoc {
  nlohmann::json value;
  int line = 1;  // where the document starts
  std::shared_ptr<const LineMap> lines;
};

struct YamlError : std::runtime_error {
  int line;  // 1-based; 0 when unknown
  YamlError(int l, const std::string& what) : std::runtime_error(what), line(l) {}
};

// Plain scalars follow YAML 1.2's core schema (true/false, null/~, ints, floats); quoted scalars
// stay strings. Duplicate keys are errors. Empty documents are skipped. Merge keys are applied
// as kubectl (go-yaml) does: `<<: *a` or `<<: [*a, *b]`, explicit keys win, then earlier maps.
std::vector<YamlDoc> parse_yaml_stream(std::string_view text, const YamlLimits& limits = {});
YamlDoc parse_yaml_one(std::string_view text, const YamlLimits& limits = {});

// JSON -> YAML text (block style, strings quoted when they would read back as another type).
std::string to_yaml(const nlohmann::json& value);

}  // namespace hostadm
