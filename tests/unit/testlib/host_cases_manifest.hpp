// The decision table's rows about the manifest itself: provider, host reference, address,
// adapter, and UPDATEs of stored Hosts (host_cases.hpp adds the rest, in this order).
#pragma once

#include <vector>

#include "unit/testlib/host_case.hpp"

namespace hostadm::testing {

void add_manifest_cases(std::vector<HostCase>& c);

}  // namespace hostadm::testing
