// The content of the self-managed certificates' Secret: read into the facts the plan decides on,
// and the next content a plan asks for (new keys and certificates made here). No I/O.
//
// Keys, as cert-manager and kubernetes.io/tls Secrets name them, plus the CA's key:
//   tls.crt, tls.key  the serving certificate and its key
//   ca.crt            the CA bundle kube-apiserver trusts: the CA that signs, first, then older
//                     ones until they expire
//   ca.key            the key of the first CA of ca.crt
#pragma once

#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "webhook/server/certificate_plan.hpp"

namespace hostadm::server {

inline constexpr const char* kTlsCertKey = "tls.crt";
inline constexpr const char* kTlsKeyKey = "tls.key";
inline constexpr const char* kCaCertKey = "ca.crt";
inline constexpr const char* kCaKeyKey = "ca.key";

struct CertificateSecretData {
  std::string tls_crt, tls_key, ca_crt, ca_key;  // PEM; "" when absent

  bool operator==(const CertificateSecretData& o) const {
    return tls_crt == o.tls_crt && tls_key == o.tls_key && ca_crt == o.ca_crt && ca_key == o.ca_key;
  }
};

// A Secret object's four keys (base64 in `data`); a key that is absent or not base64 reads "".
CertificateSecretData certificate_data_of(const nlohmann::json& secret);
// The `data` object holding `d` (base64), for a create or a patch.
nlohmann::json data_json(const CertificateSecretData& d);

// What the plan needs to know. Text that does not parse counts as absent.
StoredCertificates inspect(const CertificateSecretData& d);

// The content after `plan`: a new CA first when it asks for one, then the CAs it keeps; a serving
// certificate signed by that first CA when it asks for one, else the stored pair. `ca_name` is
// the common name for a new CA (a time is appended, so that CAs are told apart by name).
// Throws std::runtime_error when OpenSSL cannot make a key or a certificate.
CertificateSecretData next_content(const CertificateSecretData& d, const CertificatePlan& plan,
                                   const CertificatePolicy& policy, const std::string& ca_name,
                                   std::time_t now);

}  // namespace hostadm::server
