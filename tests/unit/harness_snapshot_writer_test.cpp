#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "harness/snapshot_writer.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/yaml.hpp"

namespace hostadm::harness {
namespace {

using nlohmann::json;

const json kVsphere = {{"name", "vp"}, {"namespace", "demo"}, {"type", "vsphere"}, {"uid", "u1"}};
const json kOcp = {{"name", "ocp"}, {"namespace", "demo"}, {"type", "openshift"}, {"uid", "u2"}};

// What `snapshot` writes for a vSphere provider with two hosts, one with none and an OpenShift
// provider, in `format`.
std::string record(const std::string& format) {
  std::ostringstream out;
  auto w = make_fixture_writer(format, out);
  w->begin("https://inventory.example.com");
  w->provider(kVsphere, true);
  w->host(
      json{{"id", "host-2"}, {"name", "b"}, {"custom", {{"z", 1}, {"a", {true, nullptr}}}}}.dump());
  w->host(json{{"id", "host-1"}, {"name", "a"}}.dump());
  w->end_provider();
  json empty = kVsphere;
  empty["name"] = "empty";
  empty["uid"] = "u3";
  w->provider(empty, true);
  w->end_provider();
  w->provider(kOcp, false);
  w->end();
  EXPECT_EQ(w->bytes(), out.str().size());
  return out.str();
}

// A host per line and sorted keys: the same inventory always gives the same bytes, and a diff of
// two recordings shows the hosts that changed.
TEST(SnapshotWriter, JsonIsAHostPerLineWithSortedKeys) {
  EXPECT_EQ(record("json"),
            "{\"providers\":[\n"
            "{\"name\":\"vp\",\"namespace\":\"demo\",\"type\":\"vsphere\",\"uid\":\"u1\","
            "\"hosts\":[\n"
            "{\"custom\":{\"a\":[true,null],\"z\":1},\"id\":\"host-2\",\"name\":\"b\"},\n"
            "{\"id\":\"host-1\",\"name\":\"a\"}\n"
            "]},\n"
            "{\"name\":\"empty\",\"namespace\":\"demo\",\"type\":\"vsphere\",\"uid\":\"u3\","
            "\"hosts\":[]},\n"
            "{\"name\":\"ocp\",\"namespace\":\"demo\",\"type\":\"openshift\",\"uid\":\"u2\"}\n"
            "]}\n");
  std::ostringstream none;
  auto w = make_fixture_writer("json", none);
  w->begin("x");
  w->end();
  EXPECT_EQ(none.str(), "{\"providers\":[]}\n");
}

// Both formats hold the same document, which the fixture reader takes.
TEST(SnapshotWriter, YamlHoldsTheSameDocument) {
  const std::string yaml = record("yaml");
  EXPECT_THAT(yaml,
              ::testing::StartsWith(
                  "# Recorded by host-harness snapshot from https://inventory.example.com\n"));
  const json from_yaml = parse_yaml_one(yaml).value;
  EXPECT_EQ(from_yaml, json::parse(record("json")));
  Fixture f = parse_fixture(from_yaml);
  ASSERT_EQ(f.providers.size(), 3u);
  EXPECT_EQ(f.providers[0].index->hosts.size(), 2u);
  EXPECT_TRUE(f.providers[1].hosts.empty());
}

}  // namespace
}  // namespace hostadm::harness
