// The mock inventory's REST answers (harness/fixture_rest.hpp) and the snapshot conversion back
// into a fixture (harness/fixture_snapshot.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/fixture_rest.hpp"
#include "harness/fixture_snapshot.hpp"
#include "unit/testlib/fixture_samples.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/yaml.hpp"

namespace hostadm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace fixture_samples;

json body(const RestAnswer& a) {
  return json::parse(a.body);
}

const char* kFailureModes = R"(
providers:
  - {name: unvalidated, namespace: demo, validated: false, hosts: [{id: host-1}]}
  - {name: stale, namespace: demo, staleReady: true, hosts: [{id: host-1, status: ""}]}
  - {name: late, namespace: demo, synced: false, syncDelay: 10s, hosts: [{id: host-1}]}
  - name: custom
    namespace: other
    phase: Staging
    conditions:
      - {type: Ready, status: "True"}
      - {type: UrlNotValid, status: "True", category: Error, message: "bad URL"}
)";

TEST(FixtureFailureModes, AnUnvalidatedProviderIsAbsentFromTheInventory) {
  Fixture f = parse_fixture(yaml(kFailureModes));
  FixtureInventory inv(std::make_shared<Fixture>(f));
  EXPECT_EQ(inv.provider("demo", "unvalidated").status, LookupStatus::NotFound);
  json listing = body(inventory_rest_answer(f, "/providers", {{"namespace", "demo"}}));
  for (const auto& p : listing["vsphere"]) EXPECT_NE(p["name"], "unvalidated");
  EXPECT_EQ(listing["vsphere"].size(), 2u);
  auto one = inventory_rest_answer(f, "/providers/vsphere/" + f.providers[0].info.uid, {});
  EXPECT_EQ(one.status, 404);
  EXPECT_EQ(one.headers.at("X-Reason"), "ProviderNotFound");
}

TEST(FixtureFailureModes, AStaleReadyCopyIsNotReady) {
  Fixture f = parse_fixture(yaml(kFailureModes));
  FixtureInventory inv(std::make_shared<Fixture>(f));
  auto stale = inv.provider("demo", "stale");
  ASSERT_EQ(stale.status, LookupStatus::Ok);
  EXPECT_FALSE(stale.provider->ready);
  EXPECT_THAT(stale.provider->not_ready_reason, HasSubstr("ConnectionAuthFailed (Critical)"));
  EXPECT_THAT(stale.provider->not_ready_reason, HasSubstr("phase ConnectionFailed"));
  // What the REST answer shows, and what the HTTP client reads from it.
  json entry = body(inventory_rest_answer(f, "/providers/vsphere/" + f.providers[1].info.uid, {}));
  EXPECT_EQ(entry["object"]["status"]["phase"], "ConnectionFailed");
  EXPECT_EQ(entry["object"]["status"]["conditions"][0]["type"], "Ready");
  EXPECT_EQ(entry["object"]["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ(entry["object"]["status"]["conditions"][1]["category"], "Critical");
  EXPECT_EQ(provider_from_inventory_json(entry).not_ready_reason, stale.provider->not_ready_reason);
  // An empty host status is served as it is.
  EXPECT_EQ(inv.host_by_id(*stale.provider, "host-1").hosts->front().status, "");

  auto custom = inv.provider("other", "custom");
  EXPECT_FALSE(custom.provider->ready);
  EXPECT_THAT(custom.provider->not_ready_reason, HasSubstr("UrlNotValid (Error): bad URL"));
  EXPECT_THAT(custom.provider->not_ready_reason, HasSubstr("phase Staging"));
}

TEST(FixtureFailureModes, A206ComesAfterTheSyncDelay) {
  Fixture f = parse_fixture(yaml(kFailureModes));
  auto fx = std::make_shared<Fixture>(f);
  const ProviderInfo& late = f.providers[2].info;
  EXPECT_EQ(f.providers[2].sync_delay, std::chrono::seconds(10));
  // A caller that waits longer than the delay sees the 206; a shorter one times out.
  EXPECT_EQ(FixtureInventory(fx, std::chrono::seconds(15)).host_by_id(late, "host-1").status,
            LookupStatus::NotReady);
  auto timed_out = FixtureInventory(fx, std::chrono::seconds(2)).host_by_id(late, "host-1");
  EXPECT_EQ(timed_out.status, LookupStatus::Unavailable);
  EXPECT_TRUE(timed_out.timed_out);
  // Every route under the provider waits, then answers 206; the provider itself answers.
  for (const char* route : {"/hosts", "/hosts/host-1", "/vms"}) {
    auto a = inventory_rest_answer(f, "/providers/vsphere/" + late.uid + route, {});
    EXPECT_EQ(a.status, 206) << route;
    EXPECT_EQ(a.delay, std::chrono::seconds(10)) << route;
  }
  EXPECT_EQ(inventory_rest_answer(f, "/providers/vsphere/" + late.uid, {}).status, 200);
  // The fault switch overrides the delay and can unsync any provider.
  RestFaults faults;
  faults.unsynced = {"demo/stale"};
  faults.sync_delay = std::chrono::milliseconds(300);
  auto a = inventory_rest_answer(f, "/providers/vsphere/" + f.providers[1].info.uid + "/hosts", {},
                                 faults);
  EXPECT_EQ(a.status, 206);
  EXPECT_EQ(a.delay, std::chrono::milliseconds(300));
}

TEST(FixtureFailureModes, ALoadingProviderFailsTheDetailedListingOfItsNamespace) {
  Fixture f = parse_fixture(yaml(kFailureModes));
  RestFaults faults;
  faults.loading = {f.providers[1].info.uid};
  for (const char* path : {"/providers", "/providers/vsphere"}) {
    EXPECT_EQ(
        inventory_rest_answer(f, path, {{"detail", "1"}, {"namespace", "demo"}}, faults).status,
        500)
        << path;
    // Detail 0 does not enrich, so it does not fail; another namespace neither.
    EXPECT_EQ(inventory_rest_answer(f, path, {{"namespace", "demo"}}, faults).status, 200) << path;
    EXPECT_EQ(
        inventory_rest_answer(f, path, {{"detail", "1"}, {"namespace", "other"}}, faults).status,
        200)
        << path;
  }
  EXPECT_EQ(inventory_rest_answer(f, "/providers/vsphere/" + f.providers[1].info.uid + "/hosts/x",
                                  {}, faults)
                .status,
            206);
}

// ---- REST answers ----------------------------------------------------------------------------

RestAnswer get(const Fixture& f, const std::string& path,
               std::map<std::string, std::string> query = {}) {
  return inventory_rest_answer(f, path, query);
}

TEST(FixtureRest, ProvidersMapByType) {
  Fixture f = small();
  auto a = get(f, "/providers", {{"detail", "1"}});
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.headers.at("Content-Type"), "application/json");
  json b = body(a);
  // Always the same seven keys, whatever the providers (no nutanix).
  std::set<std::string> types;
  for (const auto& [k, v] : b.items()) types.insert(k);
  EXPECT_EQ(types, (std::set<std::string>{"openshift", "vsphere", "ovirt", "openstack", "ova",
                                          "ec2", "hyperv"}));
  EXPECT_EQ(b["vsphere"].size(), 3u);
  EXPECT_EQ(b["openshift"].size(), 1u);
  const json& vp = b["vsphere"][0];
  for (const char* key : {"uid", "version", "namespace", "name", "selfLink", "id", "type", "object",
                          "apiVersion", "product", "hostCount"})
    EXPECT_TRUE(vp.contains(key)) << key;
  EXPECT_EQ(vp["selfLink"], "providers/vsphere/11111111-0000-4000-8000-000000000001");
  EXPECT_EQ(vp["hostCount"], 3);
  const json& obj = vp["object"];
  EXPECT_EQ(obj["kind"], "Provider");
  EXPECT_EQ(obj["apiVersion"], "forklift.konveyor.io/v1beta1");
  EXPECT_EQ(obj["metadata"]["uid"], vp["uid"]);
  EXPECT_EQ(obj["spec"]["type"], "vsphere");
  EXPECT_EQ(obj["spec"]["settings"]["sdkEndpoint"], "vcenter");
  EXPECT_EQ(obj["spec"]["secret"], json::parse(R"({"name":"vp-secret","namespace":"demo"})"));
  EXPECT_EQ(obj["status"]["conditions"][0]["type"], "Ready");
  EXPECT_EQ(obj["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ(b["vsphere"][2]["object"]["status"]["conditions"][0]["status"], "False");

  // The client code reads these answers back to the same providers.
  auto infos = providers_from_inventory_json(b);
  ASSERT_EQ(infos.size(), 4u);

  // With trailing slash, filtered by namespace: openshift stays present, maybe empty.
  json other = body(get(f, "/providers/", {{"detail", "all"}, {"namespace", "other"}}));
  EXPECT_EQ(other["vsphere"].size(), 1u);
  EXPECT_EQ(other["vsphere"][0]["name"], "defaults");
  EXPECT_TRUE(other["openshift"].empty());
}

TEST(FixtureRest, DetailZeroIsTheShortForm) {
  Fixture f = small();
  json b = body(get(f, "/providers"));
  const json& vp = b["vsphere"][0];
  std::set<std::string> keys;
  for (const auto& [k, v] : vp.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"uid", "namespace", "name", "selfLink", "id", "type"}));
}

TEST(FixtureRest, VsphereListAndOneProvider) {
  Fixture f = small();
  json list = body(get(f, "/providers/vsphere", {{"detail", "1"}, {"namespace", "demo"}}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "vp");
  EXPECT_EQ(list[1]["name"], "unsynced");
  EXPECT_EQ(body(get(f, "/providers/openshift"))[0]["name"], "ocp");
  EXPECT_TRUE(body(get(f, "/providers/ovirt")).empty());

  auto one = get(f, "/providers/vsphere/11111111-0000-4000-8000-000000000001/");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(body(one)["name"], "vp");
  EXPECT_TRUE(body(one).contains("object"));

  auto missing = get(f, "/providers/vsphere/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers.at("X-Reason"), "ProviderNotFound");
  EXPECT_TRUE(missing.body.empty());
  // An openshift uid under /providers/vsphere: a provider of another type, a 404 without X-Reason.
  std::string ocp_uid = f.providers[3].info.uid;
  auto other_type = get(f, "/providers/vsphere/" + ocp_uid);
  EXPECT_EQ(other_type.status, 404);
  EXPECT_EQ(other_type.headers.count("X-Reason"), 0u);
}

TEST(FixtureRest, HostsAtEveryDetailLevel) {
  Fixture f = small();
  const std::string base = "/providers/vsphere/11111111-0000-4000-8000-000000000001/hosts";
  auto a = get(f, base);
  ASSERT_EQ(a.status, 200);
  json short_list = body(a);
  ASSERT_EQ(short_list.size(), 3u);
  const json& h0 = short_list[0];
  std::set<std::string> keys;
  for (const auto& [k, v] : h0.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"id", "parent", "path", "revision", "name", "selfLink"}));
  EXPECT_EQ(h0["selfLink"], "providers/vsphere/11111111-0000-4000-8000-000000000001/hosts/host-1");
  EXPECT_TRUE(h0["parent"].contains("kind"));
  EXPECT_TRUE(h0["parent"].contains("id"));
  EXPECT_EQ(short_list[1]["path"], "/DC1/host/A/dup.example.com");

  for (const char* detail : {"1", "4", "all"}) {
    json full = body(get(f, base + "/", {{"detail", detail}}));
    ASSERT_EQ(full.size(), 3u);
    EXPECT_EQ(full[0]["networkAdapters"].size(), 2u) << detail;
    EXPECT_EQ(full[0]["custom"], json::parse(R"({"kept":[1,2]})"));  // unknown keys verbatim
    EXPECT_EQ(full[0]["status"], "green");
    EXPECT_EQ(full[0]["selfLink"], h0["selfLink"]);
    EXPECT_EQ(host_from_inventory_json(full[0]).adapters[1].ip_address, "10.0.0.2");
  }
  EXPECT_EQ(get(f, base, {{"detail", "x"}}).status, 400);
  EXPECT_EQ(get(f, base, {{"detail", "1.5"}}).status, 400);
  EXPECT_EQ(get(f, "/providers", {{"detail", "yes"}}).status, 400);
}

// Hosts are answered as the inventory writes them: the detail-0 keys first, in its order, then
// the others; every answer of a host is the same text.
TEST(FixtureRest, HostsAreAnsweredInTheInventorysKeyOrder) {
  Fixture f = small();
  const std::string base = "/providers/vsphere/11111111-0000-4000-8000-000000000001/hosts";
  const std::vector<std::string> inventory_order = {"id",       "parent", "path",
                                                    "revision", "name",   "selfLink"};
  for (const char* detail : {"0", "all"}) {
    auto list = nlohmann::ordered_json::parse(get(f, base, {{"detail", detail}}).body);
    std::vector<std::string> keys;
    for (const auto& [key, value] : list.at(0).items()) keys.push_back(key);
    ASSERT_GE(keys.size(), inventory_order.size()) << detail;
    keys.resize(inventory_order.size());
    EXPECT_EQ(keys, inventory_order) << detail;
  }
  const std::string one = get(f, base + "/host-1").body;
  const std::string list = get(f, base, {{"detail", "all"}, {"limit", "1"}}).body;
  EXPECT_EQ("[" + one + "]", list);
  EXPECT_EQ(get(f, base, {{"detail", "all"}, {"name", "esxi-1.example.com"}}).body, list);
}

// The HTTP source reads host lists with hosts_from_inventory_text; it must read every list
// exactly as the nlohmann path (parse, then host_from_inventory_json per entry) does.
std::string hosts_difference(const std::string& text) {
  std::optional<std::vector<HostInfo>> fast;
  std::string fast_error, full_error;
  try {
    fast = hosts_from_inventory_text(text);
  } catch (const std::invalid_argument& e) {
    fast_error = e.what();
  }
  if (!fast && fast_error.empty()) return "";  // declined: the nlohmann path answers
  std::vector<HostInfo> full;
  try {
    full = hosts_from_inventory_json(json::parse(text));
  } catch (const std::invalid_argument& e) {
    full_error = e.what();
  }
  if (fast_error != full_error) return "error '" + fast_error + "' vs '" + full_error + "'";
  if (!fast) return "";
  if (fast->size() != full.size()) return "count";
  for (size_t i = 0; i < full.size(); ++i) {
    const HostInfo &a = (*fast)[i], &b = full[i];
    if (a.id != b.id || a.name != b.name || a.status != b.status ||
        a.in_maintenance != b.in_maintenance || a.adapters.size() != b.adapters.size())
      return "host " + std::to_string(i);
    for (size_t j = 0; j < a.adapters.size(); ++j)
      if (a.adapters[j].name != b.adapters[j].name ||
          a.adapters[j].ip_address != b.adapters[j].ip_address)
        return "adapter " + std::to_string(j) + " of host " + std::to_string(i);
  }
  return "";
}

TEST(HostListReader, ReadsEveryListLikeTheNlohmannPath) {
  Fixture f = small();
  const std::string base = "/providers/vsphere/11111111-0000-4000-8000-000000000001/hosts";
  for (const char* detail : {"0", "1", "4"}) {
    const std::string text = get(f, base, {{"detail", detail}}).body;
    ASSERT_TRUE(hosts_from_inventory_text(text)) << "a real answer takes the fast path";
    EXPECT_EQ(hosts_difference(text), "") << detail;
  }
  EXPECT_EQ(
      hosts_from_inventory_text(get(f, base, {{"detail", "1"}}).body)->at(0).adapters[1].ip_address,
      "10.0.0.2");
  for (const char* text : {
           R"([])",
           R"([{"id":"h","id":"h2","name":"a","inMaintenance":null,"networkAdapters":null}])",
           R"([{"id":"h","revision":7,"x":-0.0,"y":1e2,"z":18446744073709551615}])",
           R"([{"id":5}])",
           R"([{"id":"h","inMaintenance":"yes"}])",
           R"([{"id":"h","networkAdapters":{}}])",
           R"([{"id":"h","networkAdapters":[1]}])",
           R"(["host"])",
           R"({"hosts":[]})",
           R"([{"name":"\u00e9\u0000x"}])",
       })
    EXPECT_EQ(hosts_difference(text), "") << text;
  for (const std::string& text :
       {std::string(""), std::string("[{]"), std::string("[1e400]"), std::string("[\"\xff\"]"),
        std::string(200, '[') + std::string(200, ']')})
    EXPECT_FALSE(hosts_from_inventory_text(text)) << "declined: " << text.substr(0, 20);
}

TEST(FixtureRest, NameQueryMatchesTheLastSegment) {
  Fixture f = small();
  const std::string base = "/providers/vsphere/11111111-0000-4000-8000-000000000001/hosts";
  json dup = body(get(f, base, {{"detail", "4"}, {"name", "dup.example.com"}}));
  ASSERT_EQ(dup.size(), 2u);
  EXPECT_EQ(dup[0]["id"], "host-2");
  EXPECT_EQ(dup[1]["id"], "host-3");
  EXPECT_EQ(body(get(f, base, {{"name", "esxi-1.example.com"}})).size(), 1u);
  auto none = get(f, base, {{"name", "esxi-1"}});
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(body(none), json::array());
  // A path keeps the hosts of its datacenter only.
  json dc1 = body(get(f, base, {{"name", "/DC1/host/Z/dup.example.com"}}));
  ASSERT_EQ(dc1.size(), 1u);
  EXPECT_EQ(dc1[0]["id"], "host-2");
}

TEST(FixtureRest, ListsArePagedWithLimitAndOffset) {
  Fixture f = small();
  const std::string base = "/providers/vsphere/11111111-0000-4000-8000-000000000001/hosts";
  json page = body(get(f, base, {{"detail", "all"}, {"limit", "2"}, {"offset", "1"}}));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0]["id"], "host-2");
  EXPECT_EQ(page[1]["id"], "host-3");
  EXPECT_TRUE(body(get(f, base, {{"offset", "3"}})).empty());
  EXPECT_EQ(body(get(f, "/providers/vsphere", {{"limit", "1"}})).size(), 1u);
  for (const char* bad : {"-1", "x", "1.5"}) {
    EXPECT_EQ(get(f, base, {{"limit", bad}}).status, 400) << bad;
    EXPECT_EQ(get(f, base, {{"offset", bad}}).status, 400) << bad;
  }
}

TEST(FixtureRest, OneHost) {
  Fixture f = small();
  const std::string base = "/providers/vsphere/11111111-0000-4000-8000-000000000001/hosts/";
  auto h = get(f, base + "host-1");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(body(h)["name"], "esxi-1.example.com");
  EXPECT_EQ(body(h)["networkAdapters"].size(), 2u);
  auto missing = get(f, base + "host-404");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers.count("X-Reason"), 0u);
  EXPECT_TRUE(missing.body.empty());
}

TEST(FixtureRest, UnsyncedAndUnknownProviders) {
  Fixture f = small();
  const std::string unsynced = "/providers/vsphere/" + f.providers[2].info.uid;
  auto partial = get(f, unsynced + "/hosts", {{"detail", "4"}});
  EXPECT_EQ(partial.status, 206);
  EXPECT_TRUE(partial.body.empty());
  EXPECT_EQ(get(f, unsynced + "/hosts/host-9").status, 206);
  // The provider itself is listed (its Ready condition says the rest).
  EXPECT_EQ(get(f, unsynced).status, 200);

  auto unknown = get(f, "/providers/vsphere/no-such-uid/hosts");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.headers.at("X-Reason"), "ProviderNotFound");
}

TEST(FixtureRest, InvalidUtf8FromCodeIsServedReplacedNotThrown) {
  json doc = {{"providers",
               {{{"name", "p"},
                 {"namespace", "d"},
                 {"uid", "u1"},
                 {"hosts", {{{"id", "h"}, {"name", "bad\xff"}}}}}}}};
  Fixture f = parse_fixture(doc);
  RestAnswer a;
  ASSERT_NO_THROW(a = get(f, "/providers/vsphere/u1/hosts", {{"detail", "1"}}));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(body(a)[0]["name"], "bad\xef\xbf\xbd");  // U+FFFD
}

TEST(FixtureRest, EverythingElseIs404) {
  Fixture f = small();
  const std::string uid = "11111111-0000-4000-8000-000000000001";
  for (const std::string& path :
       {std::string("/"), std::string("/nope"), std::string("/providers/vsfere"),
        "/providers/vsphere/" + uid + "/vms", "/providers/vsphere/" + uid + "/hosts/host-1/x",
        std::string("/providerz/vsphere")}) {
    auto a = get(f, path);
    EXPECT_EQ(a.status, 404) << path;
    EXPECT_EQ(a.headers.count("X-Reason"), 0u) << path;
  }
}

// ---- snapshot round trip ---------------------------------------------------------------------

// What `host-harness snapshot` does against a real inventory: providers at detail 0, each one
// read whole, then its hosts a page at a time.
json snapshot(const Fixture& f) {
  json by_type = body(get(f, "/providers"));
  json providers = json::array();
  for (const auto& [type, list] : by_type.items()) {
    for (const auto& entry : list) {
      std::string uid = entry["uid"];
      json p = fixture_provider_from_inventory(body(get(f, "/providers/" + type + "/" + uid)), type,
                                               200);
      if (type != "vsphere") {
        providers.push_back(p);
        continue;
      }
      json hosts = json::array();
      int status = 200;
      for (size_t offset = 0;; offset += 2) {
        auto a = get(f, "/providers/vsphere/" + uid + "/hosts",
                     {{"detail", "all"}, {"limit", "2"}, {"offset", std::to_string(offset)}});
        status = a.status;
        if (a.status != 200) break;
        json page = body(a);
        for (auto& h : page) {
          h.erase("selfLink");
          hosts.push_back(h);
        }
        if (page.size() < 2) break;
      }
      p["synced"] = status == 200;
      p["hosts"] = hosts;
      providers.push_back(p);
    }
  }
  return json{{"providers", providers}};
}

void expect_same(const Fixture& a, const Fixture& b) {
  size_t validated = 0;
  for (const auto& p : a.providers) validated += p.validated ? 1 : 0;
  // A provider Forklift has not validated is not in the inventory to record.
  ASSERT_EQ(b.providers.size(), validated);
  for (size_t i = 0; i < a.providers.size(); ++i) {
    const auto& pa = a.providers[i];
    if (!pa.validated) continue;
    const auto* pb = &b.providers[0];
    for (const auto& p : b.providers)
      if (p.info.uid == pa.info.uid) pb = &p;
    SCOPED_TRACE(pa.info.ns + "/" + pa.info.name);
    EXPECT_EQ(pb->info.name, pa.info.name);
    EXPECT_EQ(pb->info.ns, pa.info.ns);
    EXPECT_EQ(pb->info.uid, pa.info.uid);
    EXPECT_EQ(pb->info.type, pa.info.type);
    EXPECT_EQ(pb->info.sdk_endpoint, pa.info.sdk_endpoint);
    EXPECT_EQ(pb->info.ready, pa.info.ready);
    EXPECT_EQ(pb->info.not_ready_reason, pa.info.not_ready_reason);
    EXPECT_EQ(pb->info.secret, pa.info.secret);
    EXPECT_EQ(pb->synced, pa.synced);
    if (!pa.synced) continue;  // a 206 answer carries no hosts to record
    ASSERT_EQ(pb->index->hosts.size(), pa.index->hosts.size());
    for (size_t h = 0; h < pa.index->hosts.size(); ++h) {
      const HostInfo& x = pa.index->hosts[h];
      const HostInfo& y = pb->index->hosts[h];
      EXPECT_EQ(y.id, x.id);
      EXPECT_EQ(y.name, x.name);
      EXPECT_EQ(y.status, x.status);
      EXPECT_EQ(y.in_maintenance, x.in_maintenance);
      EXPECT_EQ(y.thumbprint, x.thumbprint);
      ASSERT_EQ(y.adapters.size(), x.adapters.size());
      for (size_t k = 0; k < x.adapters.size(); ++k) {
        EXPECT_EQ(y.adapters[k].name, x.adapters[k].name);
        EXPECT_EQ(y.adapters[k].ip_address, x.adapters[k].ip_address);
      }
      // Unknown keys survive too.
      const json before = pa.hosts[h].value(), after = pb->hosts[h].value();
      for (const auto& [key, value] : before.items()) EXPECT_EQ(after[key], value) << key;
    }
  }
}

TEST(FixtureSnapshot, RoundTripThroughTheRestAnswers) {
  for (const std::string& text : {std::string(kSmall), read_example()}) {
    Fixture original = parse_fixture(yaml(text));
    json snap = snapshot(original);
    Fixture again;
    ASSERT_NO_THROW(again = parse_fixture(snap)) << snap.dump(2);
    expect_same(original, again);
    // Also through YAML text, as `snapshot` prints it.
    Fixture from_text = parse_fixture(parse_yaml_one(to_yaml(snap)).value);
    expect_same(original, from_text);
    // And a snapshot of the snapshot is the same document.
    EXPECT_EQ(snapshot(again), snap);
  }
}

}  // namespace
}  // namespace hostadm
