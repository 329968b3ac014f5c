// JSON values -> YAML text that every YAML reader (1.1 or 1.2, kubectl's or ours) reads back as
// the same values.
#include "webhook/core/yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>

#include "webhook/core/yaml_scalar.hpp"

namespace hostadm {

using nlohmann::json;
using yaml_scalar::looks_float;
using yaml_scalar::parse_int;
using yaml_scalar::resolve_plain;

namespace {

// Words YAML 1.1 readers (kubectl, go-yaml v2) take as booleans: quoting them keeps a string a
// string for every reader of our output, not only for YAML 1.2 ones.
bool yaml11_bool_word(const std::string& s) {
  static const char* words[] = {"y",  "Y",  "yes", "Yes", "YES", "n",   "N",   "no",
                                "No", "NO", "on",  "On",  "ON",  "off", "Off", "OFF"};
  for (const char* w : words)
    if (s == w) return true;
  return false;
}

// Number-like text in any YAML version: underscores, 0b, sexagesimal (1:30), leading '.'.
bool numberish(const std::string& s) {
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == n) return false;
  std::string rest = s.substr(i);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF" || rest == ".nan" || rest == ".NaN" ||
      rest == ".NAN")
    return true;
  if (!std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') return false;
  size_t dots = 0;
  for (; i < n; ++i) {
    char c = s[i];
    if (c == '.') ++dots;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' ||
          c == '+' || c == '-'))
      return false;
  }
  // Dotted addresses and versions (192.168.1.10, 8.0.2) read back as strings everywhere.
  if (dots > 1) return false;
  json v;
  std::string stripped;
  for (char c : s)
    if (c != '_') stripped += c;
  if (parse_int(stripped, &v) || looks_float(stripped)) return true;
  // Hex, binary, octal and sexagesimal forms of YAML 1.1: digits with separators only.
  for (char c : stripped.substr(stripped[0] == '+' || stripped[0] == '-'))
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == 'x' || c == 'X' || c == 'o' ||
          c == 'O' || c == 'b' || c == 'B' || c == ':' || c == '.'))
      return false;
  return true;
}

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  if (!resolve_plain(s).is_string()) return true;
  if (s == "<<") return true;  // a plain `<<` key is a merge key
  if (yaml11_bool_word(s) || numberish(s)) return true;
  // Document markers: harmless inside a map, but a bare top-level value would end the document.
  if (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) return true;
  if (std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back())))
    return true;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;  // the emitter quotes what YAML syntax requires (": ", "- ", "#", ...)
}

// YAML caps an implicit key at 1024 characters: past that yaml-cpp cannot read its own output.
// This bounds the emitter's escaped form from above (\xNN for a control byte, at most two
// characters per byte of a multi-byte character, quotes).
bool needs_long_key(const std::string& s) {
  size_t len = 2;
  for (unsigned char c : s)
    len += c < 0x20 || c == 0x7f ? 6 : c >= 0x80 || c == '"' || c == '\\' ? 2 : 1;
  return len > 1000;
}

void emit_string(YAML::Emitter& out, const std::string& s) {
  if (needs_quotes(s))
    out << YAML::DoubleQuoted << s;
  else
    out << s;
}

void emit(YAML::Emitter& out, const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, value] : v.items()) {
        if (needs_long_key(key)) out << YAML::LongKey;
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit(out, value);
      }
      out << YAML::EndMap;
      return;
    case json::value_t::array:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : v) emit(out, item);
      out << YAML::EndSeq;
      return;
    case json::value_t::string:
      emit_string(out, v.get_ref<const std::string&>());
      return;
    case json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      // nlohmann prints the shortest text that reads back as the same number.
      out << v.dump();
      return;
    default:
      out << YAML::Null;
      return;
  }
}

}  // namespace

std::string to_yaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetNullFormat(YAML::LowerNull);
  emit(out, value);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

}  // namespace hostadm
