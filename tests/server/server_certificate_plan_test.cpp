// The self-managed certificates without a cluster: what the issuer makes (names, validity, key
// usage, CA constraints), when the plan renews what (with the clock given), and a run over
// decades of simulated time in which kube-apiserver, trusting the Secret's ca.crt, never meets a
// serving certificate it cannot verify.
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include "webhook/core/admission.hpp"
#include "webhook/server/certificate_issuer.hpp"
#include "webhook/server/certificate_plan.hpp"
#include "webhook/server/certificate_secret.hpp"

namespace hostadm::server {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr std::time_t kStart = 1'900'000'000;  // 2030-03-17
constexpr std::time_t kDay = 24 * 3600;
const std::vector<std::string> kNames = {"host-webhook.team.svc",
                                         "host-webhook.team.svc.cluster.local"};

CertificatePolicy policy(seconds validity = hours(24 * 365)) {
  CertificatePolicy p;
  p.serving_validity = validity;
  p.dns_names = kNames;
  return p;
}

X509Ptr first_cert(const std::string& pem) {
  return std::move(read_certificates(pem, "test").front());
}

// The extension `nid` of `cert` as OpenSSL prints it, and whether it is critical.
std::pair<std::string, bool> extension(X509* cert, int nid) {
  const int at = X509_get_ext_by_NID(cert, nid, -1);
  if (at < 0) return {"", false};
  X509_EXTENSION* ext = X509_get_ext(cert, at);
  BIO* bio = BIO_new(BIO_s_mem());
  X509V3_EXT_print(bio, ext, 0, 0);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(n));
  BIO_free(bio);
  return {text, X509_EXTENSION_get_critical(ext) == 1};
}

// What kube-apiserver does with the caBundle: verify `leaf` for `host` at time `at`.
bool verifies(const std::string& bundle_pem, const std::string& leaf_pem, const std::string& host,
              std::time_t at) {
  X509_STORE* store = X509_STORE_new();
  for (auto& ca : read_certificates(bundle_pem, "bundle")) X509_STORE_add_cert(store, ca.get());
  X509Ptr leaf = first_cert(leaf_pem);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.get(), nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_time(param, at);
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

TEST(CertificateIssuer, CaIsAConstrainedSelfSignedP256Ca) {
  const PemPair ca = make_ca("test CA", hours(10), kStart);
  X509Ptr cert = first_cert(ca.cert);
  const CertificateFacts f = facts_of(cert.get());
  EXPECT_TRUE(f.is_ca);
  EXPECT_EQ(f.not_before, kStart - kBackdate.count());
  EXPECT_EQ(f.not_after, kStart + 10 * 3600);
  EXPECT_EQ(f.subject, "/CN=test CA");
  EXPECT_TRUE(signed_by(cert.get(), cert.get()));
  EXPECT_EQ(extension(cert.get(), NID_basic_constraints),
            std::make_pair(std::string("CA:TRUE, pathlen:0"), true));
  EXPECT_EQ(extension(cert.get(), NID_key_usage),
            std::make_pair(std::string("Certificate Sign, CRL Sign"), true));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  char group[64] = "";
  EVP_PKEY_get_group_name(key, group, sizeof group, nullptr);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_TRUE(key_matches(cert.get(), read_private_key(ca.key, "key").get()));
}

TEST(CertificateIssuer, ServingCertificateNamesTheServiceAndServesOnly) {
  const PemPair ca = make_ca("test CA", hours(100), kStart);
  const PemPair serving = issue_serving(ca, kNames, hours(10), kStart);
  X509Ptr cert = first_cert(serving.cert);
  const CertificateFacts f = facts_of(cert.get());
  EXPECT_FALSE(f.is_ca);
  EXPECT_EQ(f.dns_names, kNames);
  EXPECT_EQ(f.subject, "/CN=host-webhook.team.svc");
  EXPECT_EQ(f.not_after, kStart + 10 * 3600);
  EXPECT_EQ(extension(cert.get(), NID_basic_constraints),
            std::make_pair(std::string("CA:FALSE"), true));
  EXPECT_EQ(extension(cert.get(), NID_key_usage),
            std::make_pair(std::string("Digital Signature"), true));
  EXPECT_EQ(extension(cert.get(), NID_ext_key_usage).first, "TLS Web Server Authentication");
  EXPECT_TRUE(signed_by(cert.get(), first_cert(ca.cert).get()));
  for (const auto& name : kNames) EXPECT_TRUE(verifies(ca.cert, serving.cert, name, kStart));
  EXPECT_FALSE(verifies(ca.cert, serving.cert, "other.team.svc", kStart));
  EXPECT_FALSE(verifies(ca.cert, serving.cert, kNames[0], kStart + 11 * 3600));  // expired
  // Never past its CA: no client would accept it then.
  const PemPair late = issue_serving(ca, kNames, hours(1000), kStart);
  EXPECT_EQ(facts_of(first_cert(late.cert).get()).not_after, kStart + 100 * 3600);
  EXPECT_NE(facts_of(first_cert(late.cert).get()).serial_hex, f.serial_hex);
}

// The Secret after one plan at `now`, as a replica writes it.
CertificateSecretData step(const CertificateSecretData& d, const CertificatePolicy& p,
                           std::time_t now, CertificatePlan* out = nullptr) {
  const CertificatePlan plan = plan_certificates(inspect(d), p, now);
  if (out) *out = plan;
  return plan.changes_secret() ? next_content(d, plan, p, "host-webhook CA", now) : d;
}

TEST(CertificatePlan, AnEmptySecretGetsACaAndASigningCertificateAtOnce) {
  CertificatePlan plan;
  const CertificateSecretData d = step({}, policy(), kStart, &plan);
  EXPECT_TRUE(plan.new_ca && plan.new_serving) << plan.reason;
  EXPECT_NE(plan.reason.find("no CA yet"), std::string::npos) << plan.reason;
  const StoredCertificates s = inspect(d);
  ASSERT_EQ(s.cas.size(), 1u);
  EXPECT_TRUE(s.ca_key_usable);
  ASSERT_TRUE(s.serving);
  EXPECT_EQ(s.serving_issuer, 0);
  EXPECT_TRUE(verifies(d.ca_crt, d.tls_crt, kNames[1], kStart));
  // Read back, the same content plans nothing more.
  EXPECT_FALSE(plan_certificates(s, policy(), kStart).changes_secret());
}

TEST(CertificatePlan, ServingRenewsWhenAThirdOfItsValidityIsLeft) {
  const CertificatePolicy p = policy(seconds(9000));
  const CertificateSecretData d = step({}, p, kStart);
  const std::time_t due = kStart + 6000;
  const CertificatePlan before = plan_certificates(inspect(d), p, due - 1);
  EXPECT_FALSE(before.changes_secret()) << before.reason;
  EXPECT_EQ(before.next_check, due);
  CertificatePlan at;
  const CertificateSecretData renewed = step(d, p, due, &at);
  EXPECT_TRUE(at.new_serving);
  EXPECT_FALSE(at.new_ca);
  EXPECT_NE(renewed.tls_crt, d.tls_crt);
  EXPECT_EQ(renewed.ca_crt, d.ca_crt);
  EXPECT_EQ(renewed.ca_key, d.ca_key);
}

TEST(CertificatePlan, WhatCannotBeServedIsReplacedAtOnce) {
  const CertificatePolicy p = policy();
  const CertificateSecretData d = step({}, p, kStart);
  CertificateSecretData other_key = d;
  other_key.tls_key = step({}, p, kStart).tls_key;  // a half-written rotation
  CertificatePolicy renamed = p;
  renamed.dns_names = {"acme-host-webhook.team.svc", "acme-host-webhook.team.svc.cluster.local"};
  CertificateSecretData foreign = d;
  foreign.ca_crt = step({}, p, kStart).ca_crt;  // the serving certificate's CA left the bundle
  foreign.ca_key = step({}, p, kStart).ca_key;
  for (const auto& [what, data, pol] :
       {std::tuple{"key of another certificate", other_key, p},
        std::tuple{"Service renamed", d, renamed}, std::tuple{"CA not in the bundle", foreign, p},
        std::tuple{"expired", d, p}}) {
    const std::time_t at = std::string(what) == "expired" ? kStart + 400 * kDay : kStart + 1;
    const CertificatePlan plan = plan_certificates(inspect(data), pol, at);
    EXPECT_TRUE(plan.new_serving) << what;
  }
  EXPECT_NE(plan_certificates(inspect(d), renamed, kStart).reason.find("DNS names"),
            std::string::npos);
}

TEST(CertificatePlan, CaRotationKeepsTheOldCaUntilItExpiresAndSettlesBeforeSigning) {
  const CertificatePolicy p = policy(seconds(600));  // serving 10 min, CA 100 min
  CertificateSecretData d = step({}, p, kStart);
  // Renew the serving certificate on schedule until the CA is due (two thirds of 100 min).
  std::time_t now = kStart;
  CertificatePlan plan;
  do {
    now = plan_certificates(inspect(d), p, now).next_check;
    d = step(d, p, now, &plan);
  } while (!plan.new_ca);
  EXPECT_NE(plan.reason.find("the CA expires"), std::string::npos) << plan.reason;
  EXPECT_FALSE(plan.new_serving) << "the serving certificate was fine; it must wait for the bundle";
  StoredCertificates s = inspect(d);
  ASSERT_EQ(s.cas.size(), 2u);
  EXPECT_EQ(s.serving_issuer, 1);  // still the old CA's, which stays trusted
  EXPECT_TRUE(verifies(d.ca_crt, d.tls_crt, kNames[0], now));

  // Its next renewal is signed by the new CA, not before the new CA settled.
  const std::time_t ca_added = s.cas[0].not_before + kBackdate.count();
  const std::time_t renewal = plan_certificates(s, p, now).next_check;
  d = step(d, p, renewal, &plan);
  ASSERT_TRUE(plan.new_serving);
  EXPECT_GE(renewal, ca_added + p.settle().count());
  EXPECT_EQ(inspect(d).serving_issuer, 0);

  // The old CA leaves the bundle when it expires, not before.
  const std::time_t old_ca_end = s.cas[1].not_after;
  EXPECT_EQ(inspect(step(d, p, old_ca_end - 1)).cas.size(), 2u);
  CertificatePlan prune;
  EXPECT_EQ(inspect(step(d, p, old_ca_end, &prune)).cas.size(), 1u);
  EXPECT_TRUE(prune.pruned);
}

TEST(CertificatePlan, ALoweredValidityIsFollowedAtTheNextCheck) {
  const CertificatePolicy shorter = policy(hours(24 * 90));
  CertificateSecretData d = step({}, policy(hours(24 * 365)), kStart);
  const std::time_t now = kStart + 60;
  CertificatePlan plan;
  d = step(d, shorter, now, &plan);
  EXPECT_TRUE(plan.new_ca) << plan.reason;
  EXPECT_FALSE(plan.new_serving) << "the one served is valid: it waits for the new CA to settle";
  const CertificatePlan next = plan_certificates(inspect(d), shorter, now);
  EXPECT_EQ(next.next_check, now + shorter.settle().count());
  EXPECT_TRUE(plan_certificates(inspect(d), shorter, next.next_check).new_serving);
}

// Decades of a webhook's life, looking whenever the plan says and every `step_size` besides: at
// every moment the served pair verifies against the bundle the webhooks carry, for both names.
void live(const CertificatePolicy& p, std::time_t step_size, std::time_t span) {
  CertificateSecretData d = step({}, p, kStart);
  std::time_t now = kStart;
  int cas = 1, renewals = 0;
  while (now < kStart + span) {
    const CertificatePlan plan = plan_certificates(inspect(d), p, now);
    const std::time_t next = std::min(plan.next_check, now + step_size);
    ASSERT_GT(next, now);
    now = next;
    const CertificateSecretData before = d;
    CertificatePlan done;
    d = step(d, p, now, &done);
    cas += done.new_ca;
    renewals += done.new_serving;
    // Until the new caBundle is written, kube-apiserver still has the one of `before`.
    ASSERT_TRUE(verifies(before.ca_crt, d.tls_crt, kNames[0], now))
        << "at +" << (now - kStart) << "s: " << done.reason;
    ASSERT_TRUE(verifies(d.ca_crt, d.tls_crt, kNames[1], now)) << "at +" << (now - kStart);
    ASSERT_LE(inspect(d).cas.size(), 3u);
  }
  EXPECT_GE(cas, 3) << "the run should have seen two CA rotations";
  EXPECT_GE(renewals, 3);
}

TEST(CertificatePlan, TwentyYearsWithTheDefaultValidityNeverServeAnUntrustedCertificate) {
  live(policy(), 30 * kDay, 20 * 365 * kDay);  // two CA rotations, about 30 renewals
}

TEST(CertificatePlan, AShortValidityAsTestsUseItBehavesTheSame) {
  live(policy(seconds(6)), 1, 150);
}

TEST(CertificateSecret, DataRoundTripsThroughTheSecretObject) {
  const CertificateSecretData d = step({}, policy(), kStart);
  const nlohmann::json secret = {{"data", data_json(d)}};
  EXPECT_EQ(certificate_data_of(secret), d);
  EXPECT_EQ(secret["data"]["ca.crt"], base64_encode(d.ca_crt));
  const nlohmann::json broken = {{"data", {{"tls.crt", "not base64!"}, {"ca.key", 7}}}};
  EXPECT_EQ(certificate_data_of(broken), CertificateSecretData{});
  EXPECT_EQ(certificate_data_of(nlohmann::json::object()), CertificateSecretData{});
}

}  // namespace
}  // namespace hostadm::server
