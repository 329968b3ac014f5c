// An http(s) base URL split for an HTTP client: the Forklift inventory's (--inventory-url), the
// webhook's (host-harness send --webhook) and the Kubernetes API server's; the encoding of the
// names put into such URLs; and what a request to one that got no answer failed on.
#pragma once

#include <string>

namespace httplib {
enum class Error;  // <httplib.h>: only http_url.cpp needs the whole header
}

namespace hostadm {

struct HttpUrl {
  std::string scheme;        // http | https
  std::string host;          // without the brackets of an IPv6 address
  int port = 0;              // 443 or 80 when the URL has none
  std::string prefix;        // the path, without a trailing slash (usually empty)
  std::string base() const;  // scheme://host:port[prefix], for messages
};

inline constexpr const char* kInventoryUrlExample =
    "https://forklift-inventory.openshift-mtv.svc:8443";

// Throws std::invalid_argument "WHAT 'URL' is wrong how; expected https://HOST[:PORT], e.g.
// EXAMPLE": no scheme or another than http(s), no host, a bad port, credentials or a query.
HttpUrl parse_http_url(const std::string& url, const std::string& what = "URL",
                       const std::string& example = kInventoryUrlExample);

// "a b/c" -> "a%20b%2Fc": RFC 3986 unreserved characters kept, everything else percent-encoded;
// for namespaces, uids and names in inventory and Kubernetes API paths and queries.
std::string url_encode(const std::string& s);

// The two causes that depend on whom the client asks: what to check when the CA cannot be loaded
// or the server's certificate is not trusted. Empty: a text that names no one.
struct TransportHints {
  std::string ca_unloadable;  // e.g. "cannot load the CA file 'ca.crt' (check --inventory-ca)"
  std::string untrusted;      // e.g. "the inventory's certificate is not trusted (check ...)"
};

// A short cause for a request that got no answer: "cannot connect (refused or unreachable)".
std::string transport_cause(httplib::Error err, const TransportHints& hints = {});

}  // namespace hostadm
