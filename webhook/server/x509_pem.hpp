// Certificates and keys between PEM text and OpenSSL, and the facts about a certificate that the
// webhook decides on (validity, CA or not, DNS names, who signed it). Shared by the certificate
// store, the self-managed certificates and the inventory CA Secret.
#pragma once

#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace hostadm::server {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Bad PEM: what() names `what` (e.g. "Secret demo/x key tls.crt") and what is wrong with it,
// never the text itself (it may be a private key).
struct PemError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Every certificate in `pem`, in order. Throws PemError when there is none.
std::vector<X509Ptr> read_certificates(std::string_view pem, const std::string& what);
// The first (unencrypted) private key in `pem`. Throws PemError when there is none.
EvpPkeyPtr read_private_key(std::string_view pem, const std::string& what);

std::string to_pem(X509* cert);
std::string to_pem(EVP_PKEY* key);  // PKCS#8, unencrypted

struct CertificateFacts {
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  bool is_ca = false;  // basicConstraints CA:TRUE
  std::vector<std::string> dns_names;
  std::string serial_hex;
  std::string subject;      // one line, "/CN=..."
  std::string fingerprint;  // SHA-256 of the DER, hex: tells certificates apart
};
CertificateFacts facts_of(X509* cert);

// `cert` names `ca` as its issuer and carries a valid signature by `ca`'s key.
bool signed_by(X509* cert, X509* ca);
bool key_matches(X509* cert, EVP_PKEY* key);

}  // namespace hostadm::server
