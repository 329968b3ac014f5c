#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "unit/testlib/fixture_samples.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/yaml.hpp"

namespace hostadm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace fixture_samples;

// ---- parsing ---------------------------------------------------------------------------------

TEST(FixtureParse, DefaultsAndExplicitValues) {
  Fixture f = small();
  ASSERT_EQ(f.providers.size(), 4u);
  const ProviderInfo& vp = f.providers[0].info;
  EXPECT_EQ(vp.name, "vp");
  EXPECT_EQ(vp.ns, "demo");
  EXPECT_EQ(vp.uid, "11111111-0000-4000-8000-000000000001");
  EXPECT_EQ(vp.type, "vsphere");
  EXPECT_EQ(vp.sdk_endpoint, "vcenter");
  EXPECT_TRUE(vp.ready);
  EXPECT_TRUE(f.providers[0].synced);
  ASSERT_TRUE(vp.secret.has_value());
  EXPECT_EQ(*vp.secret, (ObjectRef{"vp-secret", "demo"}));  // namespace defaults to the provider's
  ASSERT_EQ(f.providers[0].index->hosts.size(), 3u);
  EXPECT_EQ(f.providers[0].index->hosts[0].adapters.size(), 2u);
  EXPECT_EQ(f.providers[0].hosts[0].value()["custom"], json::parse(R"({"kept":[1,2]})"));

  const ProviderInfo& d = f.providers[1].info;
  EXPECT_EQ(d.uid, derived_uid("other", "defaults"));
  EXPECT_FALSE(d.secret.has_value());
  EXPECT_TRUE(f.providers[1].index->hosts.empty());

  const FixtureProvider& u = f.providers[2];
  EXPECT_FALSE(u.synced);
  EXPECT_FALSE(u.info.ready);
  EXPECT_FALSE(u.info.not_ready_reason.empty());
  EXPECT_EQ(u.info.sdk_endpoint, "esxi");
  EXPECT_EQ(*u.info.secret, (ObjectRef{"s", "creds"}));
  EXPECT_EQ(f.providers[3].info.type, "openshift");
}

TEST(FixtureParse, DerivedUidIsStableUuidShapedAndDistinct) {
  std::string a = derived_uid("demo", "vsphere-provider");
  EXPECT_EQ(a, derived_uid("demo", "vsphere-provider"));
  EXPECT_NE(a, derived_uid("demo", "vsphere-provider2"));
  EXPECT_NE(a, derived_uid("demo2", "vsphere-provider"));
  EXPECT_NE(derived_uid("a", "b/c"), derived_uid("a/b", "c2"));
  ASSERT_EQ(a.size(), 36u);
  for (size_t i = 0; i < a.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      EXPECT_EQ(a[i], '-');
    else
      EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(a[i])) && !std::isupper(a[i])) << a;
  }
}

TEST(FixtureParse, EveryErrorNamesItsPointer) {
  struct Case {
    std::string text, pointer, message;
  };
  const std::vector<Case> cases = {
      {"- a\n", "", "must be a map"},
      {"provider: []\n", "/provider", "unknown key 'provider' in the fixture; accepted: providers"},
      {"{}\n", "", "needs a `providers:` list"},
      {"providers: {}\n", "/providers", "must be a list"},
      {"providers: [x]\n", "/providers/0", "must be a map"},
      {"providers: [{namespace: d}]\n", "/providers/0/name", "needs `name`"},
      {"providers: [{name: p}]\n", "/providers/0/namespace", "needs `namespace`"},
      {"providers: [{name: \"\", namespace: d}]\n", "/providers/0/name", "non-empty string"},
      {"providers: [{name: 5, namespace: d}]\n", "/providers/0/name", "got a number"},
      {"providers: [{name: p, namespace: d}, {name: q, namespace: d, sdkEndpont: esxi}]\n",
       "/providers/1/sdkEndpont",
       "unknown key 'sdkEndpont' in provider; accepted: name, namespace, uid, type, sdkEndpoint, "
       "ready, staleReady, phase, conditions, validated, synced, syncDelay, secret, hosts"},
      {"providers: [{name: p, namespace: d, type: vshpere}]\n", "/providers/0/type",
       "use one of: openshift, vsphere"},
      {"providers: [{name: p, namespace: d, sdkEndpoint: host}]\n", "/providers/0/sdkEndpoint",
       "use vcenter or esxi"},
      {"providers: [{name: p, namespace: d, ready: \"yes\"}]\n", "/providers/0/ready",
       "true or false"},
      {"providers: [{name: p, namespace: d, synced: 1}]\n", "/providers/0/synced", "true or false"},
      {"providers: [{name: p, namespace: d, secret: s}]\n", "/providers/0/secret",
       "must be a map {name, namespace}"},
      {"providers: [{name: p, namespace: d, secret: {namespace: d}}]\n", "/providers/0/secret/name",
       "needs `name`"},
      {"providers: [{name: p, namespace: d, secret: {name: s, ns: d}}]\n", "/providers/0/secret/ns",
       "unknown key 'ns' in provider secret; accepted: name, namespace"},
      {"providers: [{name: p, namespace: d, hosts: {}}]\n", "/providers/0/hosts", "must be a list"},
      {"providers: [{name: p, namespace: d, type: openshift, hosts: [{id: h}]}]\n",
       "/providers/0/hosts", "only vsphere providers have hosts"},
      {"providers: [{name: p, namespace: d, hosts: [{name: h}]}]\n", "/providers/0/hosts/0/id",
       "needs `id`"},
      {"providers: [{name: p, namespace: d, hosts: [h]}]\n", "/providers/0/hosts/0",
       "at least `id`"},
      {"providers: [{name: p, namespace: d, hosts: [{id: h, inMaintenance: maybe}]}]\n",
       "/providers/0/hosts/0/inMaintenance", "true or false"},
      {"providers: [{name: p, namespace: d, hosts: [{id: h, thumbprint: [AA]}]}]\n",
       "/providers/0/hosts/0/thumbprint", "must be a string"},
      {"providers: [{name: p, namespace: d, hosts: [{id: h, status: 1}]}]\n",
       "/providers/0/hosts/0/status", "must be a string"},
      {"providers: [{name: p, namespace: d, hosts: [{id: h, networkAdapters: x}]}]\n",
       "/providers/0/hosts/0/networkAdapters", "must be a list"},
      {"providers: [{name: p, namespace: d, hosts: [{id: h, networkAdapters: [{name: 1}]}]}]\n",
       "/providers/0/hosts/0/networkAdapters/0/name", "must be a string"},
      {"providers: [{name: p, namespace: d, hosts: [{id: h}, {id: h}]}]\n",
       "/providers/0/hosts/1/id", "duplicate host id 'h' in provider d/p"},
      {"providers: [{name: p, namespace: d}, {name: p, namespace: d}]\n", "/providers/1/name",
       "duplicate provider d/p"},
      {"providers: [{name: p, namespace: d, uid: u}, {name: q, namespace: d, uid: u}]\n",
       "/providers/1/uid", "also used by d/p"},
  };
  for (const auto& c : cases) {
    auto [pointer, message] = error_of(c.text);
    EXPECT_EQ(pointer, c.pointer) << c.text;
    EXPECT_THAT(message, HasSubstr(c.message)) << c.text;
  }
}

TEST(FixtureParse, TheBundledExampleLoads) {
  Fixture f = parse_fixture(parse_yaml_one(read_example()).value);
  EXPECT_GE(f.providers.size(), 6u);
  FixtureInventory inv(std::make_shared<Fixture>(f));
  auto p = inv.provider("demo", "vsphere-provider");
  ASSERT_EQ(p.status, LookupStatus::Ok);
  auto dup = inv.hosts_by_name(*p.provider, "esxi-dup.example.com");
  ASSERT_EQ(dup.status, LookupStatus::Ok);
  EXPECT_EQ(dup.hosts->size(), 2u);
  auto h10 = inv.host_by_id(*p.provider, "host-10");
  ASSERT_EQ(h10.hosts->size(), 1u);
  EXPECT_EQ(h10.hosts->front().adapters.size(), 3u);
  EXPECT_EQ(inv.provider("production", "vsphere-prod").status, LookupStatus::Ok);
  auto esxi = inv.provider("demo", "esxi-provider");
  ASSERT_EQ(esxi.status, LookupStatus::Ok);
  EXPECT_EQ(esxi.provider->sdk_endpoint, "esxi");
}

// ---- FixtureInventory ------------------------------------------------------------------------

TEST(FixtureInventoryLookups, ProvidersByNamespaceAndName) {
  FixtureInventory inv(std::make_shared<Fixture>(small()));
  auto ok = inv.provider("demo", "vp");
  ASSERT_EQ(ok.status, LookupStatus::Ok);
  EXPECT_EQ(ok.provider->uid, "11111111-0000-4000-8000-000000000001");
  EXPECT_FALSE(ok.stale);
  EXPECT_EQ(inv.provider("other", "vp").status, LookupStatus::NotFound);
  EXPECT_EQ(inv.provider("demo", "nope").status, LookupStatus::NotFound);
  auto ocp = inv.provider("demo", "ocp");
  ASSERT_EQ(ocp.status, LookupStatus::Ok);
  EXPECT_EQ(ocp.provider->type, "openshift");
  // Not ready is the decision core's call: the lookup still succeeds with ready=false.
  auto unsynced = inv.provider("demo", "unsynced");
  ASSERT_EQ(unsynced.status, LookupStatus::Ok);
  EXPECT_FALSE(unsynced.provider->ready);
}

TEST(FixtureInventoryLookups, HostsByIdAndByName) {
  Fixture f = small();
  FixtureInventory inv(std::make_shared<Fixture>(f));
  const ProviderInfo& vp = f.providers[0].info;
  auto h1 = inv.host_by_id(vp, "host-1");
  ASSERT_EQ(h1.status, LookupStatus::Ok);
  ASSERT_EQ(h1.hosts->size(), 1u);
  EXPECT_EQ(h1.hosts->front().name, "esxi-1.example.com");
  EXPECT_TRUE(inv.host_by_id(vp, "host-4").hosts->empty());
  // Names match on the last path segment; then a path keeps only its own datacenter.
  auto names = [&](const std::string& name) {
    std::vector<std::string> ids;
    auto found = inv.hosts_by_name(vp, name);
    for (const auto& h : *found.hosts) ids.push_back(h.id);
    return ids;
  };
  EXPECT_EQ(names("dup.example.com"), (std::vector<std::string>{"host-2", "host-3"}));
  EXPECT_EQ(names("/DC2/host/X/dup.example.com"), std::vector<std::string>{"host-3"});
  EXPECT_TRUE(names("/DC9/host/X/dup.example.com").empty());
  EXPECT_EQ(names("esxi-1.example.com"), std::vector<std::string>{"host-1"});
  // One match is kept whatever datacenter the path names, as Forklift does.
  EXPECT_EQ(names("/DC9/esxi-1.example.com"), std::vector<std::string>{"host-1"});
  EXPECT_TRUE(names("esxi-1").empty());

  auto unsynced = inv.host_by_id(f.providers[2].info, "host-9");
  EXPECT_EQ(unsynced.status, LookupStatus::NotReady);
  EXPECT_EQ(unsynced.error, "inventory has not synced provider demo/unsynced (206)");

  ProviderInfo ghost = vp;
  ghost.uid = "no-such-uid";
  auto unknown = inv.host_by_id(ghost, "host-1");
  EXPECT_EQ(unknown.status, LookupStatus::NotReady);
  EXPECT_THAT(unknown.error, HasSubstr("ProviderNotFound"));

  EXPECT_EQ(inv.hosts_by_name(f.providers[3].info, "x").status, LookupStatus::NotReady);
}

// The endpoint check compares the certificate with the inventory's thumbprint: a fixture host's
// reaches the decision as the served inventory's does.
TEST(FixtureInventoryLookups, AHostsThumbprintReachesTheDecision) {
  Fixture f = parse_fixture(parse_yaml_one("providers: [{name: p, namespace: d, hosts: [{id: h, "
                                           "thumbprint: 'AA:BB:CC'}, {id: g}]}]\n")
                                .value);
  FixtureInventory inv(std::make_shared<Fixture>(f));
  const ProviderInfo& p = f.providers[0].info;
  EXPECT_EQ(inv.host_by_id(p, "h").hosts->front().thumbprint, "AA:BB:CC");
  EXPECT_EQ(inv.host_by_id(p, "g").hosts->front().thumbprint, "");
}

TEST(FixtureFailureModes, BadValuesAreNamed) {
  struct Case {
    const char* text;
    const char* pointer;
    const char* message;
  } cases[] = {
      {"providers: [{name: p, namespace: d, syncDelay: soon}]\n", "/providers/0/syncDelay",
       "duration"},
      {"providers: [{name: p, namespace: d, validated: 1}]\n", "/providers/0/validated",
       "true or false"},
      {"providers: [{name: p, namespace: d, staleReady: true, ready: false}]\n",
       "/providers/0/staleReady", "drop `ready: false`"},
      {"providers: [{name: p, namespace: d, conditions: [{type: X}]}]\n",
       "/providers/0/conditions/0/status", "needs `status`"},
      {"providers: [{name: p, namespace: d, conditions: [{type: X, status: maybe}]}]\n",
       "/providers/0/conditions/0/status", "True, False or Unknown"},
      {"providers: [{name: p, namespace: d, conditions: [{type: X, status: 'True', colour: "
       "red}]}]\n",
       "/providers/0/conditions/0/colour", "unknown key"},
  };
  for (const auto& c : cases) {
    auto [pointer, message] = error_of(c.text);
    EXPECT_EQ(pointer, c.pointer) << c.text;
    EXPECT_THAT(message, HasSubstr(c.message)) << c.text;
  }
}

}  // namespace
}  // namespace hostadm
