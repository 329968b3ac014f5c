// The decision table shared by core_decision_test (exact verdicts) and core_properties_test
// (properties that must hold for every row). One row = one admission request + expectations.
// Its rows are compiled once, in the test support library (host_cases*.cpp), not in every test
// file that reads them: nlohmann::json's initializer lists made each such file 7 s longer.
#pragma once

#include <vector>

#include "unit/testlib/host_case.hpp"
#include "unit/testlib/host_cases_standards.hpp"

namespace hostadm::testing {

// One row per rule id (allowed and denied/warned), per operation and per mode.
std::vector<HostCase> host_cases();

}  // namespace hostadm::testing
