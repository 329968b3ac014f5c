#include "webhook/inventory/connection_flags.hpp"

#include <stdexcept>

namespace hostadm {

std::vector<cli::Flag> inventory_connection_flags(const std::string& token_default,
                                                  bool old_spellings) {
  using cli::FlagKind;
  std::vector<cli::Flag> rows = {
      cli::make_flag(kInventoryUrlFlag, FlagKind::String, "URL",
                     "the Forklift inventory's base URL, e.g. "
                     "https://forklift-inventory.openshift-mtv.svc:8443",
                     "env MTV_INVENTORY_URL"),
      cli::make_flag(kInventoryTokenFileFlag, FlagKind::String, "FILE",
                     "bearer token for the inventory, re-read when the file changes",
                     token_default),
      cli::make_flag(kInventoryCaFlag, FlagKind::String, "FILE",
                     "CA bundle that verifies the inventory's certificate", "system trust store"),
      cli::make_flag(kInventoryInsecureFlag, FlagKind::Bool, "",
                     "do not verify the inventory's certificate (logged as a warning)"),
  };
  if (!old_spellings) return rows;
  rows[1].deprecated_names = {"token-file"};
  rows[2].deprecated_names = {"ca"};
  rows[3].deprecated_names = {"insecure-skip-tls"};
  return rows;
}

cli::Flag inventory_connection_flag(const std::string& name, const std::string& token_default) {
  for (auto& row : inventory_connection_flags(token_default))
    if (row.name == name) return row;
  throw std::logic_error("no inventory connection flag --" + name);
}

HttpSourceConfig inventory_connection(const cli::Parsed& flags) {
  HttpSourceConfig cfg;
  cfg.url = inventory_url_from_env_or(flags.get(kInventoryUrlFlag));
  cfg.token_file = flags.get(kInventoryTokenFileFlag);
  cfg.ca_file = flags.get(kInventoryCaFlag);
  cfg.insecure_skip_tls = flags.flag(kInventoryInsecureFlag);
  if (cfg.insecure_skip_tls && !cfg.ca_file.empty())
    throw cli::UsageError(
        "--inventory-ca and --inventory-insecure-skip-tls exclude each other: verify with the CA "
        "or skip verification, not both");
  return cfg;
}

}  // namespace hostadm
