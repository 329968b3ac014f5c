// A namespace's standards (its policy entry's allowedNetworks, allowedAdapters,
// allowedProviders, requireSecret, requireVerifiedTls) checked against what the decision knows
// about a Host. Each check returns "" when the Host meets the standard (or the entry does not
// state it), else the message that follows "<rule id>: ", naming what to change.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "webhook/core/inventory.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm {

// provider-not-allowed. An empty name is provider-missing's to report.
std::string check_provider_allowed(const Standards& s, const std::string& ns,
                                   const std::string& provider);

// address-not-allowed, on the final spec.ipAddress (given, or filled in from `from_adapter`,
// which is "" when the user gave it). A host name is in no network: the message says that a name
// cannot be checked against networks and asks for the IP.
std::string check_address_allowed(const Standards& s, const std::string& ns,
                                  const std::string& address, const std::string& from_adapter);

// adapter-not-allowed. `adapter` is the annotation's value ("" when not set, then the adapters of
// `host` that carry `address` are checked, and an address no adapter carries is refused: it
// cannot be shown to use an allowed adapter). `host` null: the inventory host is not known
// (the lookup failed and is reported on its own), so nothing is said.
std::string check_adapter_allowed(const Standards& s, const std::string& ns,
                                  const std::string& annotation_key, const std::string& adapter,
                                  const std::string& address, const HostInfo* host);

// secret-required: `secret_given` is whether the object as sent names spec.secret.name.
std::string check_secret_given(const Standards& s, const std::string& ns, bool secret_given);

// secret-insecure. `insecure_skip_verify` is the Secret's insecureSkipVerify value, decoded
// (nullopt when the key is absent). The message names the key, never a value of the Secret.
std::string check_verified_tls(const Standards& s, const std::string& ns, const ObjectRef& secret,
                               std::optional<std::string_view> insecure_skip_verify);

// Whether Forklift reads this insecureSkipVerify value as true: it parses it as Go's
// strconv.ParseBool does ("1", "t", "T", "true", "TRUE", "True"), and anything else is false.
bool skips_tls_verification(std::string_view value);

}  // namespace hostadm
