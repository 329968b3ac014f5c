// allowedNetworks: CIDR parsing (every refusal shows a form that works) and whether an address,
// written as spec.ipAddress holds it, lies in a network.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "webhook/core/network.hpp"

namespace hostadm {
namespace {

struct GoodNetwork {
  const char* text;
  const char* canonical;
};

TEST(ParseNetwork, AcceptsIpv4AndIpv6InCanonicalForm) {
  for (const auto& g : std::vector<GoodNetwork>{{"10.20.0.0/16", "10.20.0.0/16"},
                                                {"0.0.0.0/0", "0.0.0.0/0"},
                                                {"192.168.1.10/32", "192.168.1.10/32"},
                                                {"fd00:20::/64", "fd00:20::/64"},
                                                {"FD00:0020:0:0::/64", "fd00:20::/64"},
                                                {"::/0", "::/0"},
                                                {"::1/128", "::1/128"},
                                                {"2001:db8::/32", "2001:db8::/32"}}) {
    SCOPED_TRACE(g.text);
    EXPECT_EQ(to_string(parse_network(g.text)), g.canonical);
  }
}

struct BadNetwork {
  const char* text;
  std::vector<std::string> says;  // what is wrong, and the form that works
};

TEST(ParseNetwork, RefusesWithTheFormThatWorks) {
  const std::vector<BadNetwork> cases = {
      {"", {"empty", "10.20.0.0/16"}},
      {"10.20.0.5", {"no prefix length", "10.20.0.5/32", "10.20.0.0/16"}},
      {"fd00::5", {"no prefix length", "fd00::5/128"}},
      {"10.20.1.5/16", {"host bits set", "10.20.0.0/16", "10.20.1.5/32"}},
      {"fd00:20::1/64", {"host bits set", "fd00:20::/64", "fd00:20::1/128"}},
      {"10.20.0.0/33", {"bad prefix length", "0 to 32", "10.20.0.0/24"}},
      {"fd00::/129", {"bad prefix length", "0 to 128"}},
      {"10.20.0.0/", {"bad prefix length"}},
      {"10.20.0.0/-1", {"bad prefix length"}},
      {"10.20.0.0/016", {"bad prefix length"}},
      {"10.20.0.0/16/8", {"bad prefix length"}},
      {"10.20.0/16", {"not an IP network", "10.20.0.0/16 or fd00:20::/64"}},
      {"010.20.0.0/16", {"not an IP network"}},
      {"prod-network", {"not an IP network"}},
      {"[fd00:20::]/64", {"brackets", "fd00:20::/64"}},
      {"[prod]/64", {"not an IP network"}},
      {"fe80::%eth0/64", {"not an IP network"}},
      {"::ffff:10.20.0.0/112", {"IPv4-mapped", "10.20.0.0/16"}},
      {" 10.20.0.0/16", {"not an IP network"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      parse_network(c.text);
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      for (const auto& s : c.says)
        EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what();
    }
  }
}

struct Containment {
  const char* network;
  const char* address;  // as spec.ipAddress holds it
  bool inside;
};

TEST(NetworkContains, AddressesAsSpecIpAddressHoldsThem) {
  const std::vector<Containment> cases = {
      {"10.20.0.0/16", "10.20.0.1", true},
      {"10.20.0.0/16", "10.20.255.255", true},
      {"10.20.0.0/16", "10.21.0.1", false},
      {"10.20.0.0/15", "10.21.0.1", true},  // a prefix that is not a multiple of 8
      {"10.20.0.0/15", "10.22.0.1", false},
      {"192.168.1.10/32", "192.168.1.10", true},
      {"192.168.1.10/32", "192.168.1.11", false},
      {"0.0.0.0/0", "203.0.113.7", true},
      {"0.0.0.0/0", "[fd00::1]", false},  // families never mix
      {"::/0", "10.0.0.1", false},
      {"fd00:20::/64", "[fd00:20::21]", true},  // Forklift's bracketed form
      {"fd00:20::/64", "fd00:20::21", true},    // a bare one too
      {"fd00:20::/64", "[FD00:20:0:0::21]", true},
      {"fd00:20::/64", "[fd00:21::21]", false},
      {"fd00:20::/60", "[fd00:20:0:f::1]", true},
      {"fd00:20::/60", "[fd00:20:0:10::1]", false},
      {"10.20.0.0/16", "[::ffff:10.20.0.1]", true},  // IPv4-mapped: its IPv4 address
      {"10.20.0.0/16", "esxi-01.example.com", false},
      {"127.0.0.0/8", "127.0.0.1", true},
      {"::1/128", "[::1]", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.network) + " " + c.address);
    const auto address = parse_address(c.address);
    const bool inside = address && parse_network(c.network).contains(*address);
    EXPECT_EQ(inside, c.inside);
  }
}

TEST(ParseAddress, OnlyAddressesAreAddresses) {
  for (const char* text : {"10.0.0.1", "[fd00::1]", "fd00::1", "[::ffff:10.0.0.1]"})
    EXPECT_TRUE(parse_address(text).has_value()) << text;
  for (const char* text : {"", "esxi-01.example.com", "[10.0.0.1]", "[]", "10.0.0.1:443",
                           "https://10.0.0.1", "10.0.0.1/32", "[fd00::1]:443", "fd00::1]"})
    EXPECT_FALSE(parse_address(text).has_value()) << text;
}

TEST(InAny, SomeNetworkHoldsTheAddress) {
  const std::vector<IpNetwork> networks = {parse_network("10.20.0.0/16"),
                                           parse_network("fd00:20::/64")};
  EXPECT_TRUE(in_any(networks, *parse_address("10.20.3.4")));
  EXPECT_TRUE(in_any(networks, *parse_address("[fd00:20::9]")));
  EXPECT_FALSE(in_any(networks, *parse_address("10.30.3.4")));
  EXPECT_FALSE(in_any({}, *parse_address("10.20.3.4")));
}

}  // namespace
}  // namespace hostadm
