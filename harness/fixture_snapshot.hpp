// `host-harness snapshot`'s conversion of live inventory answers into a fixture document.
// Not part of the webhook.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hostadm {

// One provider of a fixture document, without `hosts`, from what the inventory answers about it:
// `entry` is `GET /providers/<type>/<uid>` (a listing entry for a provider that cannot have
// hosts), `hosts_status` the HTTP status its host routes answered (206: not synced). Records what
// the verdicts depend on: validated (it was listed), phase and conditions, synced, secret.
nlohmann::json fixture_provider_from_inventory(const nlohmann::json& entry, const std::string& type,
                                               int hosts_status);

}  // namespace hostadm
