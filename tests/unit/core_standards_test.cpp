// A namespace's standards against a Host: one row per standard and outcome, each refusal
// naming what is wrong and what to change, and no Secret value in any message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "webhook/core/standards.hpp"

namespace hostadm {
namespace {

using nlohmann::json;

constexpr const char* kAnnotation = "forklift.konveyor.io/network-adapter";

Standards standards(const char* entry_json) {
  json entry = json::parse(entry_json);
  entry["match"] = "*";
  return parse_policy({{"namespaces", {entry}}}).namespaces[0].standards;
}

HostInfo esxi() {
  HostInfo h;
  h.id = "host-10";
  h.name = "esxi-01.example.com";
  h.adapters = {{"Management Network", "192.168.1.10"},
                {"Migration Network", "10.20.0.10"},
                {"Migration Network", "10.20.0.11"},
                {"vmk6", "fd00:20::10"},
                {"Storage", ""}};
  return h;
}

void expect_says(const std::string& message, const std::vector<std::string>& says) {
  EXPECT_FALSE(message.empty()) << "the Host met the standard";
  for (const auto& s : says) EXPECT_NE(message.find(s), std::string::npos) << message;
}

TEST(AllowedProviders, ExactNames) {
  const Standards s = standards(R"({"allowedProviders": ["vsphere-prod", "vsphere-prod-2"]})");
  EXPECT_EQ(check_provider_allowed(s, "prod", "vsphere-prod"), "");
  EXPECT_EQ(check_provider_allowed(s, "prod", "vsphere-prod-2"), "");
  EXPECT_EQ(check_provider_allowed(s, "prod", ""), "");  // provider-missing's to report
  expect_says(check_provider_allowed(s, "prod", "vsphere-dev"),
              {"the provider 'vsphere-dev' is not one namespace 'prod' allows",
               "'vsphere-prod', 'vsphere-prod-2'", "set spec.provider.name"});
  expect_says(check_provider_allowed(s, "prod", "vsphere-pro"), {"'vsphere-pro'"});
  EXPECT_EQ(check_provider_allowed(Standards{}, "prod", "anything"), "");
}

struct AddressRow {
  const char* address;
  const char* from_adapter;
  std::vector<std::string> says;  // empty: allowed
};

TEST(AllowedNetworks, TheFinalAddressGivenOrFilledIn) {
  const Standards s = standards(R"({"allowedNetworks": ["10.20.0.0/16", "fd00:20::/64"]})");
  const std::vector<AddressRow> rows = {
      {"10.20.0.10", "", {}},
      {"[fd00:20::10]", "", {}},
      {"10.20.0.10", "Migration Network", {}},
      {"", "", {}},  // address-missing's to report
      {"192.168.1.10",
       "",
       {"spec.ipAddress '192.168.1.10' is outside the networks namespace 'prod' allows",
        "(10.20.0.0/16, fd00:20::/64)", "give the ESXi host's address on one of them"}},
      {"192.168.1.10",
       "Management Network",
       {"(the IP of the adapter 'Management Network')", "name an adapter whose IP is on one"}},
      {"[fd00:21::1]", "", {"'[fd00:21::1]' is outside"}},
      {"esxi-01.example.com",
       "",
       {"'esxi-01.example.com' is a host name", "allows only addresses in 10.20.0.0/16",
        "a name cannot be checked against networks", "give the ESXi host's IP"}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.address);
    const std::string m = check_address_allowed(s, "prod", r.address, r.from_adapter);
    if (r.says.empty())
      EXPECT_EQ(m, "");
    else
      expect_says(m, r.says);
  }
  EXPECT_EQ(check_address_allowed(Standards{}, "prod", "192.168.1.10", ""), "");
}

TEST(AllowedNetworks, AMessageListsAFewNetworksOnly) {
  json networks = json::array();
  for (int i = 0; i < 40; ++i) networks.push_back("10." + std::to_string(i) + ".0.0/16");
  json entry = {{"allowedNetworks", networks}};
  const Standards s = standards(entry.dump().c_str());
  expect_says(check_address_allowed(s, "prod", "192.168.1.10", ""),
              {"10.0.0.0/16, 10.1.0.0/16", "10.5.0.0/16 and 34 more"});
}

struct AdapterRow {
  const char* name;
  const char* adapter;  // the annotation
  const char* address;
  bool host_known;
  std::vector<std::string> says;  // empty: allowed
};

TEST(AllowedAdapters, TheAnnotationOrTheAdapterCarryingTheIp) {
  const Standards s = standards(R"({"allowedAdapters": ["Migration*", "vmk?"]})");
  const HostInfo host = esxi();
  const std::vector<AdapterRow> rows = {
      {"annotation fits a glob", "Migration Network", "", true, {}},
      {"annotation fits the other glob", "vmk6", "", true, {}},
      {"annotation outside the globs",
       "Management Network",
       "192.168.1.10",
       true,
       {"the adapter 'Management Network' is not among the adapters namespace 'prod' allows",
        "(allowedAdapters: 'Migration*', 'vmk?')",
        std::string("name one of those in the annotation ") + kAnnotation}},
      {"globs are case-sensitive", "migration network", "", true, {"'migration network'"}},
      {"annotation wins over the IP", "Migration Network", "192.168.1.10", true, {}},
      {"only an IP: its adapter fits", "", "10.20.0.11", true, {}},
      {"only an IPv6: its adapter fits", "", "[fd00:20::10]", true, {}},
      {"only an IP: its adapter does not fit",
       "",
       "192.168.1.10",
       true,
       {"spec.ipAddress '192.168.1.10' is the IP of the adapter 'Management Network', which is "
        "not among",
        "use the IP of an allowed adapter"}},
      {"only an IP that no adapter carries (a load balancer)",
       "",
       "192.168.1.100",
       true,
       {"'192.168.1.100' is the IP of no adapter of host 'host-10' (esxi-01.example.com)",
        "cannot be shown to use one of the adapters", "name an allowed adapter"}},
      {"inventory host unknown: nothing to say", "", "192.168.1.10", false, {}},
      {"no address and no annotation: address-missing's", "", "", true, {}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    const std::string m = check_adapter_allowed(s, "prod", kAnnotation, r.adapter, r.address,
                                                r.host_known ? &host : nullptr);
    if (r.says.empty())
      EXPECT_EQ(m, "");
    else
      expect_says(m, r.says);
  }
  EXPECT_EQ(
      check_adapter_allowed(Standards{}, "prod", kAnnotation, "Management Network", "", &host), "");
}

TEST(RequireSecret, OnlyAnExplicitSecret) {
  const Standards s = standards(R"({"requireSecret": true})");
  EXPECT_EQ(check_secret_given(s, "prod", true), "");
  expect_says(check_secret_given(s, "prod", false),
              {"spec.secret is not set, and namespace 'prod' requires", "requireSecret",
               "set spec.secret.name"});
  EXPECT_EQ(check_secret_given(Standards{}, "prod", false), "");
}

TEST(RequireVerifiedTls, AsForkliftParsesInsecureSkipVerify) {
  const Standards s = standards(R"({"requireVerifiedTls": true})");
  const ObjectRef secret{"esxi-creds", "prod"};
  for (const char* yes : {"1", "t", "T", "true", "TRUE", "True"}) {
    SCOPED_TRACE(yes);
    const std::string m = check_verified_tls(s, "prod", secret, std::string_view(yes));
    expect_says(m, {"the Secret 'prod/esxi-creds' turns TLS verification off with its key "
                    "insecureSkipVerify",
                    "requireVerifiedTls", "ca.crt"});
    // The key's name is shown, never its value.
    EXPECT_EQ(m.find("'" + std::string(yes) + "'"), std::string::npos) << m;
  }
  for (const char* no : {"", "0", "false", "f", "yes", "on", "tRUE", " true", "true\n"})
    EXPECT_EQ(check_verified_tls(s, "prod", secret, std::string_view(no)), "") << no;
  EXPECT_EQ(check_verified_tls(s, "prod", secret, std::nullopt), "");
  EXPECT_EQ(check_verified_tls(Standards{}, "prod", secret, std::string_view("true")), "");
}

TEST(Standards, UserValuesInMessagesAreCut) {
  const Standards s = standards(R"({"allowedProviders": ["p"]})");
  const std::string huge(1 << 20, 'x');
  const std::string m = check_provider_allowed(s, "prod", huge);
  EXPECT_LT(m.size(), 1000u);
  EXPECT_NE(m.find("(1048576 bytes)"), std::string::npos);
}

}  // namespace
}  // namespace hostadm
