// spec.ipAddress: what counts as an address, why it does not, and when two are the same.
#include <gtest/gtest.h>

#include "webhook/core/address.hpp"

namespace hostadm {
namespace {

TEST(Address, IpLiterals) {
  for (const char* ok : {"192.168.1.10", "0.0.0.0", "255.255.255.255", "::1", "fd00::14",
                         "2001:db8::8a2e:370:7334", "::ffff:192.168.1.10"})
    EXPECT_TRUE(is_ip_literal(ok)) << ok;
  for (const char* bad : {"", "256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4 ", "fd00::14%eth0",
                          "[::1]", "esxi-01", "1.2.3.4/24", "gggg::1"})
    EXPECT_FALSE(is_ip_literal(bad)) << bad;
}

TEST(Address, DnsNames) {
  for (const char* ok : {"esxi-01.example.com", "localhost", "a", "x1.y2", "ESXI.Example.COM"})
    EXPECT_TRUE(is_dns_name(ok)) << ok;
  std::string long_label(64, 'a');
  for (const std::string& bad :
       {std::string(""), std::string("-esxi.example.com"), std::string("esxi-.example.com"),
        std::string("esxi..example.com"), std::string("esxi_01.example.com"),
        std::string("1.2.3.4"), std::string("999.1.1.1"), long_label + ".com",
        std::string("host.example.com."), std::string(254, 'a')})
    EXPECT_FALSE(is_dns_name(bad)) << bad;
}

TEST(Address, ProblemNamesTheMistake) {
  EXPECT_EQ(address_problem("192.168.1.10", false), "");
  EXPECT_EQ(address_problem("esxi.example.com", true), "");
  EXPECT_NE(address_problem("esxi.example.com", false), "");
  EXPECT_NE(address_problem("https://192.168.1.10", false).find("scheme"), std::string::npos);
  EXPECT_NE(address_problem("192.168.1.10:443", false).find("port"), std::string::npos);
  EXPECT_NE(address_problem("esxi.example.com:443", true).find("port"), std::string::npos);
  EXPECT_NE(address_problem("192.168.1.10/sdk", false).find("path"), std::string::npos);
  EXPECT_NE(address_problem("[fd00::1]:443", false).find("brackets"), std::string::npos);
  EXPECT_NE(address_problem("[fd00::1]:443", false).find("port"), std::string::npos);
  EXPECT_NE(address_problem(" 192.168.1.10", false).find("spaces"), std::string::npos);
  EXPECT_NE(address_problem("1.2.3.4.5", true).find("DNS name"), std::string::npos);
}

// Forklift builds https://<ipAddress>/sdk: only the bracketed form of an IPv6 address works.
TEST(Address, Ipv6MustBeBracketed) {
  EXPECT_EQ(address_problem("[fd00::1]", false), "");
  EXPECT_EQ(address_problem("[2001:db8::8a2e:370:7334]", true), "");
  std::string bare = address_problem("fd00::1", false);
  EXPECT_NE(bare.find("'[fd00::1]'"), std::string::npos) << bare;
  EXPECT_NE(bare.find("https://<ipAddress>/sdk"), std::string::npos) << bare;
  EXPECT_NE(address_problem("fd00::1", true).find("'[fd00::1]'"), std::string::npos);
  for (const char* bad : {"[]", "[192.168.1.10]", "[esxi.example.com]", "[fd00::1", "fd00::1]"})
    EXPECT_NE(address_problem(bad, true), "") << bad;
  EXPECT_EQ(unbracketed("[fd00::1]"), "fd00::1");
  EXPECT_EQ(unbracketed("[192.168.1.10]"), "[192.168.1.10]");
  EXPECT_EQ(unbracketed("192.168.1.10"), "192.168.1.10");
  EXPECT_EQ(spec_address("fd00::14"), "[fd00::14]");
  EXPECT_EQ(spec_address("192.168.1.10"), "192.168.1.10");
  EXPECT_EQ(spec_address(""), "");
}

TEST(Address, SameAddressComparesCanonically) {
  EXPECT_TRUE(same_address("[fd00::14]", "FD00:0:0:0::14"));
  EXPECT_TRUE(same_address("[fd00::14]", "[fd00:0::14]"));
  EXPECT_TRUE(same_address("fd00::14", "FD00:0:0:0::14"));
  EXPECT_TRUE(same_address("::1", "0:0:0:0:0:0:0:1"));
  EXPECT_TRUE(same_address("192.168.1.10", "192.168.1.10"));
  EXPECT_FALSE(same_address("192.168.1.10", "192.168.1.11"));
  EXPECT_FALSE(same_address("192.168.1.10", "::ffff:192.168.1.10"));
  EXPECT_TRUE(same_address("ESXI.example.com", "esxi.example.com"));
  EXPECT_FALSE(same_address("esxi.example.com", "192.168.1.10"));
  EXPECT_FALSE(same_address("", "192.168.1.10"));
}

}  // namespace
}  // namespace hostadm
