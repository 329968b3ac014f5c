// IP networks for the policy's `allowedNetworks`: a CIDR parser whose errors show a valid form,
// and whether spec.ipAddress (as Forklift holds it) lies in one. Pure: inet_pton does no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostadm {

struct IpAddress {
  int family = 0;                   // 4 or 6
  std::array<uint8_t, 16> bytes{};  // an IPv4 address uses the first 4
};

struct IpNetwork {
  IpAddress base;  // host bits are zero
  int prefix = 0;  // 0-32 for IPv4, 0-128 for IPv6

  bool contains(const IpAddress& address) const;
};

// "10.20.0.0/16", "fd00:20::/64". Throws std::invalid_argument saying what is wrong and showing
// the form that works: a prefix length is required, host bits must be zero (the message gives
// the network they belong to), an IPv6 network has no brackets.
IpNetwork parse_network(std::string_view text);

// spec.ipAddress as an address: IPv4, bracketed IPv6 "[fd00::1]" (Forklift's form) or a bare
// IPv6. An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is its IPv4 address, so an IPv4 network
// holds it. nullopt for anything else: a host name is in no network.
std::optional<IpAddress> parse_address(std::string_view text);

// The canonical text: "10.20.0.0/16", "fd00:20::/64".
std::string to_string(const IpNetwork& network);

bool in_any(const std::vector<IpNetwork>& networks, const IpAddress& address);

}  // namespace hostadm
