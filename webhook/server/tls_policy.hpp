// Which TLS versions and cipher suites the webhook accepts: --tls-min-version and
// --tls-cipher-suites, named, spelled and valued like kube-apiserver's flags. TLS 1.2 gets only
// ECDHE key exchange (forward secrecy) with AEAD ciphers; TLS 1.3 suites are all AEAD and, as in
// Go, not configurable. Older versions and weaker suites are refused by name, not silently mapped.
#pragma once

#include <string>
#include <vector>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX, kept out of the settings' header

namespace hostadm::server {

enum class TlsVersion { Tls12, Tls13 };

struct TlsPolicy {
  TlsVersion min_version = TlsVersion::Tls12;
  // IANA names, in the server's order of preference for TLS 1.2; empty: every allowed suite.
  std::vector<std::string> cipher_suites;
};

// "VersionTLS12" | "VersionTLS13"; throws std::invalid_argument naming the allowed values.
TlsVersion parse_tls_min_version(const std::string& text);
// A comma-separated list of IANA names (TLS 1.3 names are accepted and change nothing, as in
// kube-apiserver). Throws std::invalid_argument for an unknown or insecure name, naming the
// allowed ones.
std::vector<std::string> parse_tls_cipher_suites(const std::string& text);
// The settings as a whole: a list without a TLS 1.2 suite needs --tls-min-version VersionTLS13.
// Throws std::invalid_argument.
void check_tls_policy(const TlsPolicy& policy);
// The allowed names, comma-separated, for help and error texts.
std::string allowed_tls_cipher_suites();

// Sets the minimum version and the TLS 1.2 cipher list on ctx; false if OpenSSL refuses them.
bool apply_tls_policy(ssl_ctx_st& ctx, const TlsPolicy& policy);

}  // namespace hostadm::server
