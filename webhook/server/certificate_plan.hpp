// When the self-managed certificates are renewed, decided from what the Secret holds and the time
// alone (no I/O, no clock of its own), so every replica reading the same Secret decides the same.
//
// - The serving certificate is renewed when a third of --certificate-validity is left (a year:
//   about four months before it expires), at once when it is missing, expired, does not match its
//   key, names other DNS names or was signed by no CA of the bundle.
// - The CA lives ten times as long and is renewed when a third of that is left. The new CA goes
//   first into the bundle (ca.crt, the caBundle of the webhooks) next to the old one, which stays
//   until it expires: the serving certificate the old CA signed keeps being trusted. The next
//   serving certificate comes from the new CA, but never within `settle` of the CA's creation, so
//   kube-apiserver has the new bundle before it meets a certificate that needs it.
// - Expired CAs leave the bundle.
#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "webhook/server/x509_pem.hpp"

namespace hostadm::server {

// What the Secret holds, as read and checked by the caller.
struct StoredCertificates {
  std::vector<CertificateFacts> cas;  // ca.crt in order; the first is the one ca.key signs with
  bool ca_key_usable = false;         // ca.key parses and belongs to cas[0]
  std::optional<CertificateFacts> serving;  // tls.crt's first certificate, when tls.key matches
  int serving_issuer = -1;                  // the index in `cas` of the CA that signed it
};

struct CertificatePolicy {
  std::chrono::seconds serving_validity{365 * 24 * 3600};
  std::vector<std::string> dns_names;  // what the serving certificate must name, exactly

  std::chrono::seconds ca_validity() const { return serving_validity * 10; }
  // How long a new CA is in the bundle before a serving certificate is signed with it.
  std::chrono::seconds settle() const;
};

struct CertificatePlan {
  bool new_ca = false;           // make a CA and put it first in the bundle
  bool new_serving = false;      // issue a serving certificate with the first CA of the new bundle
  std::vector<size_t> kept_cas;  // indices into `cas` that stay in the bundle, after a new CA
  bool pruned = false;           // a stored CA leaves the bundle
  std::string reason;            // why the Secret changes, for the log; "" when it does not
  // When to look again if nothing else happens (a renewal falls due, a CA expires).
  std::time_t next_check = 0;

  bool changes_secret() const { return new_ca || new_serving || pruned; }
};

CertificatePlan plan_certificates(const StoredCertificates& stored, const CertificatePolicy& policy,
                                  std::time_t now);

}  // namespace hostadm::server
