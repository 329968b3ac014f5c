// The fixtures the fixture tests share (parsing in core_fixture_test, the REST rendering and
// snapshot conversion in harness_fixture_rest_test).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "unit/testlib/source_file.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/yaml.hpp"

namespace hostadm::fixture_samples {

using nlohmann::json;

inline json yaml(const std::string& text) {
  return parse_yaml_one(text).value;
}

// The error a fixture gets, as {pointer, message}.
inline std::pair<std::string, std::string> error_of(const std::string& text) {
  try {
    parse_fixture(yaml(text));
  } catch (const DocumentError& e) {
    return {e.pointer, e.what()};
  }
  ADD_FAILURE() << "fixture accepted:\n" << text;
  return {};
}

inline const char* kSmall = R"(
providers:
  - name: vp
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000001
    secret: {name: vp-secret}
    hosts:
      - id: host-1
        name: esxi-1.example.com
        status: green
        inMaintenance: false
        thumbprint: "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
        custom: {kept: [1, 2]}
        networkAdapters:
          - {name: Management Network, ipAddress: 10.0.0.1, subnetMask: 255.255.255.0, linkSpeed: 10000, mtu: 1500}
          - {name: Management Network, ipAddress: 10.0.0.2, subnetMask: 255.255.255.0, linkSpeed: 1000, mtu: 1500}
      - id: host-2
        name: /DC1/host/A/dup.example.com
      - id: host-3
        name: /DC2/host/B/dup.example.com
  - name: defaults
    namespace: other
  - name: unsynced
    namespace: demo
    synced: false
    ready: false
    sdkEndpoint: esxi
    secret: {name: s, namespace: creds}
    hosts:
      - id: host-9
        name: esxi-9
  - name: ocp
    namespace: demo
    type: openshift
)";

inline Fixture small() {
  return parse_fixture(yaml(kSmall));
}

inline std::string read_example() {
  return hostadm::testing::source_file("/examples/inventory.yaml");
}

}  // namespace hostadm::fixture_samples
