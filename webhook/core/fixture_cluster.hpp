// The cluster a fixture describes besides the inventory, for the harness's offline ClusterView:
// Secrets (key names only), other Hosts, what ESXi endpoints answer, and Namespaces' labels.
// Parsed from the fixture's top-level keys `secrets`, `clusterHosts`, `endpoints` and
// `namespaces`; errors are DocumentErrors naming the key's JSON pointer.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/label_selector.hpp"

namespace hostadm {

struct FixtureSecret {
  std::string ns = "default";
  std::string name;
  std::vector<std::string> keys;  // key names only: a fixture never needs a credential
  bool insecure_skip_verify = false;
  std::string unreadable;  // non-empty: reading it fails with this error ("403 forbidden")
};

struct FixtureClusterHost {
  std::string ns = "default";
  std::string name;
  std::string provider;  // spec.provider.name
  std::string id;        // spec.id
  bool deleting = false;
};

// What the ESXi endpoint at `address` answers. An address with no entry is never checked.
struct FixtureEndpoint {
  std::string address;       // as spec.ipAddress writes it: 127.0.0.1, [::1], esxi.example
  std::string thumbprint;    // its certificate's; "" means the inventory's (it matches)
  std::string unreachable;   // non-empty: TCP+TLS fails with this ("connection refused")
  std::string login = "ok";  // ok, invalid (InvalidLogin), or the error a login fails with
};

struct FixtureNamespace {
  std::string name;
  Labels labels;
};

struct ClusterFacts {
  std::vector<FixtureSecret> secrets;
  std::vector<FixtureClusterHost> hosts;
  std::vector<FixtureEndpoint> endpoints;
  std::vector<FixtureNamespace> namespaces;

  bool empty() const {
    return secrets.empty() && hosts.empty() && endpoints.empty() && namespaces.empty();
  }
};

// The cluster facts of a fixture document (a map; its other keys are not looked at).
ClusterFacts parse_cluster_facts(const nlohmann::json& doc);

// Every key of `obj` is one of `accepted`; else a DocumentError at the first other key ("unknown
// key 'k' in WHAT; accepted: a, b"). Every map of the fixture is checked with it.
void check_fixture_keys(const nlohmann::json& obj, const std::string& pointer, const char* what,
                        const std::vector<std::string>& accepted);

}  // namespace hostadm
