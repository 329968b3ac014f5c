// Reading the user's files (fixtures, policies, manifests): the one place where a parse error
// becomes "FILE:LINE: what; fix", so every command reports bad input the same way.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "webhook/core/fixture.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/core/yaml.hpp"

namespace hostadm {

// what() is "FILE:LINE: message" ("FILE: message" when the line is unknown).
struct InputError : std::runtime_error {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string message;
  InputError(std::string file, int line, std::string message);
};

// A document's error at file:line, its JSON pointer added to the message when it does not name it.
InputError document_error_at(const std::string& file, int line, const DocumentError& e);

// Largest file read_input accepts: far beyond any real manifest, small enough to never exhaust
// memory on a mistaken path (a disk image, /dev/zero).
constexpr size_t kMaxInputBytes = 64u << 20;

// Whole file contents; "-" reads stdin. Refuses directories and files over kMaxInputBytes.
std::string read_input(const std::string& path);

// Every non-empty YAML (or JSON) document of the file, with line numbers.
std::vector<YamlDoc> load_yaml_file(const std::string& path);
// Same, from text already read (e.g. stdin read once); `name` is used in error messages.
std::vector<YamlDoc> load_yaml_text(const std::string& text, const std::string& name);

// One fixture per file; errors name the file, the line and the fix. JSON is read a host at a
// time, at any size; YAML up to YamlLimits::max_bytes.
Fixture load_fixture_file(const std::string& path);
// One policy per file; an empty file is the default policy.
Policy load_policy_file(const std::string& path);

// Files as given, directories replaced by every *.yaml, *.yml, *.json below them (sorted), "-"
// kept. A path that does not exist is an InputError.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths);

}  // namespace hostadm
