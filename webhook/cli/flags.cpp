#include "webhook/cli/flags.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "webhook/core/policy.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::cli {

namespace {

constexpr size_t kWidth = 100;   // usage text wraps here
constexpr size_t kMaxLeft = 34;  // a longer flag column puts its help on the next line
constexpr const char* kHelpName = "help";

std::string value_name(const Flag& f) {
  if (f.kind == FlagKind::Bool) return "";
  if (!f.value_name.empty()) return f.value_name;
  switch (f.kind) {
    case FlagKind::Enum:
      return text::join(f.choices, "|");
    case FlagKind::Int:
      return "N";
    case FlagKind::Size:
      return "BYTES";
    case FlagKind::Duration:
      return "DURATION";
    default:
      return "VALUE";
  }
}

std::string example(const Flag& f) {
  if (!f.example.empty()) return f.example;
  switch (f.kind) {
    case FlagKind::Enum:
      return f.choices.empty() ? "" : f.choices.front();
    case FlagKind::Int:
      return std::to_string(std::max(f.min, 1LL));
    case FlagKind::Size:
      return "7Mi (bytes, or Ki/Mi/Gi)";
    case FlagKind::Duration:
      return "10s (units ms, s, m, h)";
    default:
      return value_name(f);
  }
}

std::string unknown_flag(const Command& c, const std::string& typed, const std::string& name) {
  std::string msg = "unknown flag '" + typed + "'";
  const Flag* best = nullptr;
  size_t best_d = 3;  // at most two letters off
  if (name.size() >= 3) {
    for (const auto& f : c.flags) {
      const size_t d = f.name.rfind(name, 0) == 0 ? 0 : text::edit_distance(name, f.name);
      if (d < best_d) {
        best = &f;
        best_d = d;
      }
    }
  }
  if (best) msg += " (did you mean --" + best->name + "?)";
  return msg + "; see " + c.program + " --help for the flags";
}

const Flag* find_short(const Command& c, char letter) {
  for (const auto& f : c.flags)
    if (f.short_name == letter) return &f;
  return nullptr;
}

bool is_help(const std::string& a, std::string& format) {
  if (a == "-h" || a == "--help") return true;
  if (a.rfind("--help=", 0) == 0) {
    format = a.substr(7);
    return true;
  }
  return false;
}

const std::string* last(const Parsed& p, const std::string& name) {
  for (auto it = p.given.rbegin(); it != p.given.rend(); ++it)
    if (it->first == name) return &it->second;
  return nullptr;
}

// Words of `text` wrapped to `width` columns, each line after the first indented by `indent`.
std::string wrap(const std::string& text, size_t first_col, size_t indent) {
  std::istringstream words(text);
  std::string out, word;
  size_t col = first_col;
  bool first = true;
  while (words >> word) {
    if (!first && col + 1 + word.size() > kWidth) {
      out += "\n" + std::string(indent, ' ');
      col = indent;
    } else if (!first) {
      out += ' ';
      ++col;
    }
    out += word;
    col += word.size();
    first = false;
  }
  return out;
}

std::string flag_help(const Flag& f) {
  std::string help = f.help;
  if (!f.default_text.empty()) help += " (default: " + f.default_text + ")";
  if (f.kind == FlagKind::Repeatable) help += "; may be repeated";
  for (const auto& old : f.deprecated_names) help += "; --" + old + ": deprecated spelling";
  return help;
}

Flag help_flag() {
  Flag h;
  h.name = kHelpName;
  h.short_name = 'h';
  h.kind = FlagKind::Bool;
  h.help = "print this text and exit; --help=markdown prints the flags as a Markdown table";
  return h;
}

std::string left_column(const Flag& f) {
  std::string left = f.short_name ? std::string("-") + f.short_name + ", " : "    ";
  left += "--" + f.name;
  const std::string v = value_name(f);
  if (!v.empty()) left += " " + v;
  return left;
}

std::string synopsis_lines(const Command& c, const char* first_prefix, const char* next_prefix) {
  std::string out;
  for (const auto& line : synopsis(c))
    out += std::string(out.empty() ? first_prefix : next_prefix) + line + "\n";
  return out;
}

// A value as code; a description of one ("the pod's service-account token") as text.
std::string default_cell(const std::string& text) {
  if (text.empty()) return "";
  return text.find(' ') == std::string::npos ? "`" + markdown_cell(text) + "`"
                                             : markdown_cell(text);
}

}  // namespace

Flag make_flag(std::string name, FlagKind kind, std::string value_name, std::string help,
               std::string default_text) {
  Flag f;
  f.name = std::move(name);
  f.kind = kind;
  f.value_name = std::move(value_name);
  f.help = std::move(help);
  f.default_text = std::move(default_text);
  return f;
}

std::vector<std::string> synopsis(const Command& c) {
  std::vector<std::string> forms = c.synopsis;
  if (forms.empty()) forms.push_back("[flags]" + (c.operands.empty() ? "" : " " + c.operands));
  for (auto& f : forms) f = c.program + " " + f;
  return forms;
}

bool Parsed::has(const std::string& name) const {
  return last(*this, name) != nullptr;
}

std::string Parsed::get(const std::string& name, const std::string& fallback) const {
  const std::string* v = last(*this, name);
  return v ? *v : fallback;
}

std::vector<std::string> Parsed::all(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : given)
    if (n == name) out.push_back(v);
  return out;
}

bool Parsed::flag(const std::string& name) const {
  return get(name, "false") == "true";
}

long long Parsed::integer(const std::string& name, long long fallback) const {
  const std::string* v = last(*this, name);
  return v ? parse_count(*v) : fallback;
}

std::chrono::milliseconds Parsed::duration(const std::string& name,
                                           std::chrono::milliseconds fallback) const {
  const std::string* v = last(*this, name);
  return v ? parse_duration_with_unit(*v) : fallback;
}

size_t Parsed::size(const std::string& name, size_t fallback) const {
  const std::string* v = last(*this, name);
  return v ? parse_size(*v) : fallback;
}

const Flag* find_flag(const Command& command, const std::string& name) {
  for (const auto& f : command.flags)
    if (f.name == name) return &f;
  for (const auto& f : command.flags)
    if (std::find(f.deprecated_names.begin(), f.deprecated_names.end(), name) !=
        f.deprecated_names.end())
      return &f;
  return nullptr;
}

namespace {

void warn_if_deprecated(const Flag& f, const std::string& name, Parsed& out) {
  if (name == f.name) return;
  const std::string warning = "--" + name + " is deprecated: use --" + f.name;
  if (std::find(out.warnings.begin(), out.warnings.end(), warning) == out.warnings.end())
    out.warnings.push_back(warning);
}

}  // namespace

std::string fix_hint(const Flag& f) {
  if (f.kind == FlagKind::Bool) return "e.g. --" + f.name + " (or --" + f.name + "=false)";
  return "e.g. --" + f.name + " " + example(f);
}

bool is_bare_seconds(const Flag& f, const std::string& value) {
  return f.bare_seconds && !value.empty() && value.size() <= 9 &&
         value.find_first_not_of("0123456789") == std::string::npos;
}

// The one spelling the accessors read: a bare-seconds duration with its unit.
std::string normalized(const Flag& f, const std::string& value) {
  if (f.kind == FlagKind::Duration && is_bare_seconds(f, value)) return value + "s";
  return value;
}

void check_value(const Flag& f, const std::string& value, const std::string& where) {
  auto bad = [&](const std::string& what) {
    return UsageError(where + ": " + what + "; " + fix_hint(f));
  };
  try {
    switch (f.kind) {
      case FlagKind::Bool:
        if (value != "true" && value != "false")
          throw UsageError(where + " takes no value (or =true, =false), got '" + value + "'");
        return;
      case FlagKind::Enum:
        if (std::find(f.choices.begin(), f.choices.end(), value) == f.choices.end())
          throw bad("'" + value + "' is not one of " + text::join(f.choices, ", "));
        return;
      case FlagKind::Int: {
        const long long n = parse_count(value);
        if (n < f.min || n > f.max)
          throw bad("'" + value + "' is not within " + std::to_string(f.min) + ".." +
                    (f.max == LLONG_MAX ? std::string() : std::to_string(f.max)));
        return;
      }
      case FlagKind::Size:
        parse_size(value);
        return;
      case FlagKind::Duration:
        if (!is_bare_seconds(f, value)) parse_duration_with_unit(value);
        return;
      default:
        return;
    }
  } catch (const std::invalid_argument& e) {
    throw bad(e.what());
  }
}

Parsed parse(const Command& c, const std::vector<std::string>& args) {
  Parsed out;
  for (const auto& a : args) {
    if (a == "--") break;
    if (is_help(a, out.help_format)) {
      out.help = true;
      return out;
    }
  }
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (flags_done || a == "-" || a.empty() || a[0] != '-') {
      if (c.operands.empty())
        throw UsageError("unexpected argument '" + a + "': " + c.program +
                         " takes flags only; see " + c.program + " --help");
      out.operands.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    const Flag* f = nullptr;
    std::string typed, value;
    bool inline_value = false;
    if (a[1] == '-') {
      std::string name = a.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        inline_value = true;
      }
      typed = "--" + name;
      f = find_flag(c, name);
      if (!f) throw UsageError(unknown_flag(c, typed, name));
      warn_if_deprecated(*f, name, out);
    } else {
      typed = a.substr(0, 2);
      f = find_short(c, a[1]);
      if (!f) throw UsageError(unknown_flag(c, typed, std::string(1, a[1])));
      if (a.size() > 2) {
        value = a.substr(a[2] == '=' ? 3 : 2);
        inline_value = true;
      }
    }
    if (f->kind == FlagKind::Bool) {
      if (!inline_value) value = "true";
    } else if (!inline_value) {
      if (i + 1 >= args.size()) throw UsageError(typed + " needs a value; " + fix_hint(*f));
      value = args[++i];
    }
    check_value(*f, value, typed);
    out.given.emplace_back(f->name, normalized(*f, value));
  }
  return out;
}

std::string usage(const Command& c) {
  std::ostringstream out;
  out << synopsis_lines(c, "usage: ", "       ");
  if (!c.summary.empty()) out << "\n" << wrap(c.summary, 0, 0) << "\n";
  if (!c.notes.empty()) {
    out << "\n";
    for (const auto& n : c.notes) out << "  " << wrap(n, 2, 4) << "\n";
  }
  std::vector<Flag> rows = c.flags;
  rows.push_back(help_flag());
  size_t width = 0;
  for (const auto& f : rows) {
    const size_t n = left_column(f).size();
    if (n <= kMaxLeft) width = std::max(width, n);
  }
  out << "\nflags:\n";
  for (const auto& f : rows) {
    const std::string left = left_column(f);
    const size_t col = 2 + width + 2;
    out << "  " << left;
    if (left.size() > width)
      out << "\n" << std::string(col, ' ');
    else
      out << std::string(width - left.size() + 2, ' ');
    out << wrap(flag_help(f), col, col) << "\n";
  }
  if (!c.footer.empty()) out << "\n" << wrap(c.footer, 0, 0) << "\n";
  return out.str();
}

std::string markdown(const Command& c) {
  std::ostringstream out;
  out << "## `" << c.program << "`\n\n```\n" << synopsis_lines(c, "", "") << "```\n\n";
  if (!c.summary.empty()) out << c.summary << "\n\n";
  for (const auto& n : c.notes) out << "- " << n << "\n";
  if (!c.notes.empty()) out << "\n";
  out << "| Flag | Value | Default | Description |\n|---|---|---|---|\n";
  std::vector<Flag> rows = c.flags;
  rows.push_back(help_flag());
  for (const auto& f : rows) {
    std::string name = "`--" + f.name + "`";
    if (f.short_name) name = std::string("`-") + f.short_name + "`, " + name;
    const std::string v = value_name(f);
    std::string help = f.help;
    if (f.kind == FlagKind::Repeatable) help += "; may be repeated";
    for (const auto& old : f.deprecated_names) help += "; `--" + old + "`: deprecated spelling";
    out << "| " << name << " | " << (v.empty() ? "" : "`" + markdown_cell(v) + "`") << " | "
        << default_cell(f.default_text) << " | " << markdown_cell(help) << " |\n";
  }
  if (!c.footer.empty()) out << "\n" << c.footer << "\n";
  return out.str();
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|')
      out += "\\|";
    else if (ch == '\n')
      out += ' ';
    else
      out += ch;
  }
  return out;
}

std::chrono::milliseconds parse_duration_with_unit(const std::string& text_in) {
  const std::string trimmed(text::trim(text_in));
  if (trimmed.empty()) throw std::invalid_argument("empty duration");
  // The policy file reads a bare number as seconds; on a command line or in ?timeout= it is
  // more likely a mistake (10 meaning 10 ms?), so it is refused here.
  if (trimmed.find_first_not_of("0123456789.") == std::string::npos)
    throw std::invalid_argument("'" + trimmed + "' has no unit (ms, s, m or h)");
  return hostadm::parse_duration(trimmed);
}

long long parse_count(const std::string& v) {
  if (v.empty() || v.size() > 18) throw std::invalid_argument("'" + v + "' is not an integer");
  long long n = 0;
  for (char ch : v) {
    if (!std::isdigit(static_cast<unsigned char>(ch)))
      throw std::invalid_argument("'" + v + "' is not a non-negative integer");
    n = n * 10 + (ch - '0');
  }
  return n;
}

size_t parse_size(const std::string& v) {
  static const std::pair<const char*, size_t> kSuffixes[] = {
      {"Ki", 1u << 10}, {"Mi", 1u << 20}, {"Gi", 1u << 30}};
  for (const auto& [suffix, mult] : kSuffixes) {
    const size_t n = std::char_traits<char>::length(suffix);
    if (v.size() > n && v.compare(v.size() - n, n, suffix) == 0)
      return static_cast<size_t>(parse_count(v.substr(0, v.size() - n))) * mult;
  }
  return static_cast<size_t>(parse_count(v));
}

// In the largest unit that holds it exactly.
std::string duration_text(std::chrono::milliseconds d) {
  static const std::pair<const char*, long long> kUnits[] = {
      {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}};
  const long long ms = d.count();
  for (const auto& [unit, per] : kUnits)
    if (ms != 0 && ms % per == 0) return std::to_string(ms / per) + unit;
  return ms == 0 ? "0s" : std::to_string(ms) + "ms";
}

std::string size_text(size_t bytes) {
  static const std::pair<const char*, size_t> kSuffixes[] = {
      {"Gi", 1u << 30}, {"Mi", 1u << 20}, {"Ki", 1u << 10}};
  for (const auto& [suffix, mult] : kSuffixes)
    if (bytes != 0 && bytes % mult == 0) return std::to_string(bytes / mult) + suffix;
  return std::to_string(bytes);
}

}  // namespace hostadm::cli
