#include "webhook/core/standards.hpp"

#include <algorithm>

#include "webhook/core/address.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {

namespace {

std::string q(const std::string& s) {
  return "'" + text::shown_in_message(s) + "'";
}

// At most a few items, so a policy with 200 networks cannot make a message of kilobytes.
constexpr size_t kListed = 6;

template <typename T, typename Show>
std::string listed(const std::vector<T>& items, Show show) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < kListed; ++i) out += (i ? ", " : "") + show(items[i]);
  if (items.size() > kListed) out += " and " + std::to_string(items.size() - kListed) + " more";
  return out;
}

std::string quoted_list(const std::vector<std::string>& items) {
  return listed(items, [](const std::string& s) { return q(s); });
}

std::string networks_list(const std::vector<IpNetwork>& networks) {
  return listed(networks, [](const IpNetwork& n) { return to_string(n); });
}

std::vector<std::string> adapters_carrying(const HostInfo& host, const std::string& address) {
  std::vector<std::string> names;
  for (const auto& a : host.adapters)
    if (!a.ip_address.empty() && same_address(a.ip_address, address) &&
        std::find(names.begin(), names.end(), a.name) == names.end())
      names.push_back(a.name);
  return names;
}

std::string host_label(const HostInfo& host) {
  return host.name.empty() ? q(host.id)
                           : q(host.id) + " (" + text::shown_in_message(host.name) + ")";
}

}  // namespace

std::string check_provider_allowed(const Standards& s, const std::string& ns,
                                   const std::string& provider) {
  if (s.allowed_providers.empty() || provider.empty()) return "";
  if (std::find(s.allowed_providers.begin(), s.allowed_providers.end(), provider) !=
      s.allowed_providers.end())
    return "";
  return "the provider " + q(provider) + " is not one namespace " + q(ns) +
         " allows (allowedProviders: " + quoted_list(s.allowed_providers) +
         "); set spec.provider.name to one of those";
}

std::string check_address_allowed(const Standards& s, const std::string& ns,
                                  const std::string& address, const std::string& from_adapter) {
  if (s.allowed_networks.empty() || address.empty()) return "";
  // Every admission of the namespace passes here: the message is written only for a refusal.
  const auto ip = parse_address(address);
  if (ip && in_any(s.allowed_networks, *ip)) return "";
  const std::string networks = networks_list(s.allowed_networks);
  if (!ip)
    return "spec.ipAddress " + q(address) + " is a host name, and namespace " + q(ns) +
           " allows only addresses in " + networks +
           ": a name cannot be checked against networks; give the ESXi host's IP on one of them";
  const std::string what =
      from_adapter.empty()
          ? "spec.ipAddress " + q(address)
          : "spec.ipAddress " + q(address) + " (the IP of the adapter " + q(from_adapter) + ")";
  const std::string fix = from_adapter.empty() ? "give the ESXi host's address on one of them"
                                               : "name an adapter whose IP is on one of them";
  return what + " is outside the networks namespace " + q(ns) + " allows (" + networks + "); " +
         fix;
}

std::string check_adapter_allowed(const Standards& s, const std::string& ns,
                                  const std::string& annotation_key, const std::string& adapter,
                                  const std::string& address, const HostInfo* host) {
  if (s.allowed_adapters.empty()) return "";
  auto allowed = [&] {
    return "the adapters namespace " + q(ns) +
           " allows (allowedAdapters: " + quoted_list(s.allowed_adapters) + ")";
  };
  if (!adapter.empty()) {
    if (any_glob_matches(s.allowed_adapters, adapter)) return "";
    return "the adapter " + q(adapter) + " is not among " + allowed() +
           "; name one of those in the annotation " + annotation_key;
  }
  if (!host || address.empty()) return "";
  const auto carrying = adapters_carrying(*host, address);
  if (carrying.empty())
    return "spec.ipAddress " + q(address) + " is the IP of no adapter of host " +
           host_label(*host) + ", so it cannot be shown to use one of " + allowed() +
           "; name an allowed adapter in the annotation " + annotation_key + " instead";
  for (const auto& name : carrying)
    if (any_glob_matches(s.allowed_adapters, name)) return "";
  return "spec.ipAddress " + q(address) + " is the IP of the adapter " + q(carrying.front()) +
         ", which is not among " + allowed() +
         "; use the IP of an allowed adapter, or name one in "
         "the annotation " +
         annotation_key;
}

std::string check_secret_given(const Standards& s, const std::string& ns, bool secret_given) {
  if (!s.require_secret || secret_given) return "";
  return "spec.secret is not set, and namespace " + q(ns) +
         " requires every Host to name its own credentials rather than reuse its provider's "
         "(requireSecret); create a Secret with the ESXi host's user and password and set "
         "spec.secret.name to it";
}

std::string check_verified_tls(const Standards& s, const std::string& ns, const ObjectRef& secret,
                               std::optional<std::string_view> insecure_skip_verify) {
  if (!s.require_verified_tls || !insecure_skip_verify ||
      !skips_tls_verification(*insecure_skip_verify))
    return "";
  return "the Secret " + q(secret.ns + "/" + secret.name) +
         " turns TLS verification off with its key insecureSkipVerify, and namespace " + q(ns) +
         " requires verified TLS to the ESXi host (requireVerifiedTls); remove insecureSkipVerify "
         "from the Secret and put the CA certificate that signed the host's certificate under "
         "its key ca.crt";
}

bool skips_tls_verification(std::string_view value) {
  for (std::string_view yes : {"1", "t", "T", "true", "TRUE", "True"})
    if (value == yes) return true;
  return false;
}

}  // namespace hostadm
