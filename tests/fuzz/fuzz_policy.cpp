// Policy text -> parse_yaml_stream -> parse_policy, then the per-namespace lookup every request
// makes (glob matching is where pathological patterns would hang; selectors and rule overrides
// are read there too).
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_common.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/core/yaml.hpp"

namespace fz = hostadm::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<hostadm::YamlDoc> docs = fz::yaml_docs_or_none(data, size);
  for (const auto& doc : docs) {
    hostadm::Policy policy;
    try {
      policy = hostadm::parse_policy(doc.value);
    } catch (const hostadm::DocumentError&) {
      continue;
    } catch (const std::exception& e) {
      fz::fail("parse_policy", std::string("undocumented exception: ") + e.what());
    }
    fz::no_throw("mode_for", [&] {
      (void)policy.mode_for("default");
      (void)policy.mode_for(
          "sandbox-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
      // Each pattern against itself, for the first rules only: all of them would make this
      // target quadratic in the rule count, which no request is.
      for (size_t i = 0; i < policy.namespaces.size() && i < 64; ++i)
        (void)policy.mode_for(policy.namespaces[i].match);
      const hostadm::Labels labels = {
          {"env", "prod"}, {"team", "a"}, {"kubernetes.io/metadata.name", "prod-1"}};
      const hostadm::EffectivePolicy e = policy.resolve("prod-1", &labels);
      for (const auto& r : hostadm::all_rules()) (void)e.action_of(r.id);
      (void)e.inventory_failure();
      (void)policy.needs_api_client();
      (void)policy.cluster_checks(true);
    });
  }
  return 0;
}
