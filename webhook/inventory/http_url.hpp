// An http(s) base URL split for an HTTP client: the Forklift inventory's (--inventory-url) and the
// webhook's (host-harness send --webhook).
#pragma once

#include <string>

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

}  // namespace hostadm
