// What the harness unit tests share: the examples' inventory, a document from YAML text, the
// Host every output test starts from.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "harness/pipeline.hpp"
#include "harness/replay.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

inline const std::string kSource = HOSTADM_SOURCE_DIR;
inline const std::string kInventory = kSource + "/examples/inventory.yaml";

inline std::shared_ptr<const Fixture> sample_fixture() {
  static auto fixture = std::make_shared<const Fixture>(load_fixture_file(kInventory));
  return fixture;
}

inline Policy sandbox_warn_policy() {
  Policy p;
  p.namespaces.push_back({"sandbox-*", Mode::Warn});
  return p;
}

inline InputDoc doc_from_yaml(const std::string& text, int index = 0) {
  InputDoc d;
  d.file = "test.yaml";
  d.index = index;
  d.value = parse_yaml_one(text).value;
  return d;
}

inline bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

inline const char* kAdapterHost = R"(
apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata:
  name: host-10-30f1
  namespace: demo
  annotations: {forklift.konveyor.io/network-adapter: Management Network}
spec:
  provider: {name: vsphere-provider}
  id: host-10
)";

// Every document of the examples' directories, replayed against the examples' inventory.
inline std::vector<DocResult> replay_examples(const std::vector<std::string>& dirs) {
  ReplayOptions o;
  o.inventory = kInventory;
  o.policy = kSource + "/examples/policy.yaml";
  for (const auto& d : dirs) o.paths.push_back(kSource + "/examples/" + d);
  return replay(o);
}

}  // namespace hostadm::harness
