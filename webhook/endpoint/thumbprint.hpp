// Certificate thumbprints as vSphere writes them: the SHA-1 of the certificate's DER bytes in
// upper-case hex, two digits per byte, separated by colons ("3A:5C:...:18"). The inventory lists
// each host's thumbprint in this form, and Forklift pins the host's TLS connection to it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

typedef struct x509_st X509;

namespace hostadm::endpoint {

// "AA:BB:..." for `size` bytes ("" for none).
std::string colon_hex(const unsigned char* bytes, size_t size);

// The SHA-1 thumbprint of `cert` ("" when it cannot be encoded).
std::string sha1_thumbprint(X509* cert);

// Whether two thumbprints name the same certificate: hex digits compared case-insensitively,
// colons and spaces ignored (an admin may paste "3a5c..." from another tool). Two texts without
// a single hex digit are never the same.
bool same_thumbprint(std::string_view a, std::string_view b);

}  // namespace hostadm::endpoint
