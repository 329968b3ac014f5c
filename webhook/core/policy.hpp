// The policy file. Parsing takes an already-decoded JSON value (from
// yaml.hpp), so it has no I/O; every error names the key and the accepted values.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/document_error.hpp"

namespace hostadm {

enum class SecretDefault { Always, EsxiOnly, Never };
enum class FailurePolicy { Deny, Allow, Defer };
enum class Mode { Enforce, Warn, Off };

struct NamespaceRule {
  std::string match;  // glob: * and ?
  Mode mode = Mode::Enforce;
};

struct CachePolicy {
  std::chrono::milliseconds ttl{30'000};
  std::chrono::milliseconds negative_ttl{5'000};
  std::chrono::milliseconds stale_if_error{600'000};
};

struct Policy {
  std::string adapter_annotation = "forklift.konveyor.io/network-adapter";
  SecretDefault secret_default = SecretDefault::Always;
  bool allow_hostnames = false;
  bool allow_cross_namespace_secret = false;
  bool owner_reference = true;
  FailurePolicy inventory_failure = FailurePolicy::Deny;
  CachePolicy cache;
  std::chrono::milliseconds inventory_timeout{2'000};
  std::vector<NamespaceRule> namespaces;

  Mode mode_for(const std::string& ns) const;  // first match wins; default Enforce
};

// Unknown keys are errors (a typo must not silently weaken enforcement).
Policy parse_policy(const nlohmann::json& doc);
// "30s", "500ms", "2m", "1h", "1m30s"; throws std::invalid_argument.
std::chrono::milliseconds parse_duration(const std::string& text);
bool glob_match(const std::string& pattern, const std::string& text);

std::string to_string(Mode m);
std::string to_string(FailurePolicy f);
std::string to_string(SecretDefault s);

}  // namespace hostadm
