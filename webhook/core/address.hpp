// spec.ipAddress validation and comparison. Pure string work (inet_pton parses, it does no I/O),
// so it lives in the core.
#pragma once

#include <string>

namespace hostadm {

bool is_ip_literal(const std::string& text);
// RFC 1123 host name: dot-separated labels of [A-Za-z0-9-], 1-63 chars each, no leading or
// trailing '-', 253 chars in all, and a last label that is not all digits (that is a bad IP).
bool is_dns_name(const std::string& text);

// Why `text` is not usable as spec.ipAddress ("" when it is). Forklift connects to
// https://<ipAddress>/sdk, so an IPv6 address must be written in brackets ([fd00::1]); a bare one
// is refused with the bracketed form shown. The reason names what to drop (scheme, port, path,
// spaces), because those are the usual copy-paste mistakes.
std::string address_problem(const std::string& text, bool allow_hostnames);

// "[fd00::1]" -> "fd00::1"; anything else unchanged.
std::string unbracketed(const std::string& text);
// An inventory adapter address as spec.ipAddress holds it: an IPv6 one in brackets.
std::string spec_address(const std::string& ip);

// Equal as addresses, brackets aside: "::1", "[0:0::1]" match; non-IP text compares as strings
// (case-insensitively, as DNS names do).
bool same_address(const std::string& a, const std::string& b);

}  // namespace hostadm
