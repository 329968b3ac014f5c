// Command-line flags for serve-inventory, send, snapshot and rules: `--flag value`, `--flag=value`
// or `-oVALUE` for a one-letter flag, booleans without a value, `--` ends the flags, `-` is a path
// (stdin). Unknown flags are usage errors naming the accepted ones.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace hostadm::harness {

struct FlagError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ParsedFlags {
  std::map<std::string, std::string> values;  // last occurrence wins
  std::set<std::string> set;                  // booleans given
  std::vector<std::string> positional;

  bool has(const std::string& flag) const { return values.count(flag) || set.count(flag); }
  std::string get(const std::string& flag, const std::string& fallback = "") const {
    auto it = values.find(flag);
    return it == values.end() ? fallback : it->second;
  }
};

inline ParsedFlags parse_flags(const std::vector<std::string>& args,
                               const std::set<std::string>& with_value,
                               const std::set<std::string>& booleans) {
  ParsedFlags out;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (flags_done || a == "-" || a.empty() || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    std::string flag = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    } else if (a.size() > 2 && a[1] != '-' && with_value.count(a.substr(0, 2))) {
      // `-ojson`, as kubectl spells it
      flag = a.substr(0, 2);
      value = a.substr(2);
      inline_value = true;
    }
    if (with_value.count(flag)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) throw FlagError(flag + " needs a value");
        value = args[++i];
      }
      out.values[flag] = value;
    } else if (booleans.count(flag)) {
      if (inline_value) throw FlagError(flag + " takes no value");
      out.set.insert(flag);
    } else {
      std::string accepted;
      for (const auto& f : with_value) accepted += (accepted.empty() ? "" : ", ") + f;
      for (const auto& f : booleans) accepted += (accepted.empty() ? "" : ", ") + f;
      throw FlagError("unknown flag '" + flag + "'; accepted: " + accepted);
    }
  }
  return out;
}

}  // namespace hostadm::harness
