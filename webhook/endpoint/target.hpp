// Where a probe dials: spec.ipAddress as Forklift uses it in https://<ipAddress>/sdk (an IPv4
// literal, a bracketed IPv6 literal, or a DNS name where the policy allows names), turned into
// socket addresses by a deadline.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "webhook/core/clock.hpp"

namespace hostadm::endpoint {

struct Target {
  std::string host;      // what is dialled: an IP literal without brackets, or a DNS name
  bool is_name = false;  // SNI is sent for a name only (RFC 6066 allows no IP literal there)
  int port = 443;
  std::string authority;  // the Host header: "10.0.0.1", "[fd00::1]:8443", "esx-01.example.com"
  std::string shown;      // in messages: "10.0.0.1:443", "[fd00::1]:443"
};

// Parses `address`; on failure returns false and says in `error` why, quoting the address.
bool parse_target(std::string_view address, int port, Target& out, std::string& error);

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t size = 0;
};

struct Resolved {
  std::vector<SocketAddress> addresses;  // in the resolver's order; empty on failure
  std::string error;                     // why there are none
  bool timed_out = false;                // the name was not resolved by the deadline
};

// An IP literal at once; a name with getaddrinfo on a thread of its own, waited for until
// `deadline`. A lookup that outlives the deadline finishes in the background, bounded by the
// resolver's own timeouts (resolv.conf); at most 16 run at a time, and a lookup past that cap
// fails at once rather than queue.
Resolved resolve(const Target& target, Deadline deadline);

}  // namespace hostadm::endpoint
