#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <stdexcept>

#include "harness/output.hpp"
#include "harness/results.hpp"
#include "webhook/core/text.hpp"
#include "webhook/core/yaml.hpp"

namespace hostadm::harness {

using nlohmann::json;

namespace {

constexpr const char* kReset = "\033[0m";
constexpr const char* kGreen = "\033[32m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kRed = "\033[31m";
constexpr const char* kGrey = "\033[90m";

const char* verdict_of(const DocResult& r) {
  if (r.skipped) return "SKIP";
  if (!r.allowed) return "DENY";
  return r.warnings.empty() ? "ADMIT" : "WARN";
}

const char* colour_of(const DocResult& r) {
  if (r.skipped) return kGrey;
  if (!r.allowed) return kRed;
  return r.warnings.empty() ? kGreen : kYellow;
}

std::string who(const DocResult& r) {
  if (r.ns.empty() && r.name.empty()) return "-";
  return (r.ns.empty() ? "" : r.ns + "/") + (r.name.empty() ? "(no name)" : r.name);
}

struct Counts {
  size_t total = 0, admitted = 0, denied = 0, skipped = 0, warned = 0;
};

Counts count(const std::vector<DocResult>& results) {
  Counts c;
  c.total = results.size();
  for (const auto& r : results) {
    if (r.skipped) {
      ++c.skipped;
    } else if (r.allowed) {
      ++c.admitted;
      if (!r.warnings.empty()) ++c.warned;
    } else {
      ++c.denied;
    }
  }
  return c;
}

// Without a width cap one long path would push every message off screen.
size_t column_width(const std::vector<DocResult>& results, std::string (*field)(const DocResult&)) {
  size_t w = 0;
  for (const auto& r : results) w = std::max(w, field(r).size());
  return std::min<size_t>(w, 60);
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string source_of(const DocResult& r) {
  return r.source;
}

// "+/spec/ipAddress=192.168.1.10 +/spec/secret={...}": what the webhook fills in is the point of
// an admission, so a person sees it without asking for JSON.
std::string patch_summary(const nlohmann::json& patch) {
  std::string line;
  for (const auto& op : patch) {
    if (!op.is_object()) continue;
    std::string value;
    if (auto v = op.find("value"); v != op.end()) {
      value = v->is_string() ? v->get<std::string>() : v->dump();
      if (value.size() > 48) value = value.substr(0, 45) + "...";
      value = "=" + value;
    }
    const std::string verb = op.value("op", "");
    line += (line.empty() ? "" : " ") +
            std::string(verb == "add"      ? "+"
                        : verb == "remove" ? "-"
                                           : "~") +
            op.value("path", "") + value;
  }
  return line;
}

void write_table(std::ostream& out, const std::vector<DocResult>& results, bool color) {
  size_t src_w = column_width(results, source_of);
  size_t who_w = column_width(results, who);
  for (const auto& r : results) {
    std::string verdict = verdict_of(r);
    if (color) {
      out << colour_of(r) << pad(verdict, 5) << kReset;
    } else {
      out << pad(verdict, 5);
    }
    out << "  " << pad(r.source, src_w) << "  " << pad(who(r), who_w) << "  ";
    if (r.skipped) {
      out << "skipped: " << r.skip_reason;
    } else {
      out << (r.rules.empty() ? "-" : text::join(r.rules, ","));
      std::string text = !r.message.empty()   ? r.message
                         : r.warnings.empty() ? ""
                                              : r.warnings.front();
      if (!text.empty()) out << "  " << text;
      if (r.warnings.size() > 1 || (!r.message.empty() && !r.warnings.empty())) {
        size_t more = r.warnings.size() - (r.message.empty() ? 1 : 0);
        out << " (+" << more << " warning" << (more == 1 ? "" : "s") << ")";
      }
    }
    if (r.seconds > 0) out << "  [" << static_cast<long>(r.seconds * 1e6) / 1000.0 << " ms]";
    out << "\n";
    if (!r.skipped && r.allowed && r.patch.is_array() && !r.patch.empty())
      out << std::string(7, ' ') << "patch: " << patch_summary(r.patch) << "\n";
  }
  Counts c = count(results);
  out << c.total << " document" << (c.total == 1 ? "" : "s") << ": " << c.admitted << " admitted ("
      << c.warned << " with warnings), " << c.denied << " denied, " << c.skipped << " skipped\n";
}

void write_yaml(std::ostream& out, const std::vector<DocResult>& results) {
  for (const auto& r : results) {
    if (r.skipped || !r.allowed || !r.object.is_object()) continue;
    if (r.object.value("kind", "") != "Host") continue;  // DELETE reviews, other resources
    std::string text = hostadm::to_yaml(r.object);
    out << "---\n" << text;
    if (text.empty() || text.back() != '\n') out << "\n";
  }
}

void write_junit(std::ostream& out, const std::vector<DocResult>& results,
                 const std::string& suite_name) {
  Counts c = count(results);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"" << xml_escape(suite_name) << "\" tests=\"" << c.total
      << "\" failures=\"" << c.denied << "\" skipped=\"" << c.skipped << "\">\n";
  out << "  <testsuite name=\"" << xml_escape(suite_name) << "\" tests=\"" << c.total
      << "\" failures=\"" << c.denied << "\" errors=\"0\" skipped=\"" << c.skipped << "\">\n";
  for (const auto& r : results) {
    std::string file = r.source.substr(0, r.source.rfind('#'));
    std::string name = r.source + (r.name.empty() ? "" : " " + who(r));
    out << "    <testcase classname=\"" << xml_escape(file) << "\" name=\"" << xml_escape(name)
        << "\"";
    if (r.seconds > 0) out << " time=\"" << r.seconds << "\"";
    out << ">\n";
    if (r.skipped) {
      out << "      <skipped message=\"" << xml_escape(r.skip_reason) << "\"/>\n";
    } else if (!r.allowed) {
      out << "      <failure message=\"" << xml_escape(r.message) << "\" type=\""
          << xml_escape(r.rules.empty() ? "denied" : r.rules.front()) << "\">"
          << xml_escape("code " + std::to_string(r.code) + "; rules: " + text::join(r.rules, ", ") +
                        "\n" + r.message)
          << "</failure>\n";
    }
    if (!r.warnings.empty())
      out << "      <system-out>" << xml_escape(text::join(r.warnings, "\n")) << "</system-out>\n";
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "table") return Format::Table;
  if (name == "json") return Format::Json;
  if (name == "yaml") return Format::Yaml;
  if (name == "junit") return Format::Junit;
  throw std::invalid_argument("unknown output format '" + name +
                              "'; accepted: table, json, yaml, junit");
}

json result_json(const DocResult& r) {
  if (r.skipped) {
    json j = {{"source", r.source}, {"skipped", true}, {"reason", r.skip_reason}};
    if (!r.ns.empty()) j["namespace"] = r.ns;
    if (!r.name.empty()) j["name"] = r.name;
    return j;
  }
  json j = {{"source", r.source},     {"namespace", r.ns},
            {"name", r.name},         {"operation", r.operation},
            {"allowed", r.allowed},   {"code", r.code},
            {"rules", r.rules},       {"message", r.message},
            {"warnings", r.warnings}, {"patch", r.patch.is_null() ? json::array() : r.patch},
            {"object", r.object}};
  if (r.seconds > 0) j["seconds"] = r.seconds;
  return j;
}

json results_json(const std::vector<DocResult>& results) {
  json list = json::array();
  for (const auto& r : results) list.push_back(result_json(r));
  Counts c = count(results);
  return {{"results", std::move(list)},
          {"summary",
           {{"total", c.total},
            {"admitted", c.admitted},
            {"denied", c.denied},
            {"skipped", c.skipped}}}};
}

void write_results(std::ostream& out, const std::vector<DocResult>& results, Format format,
                   bool color, const std::string& suite_name) {
  switch (format) {
    case Format::Table:
      write_table(out, results, color);
      break;
    case Format::Json: {
      // One result per line, streamed: CI output for 100k documents stays fast and greppable.
      Counts c = count(results);
      out << "{\"results\":[";
      for (size_t i = 0; i < results.size(); ++i)
        out << (i ? ",\n" : "\n") << dump_json(result_json(results[i]), -1);
      out << "\n],\"summary\":"
          << dump_json({{"total", c.total},
                        {"admitted", c.admitted},
                        {"denied", c.denied},
                        {"skipped", c.skipped}},
                       -1)
          << "}\n";
      break;
    }
    case Format::Yaml:
      write_yaml(out, results);
      break;
    case Format::Junit:
      write_junit(out, results, suite_name);
      break;
  }
  out.flush();
}

std::string dump_json(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        case '\t':
          out += "&#9;";
          break;
        case '\n':
          out += "&#10;";
          break;
        case '\r':
          out += "&#13;";
          break;
        default:
          out += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // Copy a well-formed UTF-8 sequence; anything else becomes U+FFFD.
    const size_t len = hostadm::text::utf8_sequence(text, i);
    if (len > 0) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

bool want_color() {
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0');
}

}  // namespace hostadm::harness
