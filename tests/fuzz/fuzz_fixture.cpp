// Fixture text -> parse_yaml_stream -> parse_fixture -> FixtureInventory lookups and the REST
// answers serve-inventory gives: the loader behind --inventory-fixture and every harness command.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "harness/fixture_rest.hpp"
#include "tests/fuzz/fuzz_common.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/yaml.hpp"

namespace fz = hostadm::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<hostadm::YamlDoc> docs = fz::yaml_docs_or_none(data, size);
  for (const auto& doc : docs) {
    std::shared_ptr<hostadm::Fixture> fixture;
    try {
      fixture = std::make_shared<hostadm::Fixture>(hostadm::parse_fixture(doc.value));
    } catch (const hostadm::DocumentError&) {
      continue;
    } catch (const std::exception& e) {
      fz::fail("parse_fixture", std::string("undocumented exception: ") + e.what());
    }
    // A fixture that loads must be servable: every provider and host it declares answers.
    fz::no_throw("FixtureInventory", [&] {
      hostadm::FixtureInventory inv(fixture);
      for (const auto& p : fixture->providers) {
        auto pl = inv.provider(p.info.ns, p.info.name);
        if (pl.status == hostadm::LookupStatus::Ok && pl.provider) {
          for (const auto& h : p.index->hosts) {
            (void)inv.host_by_id(*pl.provider, h.id);
            (void)inv.hosts_by_name(*pl.provider, h.name);
          }
        }
        std::string base = "/providers/" + p.info.type + "/" + p.info.uid;
        (void)hostadm::inventory_rest_answer(*fixture, base + "/hosts", {{"detail", "4"}});
        (void)hostadm::inventory_rest_answer(*fixture, "/providers",
                                             {{"detail", "1"}, {"namespace", p.info.ns}});
      }
    });
  }
  return 0;
}
