#include "webhook/server/certificate_issuer.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "webhook/server/x509_pem.hpp"

namespace hostadm::server {
namespace {

[[noreturn]] void fail(const char* step) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "unknown error";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  throw std::runtime_error(std::string("cannot make a certificate: ") + step + " failed (" + buf +
                           ")");
}

EvpPkeyPtr new_p256_key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("generating an ECDSA P-256 key");
  return key;
}

// 128 random bits, positive: RFC 5280 asks for at most 20 octets and unpredictable serials.
void set_random_serial(X509* cert) {
  BIGNUM* bn = BN_new();
  if (!bn || BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert))) {
    BN_free(bn);
    fail("choosing a serial number");
  }
  BN_free(bn);
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (!ext || X509_add_ext(cert, ext, -1) != 1) {
    X509_EXTENSION_free(ext);
    fail("adding an extension");
  }
  X509_EXTENSION_free(ext);
}

// A version 3 certificate for `key` named `common_name`, valid from now - kBackdate to not_after;
// the issuer and the extensions are the caller's.
X509Ptr new_certificate(EVP_PKEY* key, const std::string& common_name, std::time_t now,
                        std::time_t not_after) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) fail("creating a certificate");
  set_random_serial(cert.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1)
    fail("setting the subject");
  if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()), now - kBackdate.count()) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after))
    fail("setting the validity");
  if (X509_set_pubkey(cert.get(), key) != 1) fail("setting the public key");
  return cert;
}

void sign(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) fail("signing");
}

}  // namespace

PemPair make_ca(const std::string& common_name, std::chrono::seconds validity, std::time_t now) {
  EvpPkeyPtr key = new_p256_key();
  X509Ptr cert = new_certificate(key.get(), common_name, now, now + validity.count());
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1)
    fail("setting the issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), key.get());
  return {to_pem(cert.get()), to_pem(key.get())};
}

PemPair issue_serving(const PemPair& ca, const std::vector<std::string>& dns_names,
                      std::chrono::seconds validity, std::time_t now) {
  if (dns_names.empty()) throw std::invalid_argument("a serving certificate needs a DNS name");
  const std::vector<X509Ptr> ca_certs = read_certificates(ca.cert, "the CA certificate");
  X509* ca_cert = ca_certs.front().get();
  const EvpPkeyPtr ca_key = read_private_key(ca.key, "the CA key");
  // A certificate must not outlive its issuer: past the CA's notAfter no client would accept it.
  const std::time_t not_after = std::min(now + validity.count(), facts_of(ca_cert).not_after);

  // X.509 allows 64 characters of CN; a longer name is still in the subjectAltName, which is
  // what clients check, and the CN is the Service's name alone.
  const std::string& first = dns_names.front();
  const std::string cn = first.size() <= 64 ? first : first.substr(0, first.find('.'));
  EvpPkeyPtr key = new_p256_key();
  X509Ptr cert = new_certificate(key.get(), cn, now, not_after);
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert)) != 1)
    fail("setting the issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, ca_cert, cert.get(), nullptr, nullptr, 0);
  std::string san;
  for (const auto& n : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
  add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), ca_key.get());
  return {to_pem(cert.get()), to_pem(key.get())};
}

}  // namespace hostadm::server
