// The decision table's rows for the namespace's standards (allowedProviders, allowedNetworks,
// allowedAdapters, requireSecret, requireVerifiedTls), the `rules:` overrides and the entries
// chosen by namespace label. Namespace `demo` of standard_inventory() throughout.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "unit/testlib/host_case.hpp"

namespace hostadm::testing {

// A policy whose one entry, for namespace demo, says `entry`; `top` is the top level's `rules:`.
json demo_entry(json entry, json top = nullptr);

void add_standards_cases(std::vector<HostCase>& c);

}  // namespace hostadm::testing
