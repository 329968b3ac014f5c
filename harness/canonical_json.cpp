#include "harness/canonical_json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "webhook/core/json_limits.hpp"
#include "webhook/core/json_write.hpp"
#include "webhook/core/simdjson_convert.hpp"

namespace hostadm::harness {

namespace dom = simdjson::dom;
using nlohmann::json;

namespace {

const char* const kNotAList = "expected a list of hosts";

// A string as nlohmann's dump() escapes it (simdjson has checked the UTF-8).
void append_string(std::string& out, std::string_view s) {
  json_write::append_string(out, s, json_write::InvalidUtf8::Throw);
}

void append(std::string& out, dom::element e);

// Keys sorted as std::map sorts them; of duplicate keys the last wins, as in nlohmann's parser.
// `drop`: a key left out, when not null.
void append_object(std::string& out, dom::object o, const std::string_view* drop = nullptr) {
  std::vector<std::pair<std::string_view, dom::element>> fields;
  for (dom::key_value_pair f : o)
    if (!drop || f.key != *drop) fields.emplace_back(f.key, f.value);
  std::stable_sort(fields.begin(), fields.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  bool first = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i + 1 < fields.size() && fields[i + 1].first == fields[i].first) continue;
    if (!first) out += ',';
    first = false;
    append_string(out, fields[i].first);
    out += ':';
    append(out, fields[i].second);
  }
  out += '}';
}

void append(std::string& out, dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT:
      return append_object(out, dom::object(e));
    case dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      for (dom::element item : dom::array(e)) {
        if (!first) out += ',';
        first = false;
        append(out, item);
      }
      out += ']';
      return;
    }
    case dom::element_type::STRING:
      return append_string(out, std::string_view(e));
    case dom::element_type::BOOL:
      out += bool(e) ? "true" : "false";
      return;
    case dom::element_type::NULL_VALUE:
      out += "null";
      return;
    case dom::element_type::INT64:
      out += std::to_string(int64_t(e));
      return;
    case dom::element_type::UINT64:
      out += std::to_string(uint64_t(e));
      return;
    case dom::element_type::DOUBLE:
      out += json(double(e)).dump();  // nlohmann's shortest form that reads back the same
      return;
  }
}

// The same through nlohmann, for what simdjson declines.
std::vector<std::string> canonical_items_nlohmann(std::string_view body, std::string_view drop) {
  json list = parse_json_bounded(body);
  if (!list.is_array()) throw std::invalid_argument(kNotAList);
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto& item : list) {
    if (item.is_object()) item.erase(std::string(drop));
    out.push_back(item.dump());
  }
  return out;
}

}  // namespace

std::vector<std::string> canonical_items(std::string_view body, std::string_view drop) {
  dom::parser parser;
  dom::element root;
  if (parser.allocate(body.size(), kSimdjsonMaxDepth) != simdjson::SUCCESS ||
      parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS)
    return canonical_items_nlohmann(body, drop);
  if (root.type() != dom::element_type::ARRAY) throw std::invalid_argument(kNotAList);
  std::vector<std::string> out;
  for (dom::element item : dom::array(root)) {
    out.emplace_back();
    if (item.type() == dom::element_type::OBJECT)
      append_object(out.back(), dom::object(item), &drop);
    else
      append(out.back(), item);
  }
  return out;
}

}  // namespace hostadm::harness
