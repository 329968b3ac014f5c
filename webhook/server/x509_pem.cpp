#include "webhook/server/x509_pem.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace hostadm::server {
namespace {

BioPtr memory_bio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::time_t unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

std::string hex(const unsigned char* p, size_t n) {
  std::string out;
  out.reserve(n * 2);
  char buf[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    out += buf;
  }
  return out;
}

std::vector<std::string> dns_names_of(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = n->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

std::vector<X509Ptr> read_certificates(std::string_view pem, const std::string& what) {
  std::vector<X509Ptr> out;
  BioPtr bio = memory_bio(pem);
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
  ERR_clear_error();  // the end of the text reads as an error
  if (out.empty()) throw PemError(what + " holds no PEM certificate");
  return out;
}

EvpPkeyPtr read_private_key(std::string_view pem, const std::string& what) {
  BioPtr bio = memory_bio(pem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!key) throw PemError(what + " holds no unencrypted PEM private key");
  return key;
}

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return drain(bio.get());
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return drain(bio.get());
}

CertificateFacts facts_of(X509* cert) {
  CertificateFacts f;
  f.not_before = unix_time(X509_get0_notBefore(cert));
  f.not_after = unix_time(X509_get0_notAfter(cert));
  f.is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
  f.dns_names = dns_names_of(cert);
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    char* h = BN_bn2hex(bn);
    f.serial_hex = h ? h : "";
    OPENSSL_free(h);
    BN_free(bn);
  }
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  f.subject = subject;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) == 1) f.fingerprint = hex(md, n);
  return f;
}

bool signed_by(X509* cert, X509* ca) {
  if (X509_check_issued(ca, cert) != X509_V_OK) return false;
  EVP_PKEY* ca_key = X509_get0_pubkey(ca);
  const bool ok = ca_key && X509_verify(cert, ca_key) == 1;
  ERR_clear_error();
  return ok;
}

bool key_matches(X509* cert, EVP_PKEY* key) {
  const bool ok = X509_check_private_key(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace hostadm::server
