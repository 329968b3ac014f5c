// Makes the certificates of --manage-certificates: a private CA that only kube-apiserver trusts
// (through the webhook configurations' caBundle), and serving certificates it signs for the
// Service's DNS names. ECDSA P-256 keys, as certs/make-certs.sh and the cert-manager overlay use:
// a key takes well under a millisecond to make (RSA 2048 about a hundred times longer), and every
// kube-apiserver accepts them.
#pragma once

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace hostadm::server {

// A certificate and its private key, PEM.
struct PemPair {
  std::string cert;
  std::string key;
};

// How far before "now" a certificate's notBefore is set, so that a peer whose clock is a little
// behind does not find it "not yet valid" (Kubernetes' own signer backdates as much).
inline constexpr std::chrono::seconds kBackdate{300};

// A self-signed CA: basicConstraints critical CA:TRUE with pathlen 0, keyUsage critical
// keyCertSign and cRLSign, subject and authority key identifiers. Valid from now - kBackdate to
// now + validity. Throws std::runtime_error when OpenSSL fails (it names the step).
PemPair make_ca(const std::string& common_name, std::chrono::seconds validity, std::time_t now);

// A serving certificate signed by `ca`: CN the first DNS name (its first label when longer than
// X.509's 64 characters), subjectAltName every one of them,
// basicConstraints critical CA:FALSE, keyUsage critical digitalSignature, extendedKeyUsage
// serverAuth. Valid from now - kBackdate to now + validity, but never past the CA's notAfter.
// Throws std::runtime_error (a CA that does not parse, or OpenSSL failing).
PemPair issue_serving(const PemPair& ca, const std::vector<std::string>& dns_names,
                      std::chrono::seconds validity, std::time_t now);

}  // namespace hostadm::server
