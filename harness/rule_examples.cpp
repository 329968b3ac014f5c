#include "harness/rule_examples.hpp"

#include <functional>
#include <map>
#include <memory>

#include "harness/offline_cluster.hpp"
#include "harness/pipeline.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;

constexpr const char* kNamespace = "demo";
constexpr const char* kAdapterAnnotation = "forklift.konveyor.io/network-adapter";
constexpr const char* kLabAddress = "127.0.0.14";
constexpr const char* kLabThumbprint =
    "3A:5C:9E:12:44:0B:7D:E1:90:6F:A2:33:C8:51:0E:B7:64:2D:F9:18";

json adapter(const char* name, const char* ip) {
  json a = {{"name", name}, {"linkSpeed", 10000}, {"mtu", 1500}};
  if (*ip) a["ipAddress"] = ip;
  return a;
}

// The inventory every example runs against: one ready vCenter provider with a healthy host,
// an unhealthy one and two hosts sharing a name; a provider that is not ready; a non-vSphere one.
json example_fixture() {
  json healthy = {
      {"id", "host-10"},
      {"name", "esxi-01.example.com"},
      {"status", "green"},
      {"inMaintenance", false},
      {"networkAdapters",
       {adapter("Management Network", "192.168.1.10"), adapter("vMotion Network", "10.10.0.10")}}};
  json unhealthy = {{"id", "host-11"},
                    {"name", "esxi-02.example.com"},
                    {"status", "yellow"},
                    {"inMaintenance", true},
                    {"networkAdapters",
                     {adapter("Management Network", "192.168.1.11"),
                      adapter("Management Network", "192.168.1.111"), adapter("Storage", "")}}};
  json dup1 = {{"id", "host-12"}, {"name", "esxi-dup.example.com"}, {"status", "green"}};
  json dup2 = {{"id", "host-13"}, {"name", "esxi-dup.example.com"}, {"status", "green"}};
  // The endpoint examples' host answers on loopback: nothing else may be reached from a test.
  json lab = {{"id", "host-14"},
              {"name", "esxi-lab.example.com"},
              {"status", "green"},
              {"thumbprint", kLabThumbprint},
              {"networkAdapters", {adapter("Management Network", kLabAddress)}}};
  return {{"providers",
           {{{"name", "vsphere-provider"},
             {"namespace", kNamespace},
             {"secret", {{"name", "vsphere-secret"}, {"namespace", kNamespace}}},
             {"hosts", {healthy, unhealthy, dup1, dup2, lab}}},
            {{"name", "vsphere-not-ready"}, {"namespace", kNamespace}, {"ready", false}},
            {{"name", "openshift-local"}, {"namespace", kNamespace}, {"type", "openshift"}}}}};
}

json host(json spec, const char* adapter_name = nullptr) {
  json h = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
            {"kind", "Host"},
            {"metadata", {{"name", "example"}, {"namespace", kNamespace}}},
            {"spec", std::move(spec)}};
  if (adapter_name) h["metadata"]["annotations"] = {{kAdapterAnnotation, adapter_name}};
  return h;
}

json provider(const char* name = "vsphere-provider") {
  return {{"name", name}};
}
json secret() {
  return {{"name", "esxi-credentials"}};
}

// A Host by id on the healthy host, with its own secret and an explicit address.
json spec_with(const json& extra) {
  json spec = {{"provider", provider()},
               {"id", "host-10"},
               {"ipAddress", "192.168.1.10"},
               {"secret", secret()}};
  if (extra.is_object()) spec.update(extra);
  return spec;
}

struct Scenario {
  std::string text;
  // empty: the rule needs a failing inventory, a Kubernetes API or an ESXi endpoint
  std::function<json()> review;
  json policy = json::object();
  // The cluster the example runs in (the fixture's secrets, clusterHosts, endpoints); null: no
  // Kubernetes API client, as every example without a cluster rule.
  json cluster = nullptr;
};

// The cluster of the cluster rules' examples: the example Host's Secret is complete unless the
// example says otherwise.
json cluster_with(json facts) {
  if (!facts.contains("secrets"))
    facts["secrets"] = {
        {{"namespace", kNamespace}, {"name", "esxi-credentials"}, {"keys", {"user", "password"}}}};
  return facts;
}

json secret_keys(json keys) {
  return cluster_with(
      {{"secrets", {{{"namespace", kNamespace}, {"name", "esxi-credentials"}, {"keys", keys}}}}});
}

// A policy whose entry for the examples' namespace states one standard.
json standard(json entry) {
  entry["match"] = kNamespace;
  return {{"namespaces", {entry}}};
}

json create(json h) {
  return host_review(std::move(h), kNamespace, "rules-example");
}

json on_lab_host() {
  return create(host(spec_with({{"id", "host-14"}, {"ipAddress", kLabAddress}})));
}

std::map<std::string_view, Scenario> scenarios() {
  using namespace rule;
  std::map<std::string_view, Scenario> s;
  s[kMalformed] = {"spec is a string", [] { return create(host("not an object")); }};
  s[kProviderMissing] = {"no spec.provider", [] {
                           json spec = spec_with({});
                           spec.erase("provider");
                           return create(host(spec));
                         }};
  s[kProviderCrossNamespace] = {
      "spec.provider.namespace is another namespace", [] {
        return create(host(
            spec_with({{"provider", {{"name", "vsphere-provider"}, {"namespace", "other"}}}})));
      }};
  s[kProviderNotFound] = {
      "a provider name the inventory does not list", [] {
        return create(host(spec_with({{"provider", provider("vsphere-typo")}})));
      }};
  s[kProviderNotVsphere] = {
      "an OpenShift provider", [] {
        return create(host(spec_with({{"provider", provider("openshift-local")}})));
      }};
  s[kProviderNotReady] = {
      "a provider whose Ready condition is False", [] {
        return create(host(spec_with({{"provider", provider("vsphere-not-ready")}})));
      }};
  s[kHostRefMissing] = {"neither spec.id nor spec.name", [] {
                          json spec = spec_with({});
                          spec.erase("id");
                          return create(host(spec));
                        }};
  s[kHostNotFound] = {"an id the provider does not have", [] {
                        return create(host(spec_with({{"id", "host-99"}})));
                      }};
  s[kHostAmbiguous] = {"a name two hosts share", [] {
                         json spec = spec_with({{"name", "esxi-dup.example.com"}});
                         spec.erase("id");
                         return create(host(spec));
                       }};
  s[kAddressMissing] = {"neither spec.ipAddress nor the adapter annotation", [] {
                          json spec = spec_with({});
                          spec.erase("ipAddress");
                          return create(host(spec));
                        }};
  s[kAddressConflict] = {
      "an address that is not the named adapter's", [] {
        return create(host(spec_with({{"ipAddress", "10.10.0.10"}}), "Management Network"));
      }};
  s[kAdapterNotFound] = {"an adapter name the host does not have", [] {
                           json spec = spec_with({});
                           spec.erase("ipAddress");
                           return create(host(spec, "Migration Network"));
                         }};
  s[kAdapterNoIp] = {"an adapter without an IP address", [] {
                       json spec = spec_with({{"id", "host-11"}});
                       spec.erase("ipAddress");
                       return create(host(spec, "Storage"));
                     }};
  s[kAddressInvalid] = {"a URL instead of an address", [] {
                          return create(host(spec_with({{"ipAddress", "https://esxi-01/"}})));
                        }};
  s[kSecretMissing] = {"no spec.secret with secretDefault: never",
                       [] {
                         json spec = spec_with({});
                         spec.erase("secret");
                         return create(host(spec));
                       },
                       {{"secretDefault", "never"}}};
  s[kSecretCrossNamespace] = {
      "a secret in another namespace", [] {
        return create(
            host(spec_with({{"secret", {{"name", "esxi-credentials"}, {"namespace", "other"}}}})));
      }};
  // Cluster checks: the example runs with an offline cluster, as replay does with a fixture's
  // `secrets`, `clusterHosts` and `endpoints`.
  s[kSecretMissingKeys] = {"a Secret with user but no password",
                           [] { return create(host(spec_with({}))); }, json::object(),
                           secret_keys({"user"})};
  s[kHostDuplicate] = {"a second Host for host-10", [] { return create(host(spec_with({}))); },
                       json::object(),
                       cluster_with({{"clusterHosts",
                                      {{{"namespace", kNamespace},
                                        {"name", "esxi-01"},
                                        {"provider", "vsphere-provider"},
                                        {"id", "host-10"}}}}})};
  // Standards, in a namespace whose policy entry states them.
  s[kProviderNotAllowed] = {"a namespace that allows only vsphere-prod",
                            [] { return create(host(spec_with({}))); },
                            standard({{"allowedProviders", {"vsphere-prod"}}})};
  s[kAddressNotAllowed] = {"192.168.1.10 where only 10.20.0.0/16 is allowed",
                           [] { return create(host(spec_with({}))); },
                           standard({{"allowedNetworks", {"10.20.0.0/16"}}})};
  s[kAdapterNotAllowed] = {"the Management Network where only Migration* is allowed",
                           [] {
                             json spec = spec_with({});
                             spec.erase("ipAddress");
                             return create(host(spec, "Management Network"));
                           },
                           standard({{"allowedAdapters", {"Migration*"}}})};
  s[kSecretRequired] = {"no spec.secret where requireSecret is set",
                        [] {
                          json spec = spec_with({});
                          spec.erase("secret");
                          return create(host(spec));
                        },
                        standard({{"requireSecret", true}})};
  s[kSecretInsecure] = {"a Secret with insecureSkipVerify where requireVerifiedTls is set",
                        [] { return create(host(spec_with({}))); },
                        standard({{"requireVerifiedTls", true}}),
                        cluster_with({{"secrets",
                                       {{{"namespace", kNamespace},
                                         {"name", "esxi-credentials"},
                                         {"keys", {"user", "password", "insecureSkipVerify"}},
                                         {"insecureSkipVerify", true}}}}})};
  s[kInventoryUnavailable] = {"needs an inventory that fails (see serve-inventory faults)", {}};
  s[kHostInMaintenance] = {
      "a host in maintenance mode", [] {
        return create(host(spec_with({{"id", "host-11"}, {"ipAddress", "192.168.1.11"}})));
      }};
  s[kHostStatusNotGreen] = {
      "a host whose status is yellow", [] {
        return create(host(spec_with({{"id", "host-11"}, {"ipAddress", "192.168.1.11"}})));
      }};
  s[kAddressNotOnHost] = {"an address that is none of the host's adapters", [] {
                            return create(host(spec_with({{"ipAddress", "192.168.1.200"}})));
                          }};
  s[kAdapterNameRepeated] = {"an adapter name two adapters share", [] {
                               json spec = spec_with({{"id", "host-11"}});
                               spec.erase("ipAddress");
                               return create(host(spec, "Management Network"));
                             }};
  s[kVcenterCredentials] = {"no spec.secret on a vCenter provider", [] {
                              json spec = spec_with({});
                              spec.erase("secret");
                              return create(host(spec));
                            }};
  s[kInventoryStale] = {"needs an inventory that fails after a cached answer", {}};
  s[kAddressRefreshed] = {
      "an UPDATE after the adapter's IP changed in vCenter", [] {
        json old_host = host(spec_with({{"ipAddress", "192.168.1.9"}}), "Management Network");
        json new_host = old_host;
        new_host["metadata"]["labels"] = {{"team", "migration"}};
        return host_review(new_host, kNamespace, "rules-example", old_host);
      }};
  s[kUnexpectedResource] = {
      "the webhook configuration sends it a Pod", [] {
        json review = create(host(spec_with({})));
        json& req = review["request"];
        req["resource"] = {{"group", ""}, {"version", "v1"}, {"resource", "pods"}};
        req["kind"] = {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}};
        return review;
      }};
  s[kSecretNotFound] = {"a spec.secret that does not exist (yet)",
                        [] { return create(host(spec_with({}))); }, json::object(),
                        cluster_with({{"secrets",
                                       {{{"namespace", kNamespace},
                                         {"name", "vsphere-secret"},
                                         {"keys", {"user", "password"}}}}}})};
  s[kSecretUnreadable] = {"a Kubernetes API that refuses to read the Secret",
                          [] { return create(host(spec_with({}))); }, json::object(),
                          cluster_with({{"secrets",
                                         {{{"namespace", kNamespace},
                                           {"name", "esxi-credentials"},
                                           {"unreadable", "403 forbidden"}}}}})};
  s[kEndpointUnreachable] = {
      "an ESXi endpoint that refuses the connection", on_lab_host, json::object(),
      cluster_with(
          {{"endpoints", {{{"address", kLabAddress}, {"unreachable", "connection refused"}}}}})};
  s[kEndpointThumbprintMismatch] = {
      "an ESXi endpoint with another certificate", on_lab_host, json::object(),
      cluster_with(
          {{"endpoints",
            {{{"address", kLabAddress},
              {"thumbprint", "11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44"}}}}})};
  s[kEndpointLoginFailed] = {
      "endpointCheck: login, and the ESXi host refuses the Secret's user and password", on_lab_host,
      json{{"endpointCheck", "login"}},
      cluster_with({{"endpoints", {{{"address", kLabAddress}, {"login", "invalid"}}}}})};
  return s;
}

// The denial message or warning that carries `rule`, as the user sees it.
std::string message_for(std::string_view rule, const DocResult& r) {
  const std::string prefix = std::string(rule) + ":";
  if (r.message.rfind(prefix, 0) == 0) return r.message;
  for (const auto& w : r.warnings)
    if (w.rfind(prefix, 0) == 0) return w;
  return "";
}

// The example's verdict, in its own cluster when it has one.
DocResult decide_example(const Scenario& example) {
  json inventory = example_fixture();
  if (example.cluster.is_object()) inventory.update(example.cluster);
  auto fixture = std::make_shared<const Fixture>(parse_fixture(inventory));
  Pipeline pipeline(fixture, parse_policy(example.policy));
  std::unique_ptr<OfflineCluster> cluster = offline_cluster(fixture->cluster, {}, kNamespace);
  return pipeline.run_review(example.review(), "example", cluster.get());
}

}  // namespace

std::vector<RuleExample> rule_examples() {
  auto all = scenarios();
  std::vector<RuleExample> out;
  for (const auto& info : all_rules()) {
    RuleExample ex{info.id, "", ""};
    auto it = all.find(info.id);
    if (it != all.end()) {
      ex.scenario = it->second.text;
      if (it->second.review) ex.message = message_for(info.id, decide_example(it->second));
    }
    out.push_back(std::move(ex));
  }
  return out;
}

}  // namespace hostadm::harness
