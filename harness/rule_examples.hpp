// One worked example per rule id, decided by the real pipeline against a small built-in
// inventory, so the example messages `host-harness rules` prints (and the generated rules page)
// are the messages users actually get, and a test notices when a rule stops firing on its example.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hostadm::harness {

struct RuleExample {
  std::string_view rule;
  std::string scenario;  // what the example Host does, in a few words
  std::string message;   // the denial or warning that carries the rule id; empty: no example
};

// Every rule of all_rules(), in that order. The cluster rules' examples run in an offline cluster
// (offline_cluster.hpp). Rules that need a failing inventory, and rules the decision does not
// check yet, have an empty message and a scenario that says so.
std::vector<RuleExample> rule_examples();

}  // namespace hostadm::harness
