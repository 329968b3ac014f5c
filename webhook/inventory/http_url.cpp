#include "webhook/inventory/http_url.hpp"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include <httplib.h>

namespace hostadm {

std::string HttpUrl::base() const {
  return scheme + "://" + host + ":" + std::to_string(port) + prefix;
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

HttpUrl parse_http_url(const std::string& url, const std::string& what,
                       const std::string& example) {
  auto fail = [&](const std::string& why) {
    return std::invalid_argument(what + " '" + url + "' " + why +
                                 "; expected https://HOST[:PORT], e.g. " + example);
  };
  HttpUrl out;
  auto sep = url.find("://");
  if (sep == std::string::npos) throw fail("has no scheme");
  out.scheme = url.substr(0, sep);
  if (out.scheme != "http" && out.scheme != "https")
    throw fail("must start with https:// or http://");
  std::string rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.prefix = rest.substr(slash);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  if (out.prefix.find_first_of("?#") != std::string::npos) throw fail("must not carry a query");
  if (authority.find('@') != std::string::npos)
    throw fail("must not carry credentials (use a token file)");
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) throw fail("has an unclosed '['");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw fail("has junk after the IPv6 address");
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw fail("has no host");
  out.port = out.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    char* end = nullptr;
    long p = std::strtol(port_text.c_str(), &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535) throw fail("has a bad port '" + port_text + "'");
    out.port = static_cast<int>(p);
  }
  return out;
}

std::string transport_cause(httplib::Error err, const TransportHints& hints) {
  switch (err) {
    case httplib::Error::Connection:
      return "cannot connect (refused or unreachable)";
    case httplib::Error::ConnectionTimeout:
      return "no connection within the deadline";
    case httplib::Error::Read:
      return "no answer (connection closed or read timed out)";
    case httplib::Error::Write:
      return "cannot send the request";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return hints.ca_unloadable.empty() ? "cannot load the CA" : hints.ca_unloadable;
    case httplib::Error::SSLServerVerification:
      return hints.untrusted.empty() ? "the server's certificate is not trusted" : hints.untrusted;
    case httplib::Error::Canceled:
      return "canceled";
    default:
      return httplib::to_string(err);
  }
}

}  // namespace hostadm
