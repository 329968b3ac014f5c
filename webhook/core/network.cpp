#include "webhook/core/network.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

#include "webhook/core/text.hpp"

namespace hostadm {

namespace {

constexpr const char* kForms = "write a network like 10.20.0.0/16 or fd00:20::/64";

bool is_v4_mapped(const IpAddress& a) {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return a.family == 6 && std::equal(kPrefix, kPrefix + 12, a.bytes.begin());
}

std::optional<IpAddress> parse_literal(const std::string& text) {
  IpAddress a;
  if (text.find('\0') != std::string::npos) return std::nullopt;
  if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
  } else if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
    a.family = 6;
  } else {
    return std::nullopt;
  }
  return a;
}

int max_prefix(const IpAddress& a) {
  return a.family == 4 ? 32 : 128;
}

IpAddress masked(IpAddress a, int prefix) {
  const int bytes = a.family == 4 ? 4 : 16;
  for (int i = 0; i < bytes; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    a.bytes[i] &= static_cast<uint8_t>(0xff00u >> keep);
  }
  return a;
}

std::string address_text(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf);
  return buf;
}

IpAddress mapped_v4(const IpAddress& a) {
  IpAddress v4;
  v4.family = 4;
  std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
  return v4;
}

// The prefix length after '/': decimal digits without a sign or a leading zero, as ip(8) and
// Kubernetes print it.
std::optional<int> parse_prefix(std::string_view digits) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

[[noreturn]] void refuse(const std::string& text, const std::string& why) {
  throw std::invalid_argument("'" + text::shown_in_message(text) + "' " + why);
}

void refuse_bracketed(const std::string& text) {
  const auto close = text.find(']');
  if (close != std::string::npos) {
    auto inner = parse_literal(text.substr(1, close - 1));
    if (inner && inner->family == 6)
      refuse(text, "has brackets: they belong to an address in a URL, not to a network; write " +
                       address_text(*inner) + text.substr(close + 1));
  }
  refuse(text, std::string("is not an IP network; ") + kForms);
}

}  // namespace

bool IpNetwork::contains(const IpAddress& address) const {
  return address.family == base.family && masked(address, prefix).bytes == base.bytes;
}

IpNetwork parse_network(std::string_view input) {
  const std::string text(input);
  if (text.empty()) throw std::invalid_argument(std::string("an empty network; ") + kForms);
  if (text.front() == '[') refuse_bracketed(text);
  const auto slash = text.find('/');
  if (slash == std::string::npos) {
    if (auto one = parse_literal(text))
      refuse(text, "has no prefix length: write " + text + (one->family == 4 ? "/32" : "/128") +
                       " for this one address, or its network, like " +
                       (one->family == 4 ? "10.20.0.0/16" : "fd00:20::/64"));
    refuse(text, std::string("is not an IP network; ") + kForms);
  }
  auto base = parse_literal(text.substr(0, slash));
  if (!base) refuse(text, std::string("is not an IP network; ") + kForms);
  const auto prefix = parse_prefix(std::string_view(text).substr(slash + 1));
  if (!prefix || *prefix > max_prefix(*base))
    refuse(text, "has a bad prefix length: after the '/' comes a number from 0 to " +
                     std::to_string(max_prefix(*base)) + " (" +
                     (base->family == 4 ? "IPv4" : "IPv6") + "), like " + text.substr(0, slash) +
                     (base->family == 4 ? "/24" : "/64"));
  if (is_v4_mapped(*base)) {
    const std::string v4 = *prefix >= 96
                               ? address_text(mapped_v4(*base)) + "/" + std::to_string(*prefix - 96)
                               : std::string("10.20.0.0/16");
    refuse(text,
           "is an IPv4-mapped IPv6 network: addresses are compared as IPv4, so write the "
           "IPv4 network, like " +
               v4);
  }
  IpNetwork network{masked(*base, *prefix), *prefix};
  if (network.base.bytes != base->bytes)
    refuse(text, "has host bits set: the network of that address is " + to_string(network) +
                     "; write that, or " + text.substr(0, slash) +
                     (base->family == 4 ? "/32" : "/128") + " for the one address");
  return network;
}

std::optional<IpAddress> parse_address(std::string_view input) {
  std::string text(input);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
    auto v6 = parse_literal(text);
    if (!v6 || v6->family != 6) return std::nullopt;
  }
  auto address = parse_literal(text);
  if (address && is_v4_mapped(*address)) return mapped_v4(*address);
  return address;
}

std::string to_string(const IpNetwork& network) {
  return address_text(network.base) + "/" + std::to_string(network.prefix);
}

bool in_any(const std::vector<IpNetwork>& networks, const IpAddress& address) {
  return std::any_of(networks.begin(), networks.end(),
                     [&](const IpNetwork& n) { return n.contains(address); });
}

}  // namespace hostadm
