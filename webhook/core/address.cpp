#include "webhook/core/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace hostadm {

namespace {

// 16 bytes: room for an in6_addr; an IPv4 address uses the first 4.
struct Parsed {
  int family = 0;
  unsigned char bytes[16] = {};
};

Parsed parse_ip(const std::string& text) {
  Parsed p;
  if (text.find('\0') != std::string::npos) return p;
  if (inet_pton(AF_INET, text.c_str(), p.bytes) == 1) {
    p.family = AF_INET;
  } else if (inet_pton(AF_INET6, text.c_str(), p.bytes) == 1) {
    p.family = AF_INET6;
  }
  return p;
}

bool is_label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
}

}  // namespace

bool is_ip_literal(const std::string& text) {
  return parse_ip(text).family != 0;
}

bool is_dns_name(const std::string& text) {
  if (text.empty() || text.size() > 253) return false;
  size_t start = 0;
  std::string last;
  while (true) {
    size_t dot = text.find('.', start);
    std::string label =
        text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), is_label_char)) return false;
    last = label;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return !std::all_of(last.begin(), last.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string unbracketed(const std::string& text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    std::string inner = text.substr(1, text.size() - 2);
    if (parse_ip(inner).family == AF_INET6) return inner;
  }
  return text;
}

std::string spec_address(const std::string& ip) {
  // Every IPv6 address has a ':'; most adapters' do not, and need no parsing.
  if (ip.find(':') == std::string::npos) return ip;
  return parse_ip(ip).family == AF_INET6 ? "[" + ip + "]" : ip;
}

std::string address_problem(const std::string& text, bool allow_hostnames) {
  if (parse_ip(text).family == AF_INET) return "";
  if (unbracketed(text) != text) return "";  // [v6]
  if (allow_hostnames && is_dns_name(text)) return "";
  if (parse_ip(text).family == AF_INET6)
    return "is a bare IPv6 address: Forklift connects to https://<ipAddress>/sdk, and that URL "
           "needs the IPv6 address in brackets (without them the Host never becomes Ready); "
           "write it as '[" +
           text + "]'";
  const std::string expected = std::string("is not an IPv4 address, a bracketed IPv6 address") +
                               (allow_hostnames ? " or a DNS name" : "") +
                               " (like 192.168.1.10 or [fd00::10])";
  if (text.find("://") != std::string::npos)
    return expected + ": drop the scheme (Forklift adds https:// and /sdk itself)";
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }))
    return expected + ": remove the spaces";
  if (text.find('/') != std::string::npos) return expected + ": drop the path or prefix length";
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close != std::string::npos && close + 1 < text.size() && text[close + 1] == ':' &&
        unbracketed(text.substr(0, close + 1)) != text.substr(0, close + 1))
      return expected + ": drop the port (keep the brackets: " + text.substr(0, close + 1) + ")";
    return expected;
  }
  auto colon = text.rfind(':');
  if (colon != std::string::npos && text.find(':') == colon &&
      (is_ip_literal(text.substr(0, colon)) || is_dns_name(text.substr(0, colon))))
    return expected + ": drop the port";
  return expected;
}

bool same_address(const std::string& a_text, const std::string& b_text) {
  const std::string a = unbracketed(a_text), b = unbracketed(b_text);
  Parsed pa = parse_ip(a);
  Parsed pb = parse_ip(b);
  if (pa.family != 0 && pb.family != 0) {
    return pa.family == pb.family && std::memcmp(pa.bytes, pb.bytes, sizeof pa.bytes) == 0;
  }
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace hostadm
