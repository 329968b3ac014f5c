// How to reach the Forklift inventory, as flags: one spelling for host-webhook and for every
// host-harness command that asks the live inventory (replay, snapshot), with the help texts,
// the $MTV_INVENTORY_URL fallback and the old harness spellings (deprecated) written once here.
#pragma once

#include <string>
#include <vector>

#include "webhook/cli/flags.hpp"
#include "webhook/inventory/http_source.hpp"

namespace hostadm {

// The group's flag names, without dashes.
inline constexpr const char* kInventoryUrlFlag = "inventory-url";
inline constexpr const char* kInventoryTokenFileFlag = "inventory-token-file";
inline constexpr const char* kInventoryCaFlag = "inventory-ca";
inline constexpr const char* kInventoryInsecureFlag = "inventory-insecure-skip-tls";

// The four rows: --inventory-url, --inventory-token-file, --inventory-ca and
// --inventory-insecure-skip-tls. `token_default` is what --help shows when no token file is
// given (host-webhook reads its pod's service-account token; the harness sends none).
// `old_spellings`: also accept host-harness's first spellings, --token-file, --ca and
// --insecure-skip-tls, as deprecated (host-webhook never had them).
std::vector<cli::Flag> inventory_connection_flags(const std::string& token_default = "",
                                                  bool old_spellings = false);

// One row of the group by name (for a table that attaches a setter to each row).
cli::Flag inventory_connection_flag(const std::string& name, const std::string& token_default = "");

// The client's settings from parsed flags, --inventory-url falling back to $MTV_INVENTORY_URL.
// Throws cli::UsageError when --inventory-ca and --inventory-insecure-skip-tls are both given.
HttpSourceConfig inventory_connection(const cli::Parsed& flags);

}  // namespace hostadm
