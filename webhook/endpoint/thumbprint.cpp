#include "webhook/endpoint/thumbprint.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace hostadm::endpoint {

std::string colon_hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(size * 3);
  for (size_t i = 0; i < size; ++i) {
    if (i) out += ':';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0x0f];
  }
  return out;
}

std::string sha1_thumbprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!cert || X509_digest(cert, EVP_sha1(), digest, &size) != 1) return "";
  return colon_hex(digest, size);
}

namespace {

// The hex digits of a thumbprint, upper-cased; false when it holds anything but hex digits,
// colons and spaces.
bool digits_of(std::string_view text, std::string& out) {
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
    out += c;
  }
  return true;
}

}  // namespace

bool same_thumbprint(std::string_view a, std::string_view b) {
  std::string da, db;
  if (!digits_of(a, da) || !digits_of(b, db)) return false;
  return !da.empty() && da == db;
}

}  // namespace hostadm::endpoint
