// spec.ipAddress as the endpoint check dials it: the forms Forklift can form a URL from, and
// clear refusals of the rest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "webhook/endpoint/target.hpp"

namespace hostadm::endpoint {
namespace {

using testing::HasSubstr;

struct Case {
  const char* address;
  int port;
  const char* host;
  bool is_name;
  const char* authority;
  const char* shown;
};

TEST(TargetTest, ParsesTheAddressFormsForkliftDials) {
  const Case cases[] = {
      {"10.0.0.21", 443, "10.0.0.21", false, "10.0.0.21", "10.0.0.21:443"},
      {"10.0.0.21", 8443, "10.0.0.21", false, "10.0.0.21:8443", "10.0.0.21:8443"},
      {"[fd00::21]", 443, "fd00::21", false, "[fd00::21]", "[fd00::21]:443"},
      {"[::1]", 9443, "::1", false, "[::1]:9443", "[::1]:9443"},
      {"esx-01.example.com", 443, "esx-01.example.com", true, "esx-01.example.com",
       "esx-01.example.com:443"},
  };
  for (const Case& c : cases) {
    Target t;
    std::string error;
    ASSERT_TRUE(parse_target(c.address, c.port, t, error)) << c.address << ": " << error;
    EXPECT_EQ(t.host, c.host) << c.address;
    EXPECT_EQ(t.is_name, c.is_name) << c.address;
    EXPECT_EQ(t.port, c.port) << c.address;
    EXPECT_EQ(t.authority, c.authority) << c.address;
    EXPECT_EQ(t.shown, c.shown) << c.address;
  }
}

TEST(TargetTest, RefusesWhatCannotBeDialledAndSaysWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"fd00::21", "write it in brackets: '[fd00::21]'"},
      {"https://10.0.0.21/sdk", "is not an IPv4 address, a bracketed IPv6 address or a DNS name"},
      {"10.0.0.21:443", "is not an IPv4 address"},
      {"", "is not an IPv4 address"},
      {"[10.0.0.21]", "is not an IPv4 address"},
      {"esx 01", "is not an IPv4 address"},
  };
  for (const auto& [address, why] : cases) {
    Target t;
    std::string error;
    EXPECT_FALSE(parse_target(address, 443, t, error)) << address;
    EXPECT_THAT(error, HasSubstr(why)) << address;
  }
  Target t;
  std::string error;
  EXPECT_FALSE(parse_target("10.0.0.21", 0, t, error));
  EXPECT_THAT(error, HasSubstr("port 0 is not a TCP port"));
}

TEST(TargetTest, ResolvesALiteralWithoutAskingAnyone) {
  Target t;
  std::string error;
  ASSERT_TRUE(parse_target("[::1]", 443, t, error));
  const Resolved r = resolve(t, SteadyClock::now());  // a deadline already past: no lookup waits
  ASSERT_EQ(r.addresses.size(), 1u) << r.error;
  EXPECT_EQ(r.addresses[0].storage.ss_family, AF_INET6);
}

}  // namespace
}  // namespace hostadm::endpoint
