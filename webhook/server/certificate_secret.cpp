#include "webhook/server/certificate_secret.hpp"

#include "webhook/core/admission.hpp"
#include "webhook/server/certificate_issuer.hpp"

namespace hostadm::server {
namespace {

std::string data_key(const nlohmann::json& secret, const char* key) {
  const auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return "";
  const auto v = data->find(key);
  if (v == data->end() || !v->is_string()) return "";
  try {
    return base64_decode(v->get<std::string>());
  } catch (const std::invalid_argument&) {
    return "";  // not base64: as good as absent, and replaced by the next write
  }
}

std::vector<X509Ptr> certificates_or_none(const std::string& pem) {
  if (pem.empty()) return {};
  try {
    return read_certificates(pem, "");
  } catch (const PemError&) {
    return {};
  }
}

EvpPkeyPtr key_or_none(const std::string& pem) {
  if (pem.empty()) return nullptr;
  try {
    return read_private_key(pem, "");
  } catch (const PemError&) {
    return nullptr;
  }
}

std::string utc_stamp(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

CertificateSecretData certificate_data_of(const nlohmann::json& secret) {
  return {data_key(secret, kTlsCertKey), data_key(secret, kTlsKeyKey), data_key(secret, kCaCertKey),
          data_key(secret, kCaKeyKey)};
}

nlohmann::json data_json(const CertificateSecretData& d) {
  return {{kTlsCertKey, base64_encode(d.tls_crt)},
          {kTlsKeyKey, base64_encode(d.tls_key)},
          {kCaCertKey, base64_encode(d.ca_crt)},
          {kCaKeyKey, base64_encode(d.ca_key)}};
}

StoredCertificates inspect(const CertificateSecretData& d) {
  StoredCertificates s;
  const std::vector<X509Ptr> cas = certificates_or_none(d.ca_crt);
  for (const auto& ca : cas) s.cas.push_back(facts_of(ca.get()));
  if (const EvpPkeyPtr ca_key = key_or_none(d.ca_key); ca_key && !cas.empty())
    s.ca_key_usable = key_matches(cas.front().get(), ca_key.get());
  const std::vector<X509Ptr> serving = certificates_or_none(d.tls_crt);
  const EvpPkeyPtr key = key_or_none(d.tls_key);
  if (serving.empty() || !key || !key_matches(serving.front().get(), key.get())) return s;
  s.serving = facts_of(serving.front().get());
  for (size_t i = 0; i < cas.size() && s.serving_issuer < 0; ++i)
    if (signed_by(serving.front().get(), cas[i].get())) s.serving_issuer = static_cast<int>(i);
  return s;
}

CertificateSecretData next_content(const CertificateSecretData& d, const CertificatePlan& plan,
                                   const CertificatePolicy& policy, const std::string& ca_name,
                                   std::time_t now) {
  CertificateSecretData out = d;
  const std::vector<X509Ptr> stored_cas = certificates_or_none(d.ca_crt);
  PemPair signer;
  if (plan.new_ca) {
    signer = make_ca(ca_name + " " + utc_stamp(now), policy.ca_validity(), now);
  } else {
    // The plan keeps the signing CA (the first) whenever it makes no new one.
    signer = {to_pem(stored_cas.at(plan.kept_cas.at(0)).get()), d.ca_key};
  }
  out.ca_key = signer.key;
  out.ca_crt = plan.new_ca ? signer.cert : "";
  for (size_t i : plan.kept_cas) out.ca_crt += to_pem(stored_cas.at(i).get());
  if (plan.new_serving) {
    const PemPair serving = issue_serving(signer, policy.dns_names, policy.serving_validity, now);
    out.tls_crt = serving.cert;
    out.tls_key = serving.key;
  }
  return out;
}

}  // namespace hostadm::server
