// The namespace's standards in the decision: the policy entry's allowedProviders,
// allowedNetworks, allowedAdapters, requireSecret and requireVerifiedTls, judged on the Host as
// it will be stored (the address after the adapter filled it in, the Secret after defaulting).
// The checks and their messages are in standards.cpp; this file says when each one runs.
#include <optional>
#include <string>
#include <string_view>

#include "webhook/core/address.hpp"
#include "webhook/core/decider.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/core/standards.hpp"

namespace hostadm::detail {

void Decider::check_standards() {
  const Standards& s = effective_.standards();
  if (!s.any()) return;
  if (auto text = check_provider_allowed(s, ns_, spec().provider.name); !text.empty())
    deny(rule::kProviderNotAllowed, text);

  // The address the Host will have: the adapter's, when /mutate sets it, else the one given.
  const std::string& given = spec().ip_address;
  const bool filled = !filled_ip_.empty();
  const std::string& address = filled ? filled_ip_ : given;
  // An address refused as invalid has its own finding; it is in no network to judge.
  const bool invalid =
      !filled && !given.empty() && !address_problem(given, policy_.allow_hostnames).empty();
  if (!invalid) {
    const std::string from_adapter = filled ? std::string(adapter_) : std::string();
    if (auto text = check_address_allowed(s, ns_, address, from_adapter); !text.empty())
      deny(rule::kAddressNotAllowed, text);
  }
  if (auto text = check_adapter_allowed(s, ns_, policy_.adapter_annotation, std::string(adapter_),
                                        invalid ? std::string() : address, host_);
      !text.empty())
    deny(rule::kAdapterNotAllowed, text);
}

// requireSecret: a Host without spec.secret is refused rather than given the provider's. Only
// where that refusal stands (the rule denies and the namespace enforces) is the default held
// back; a rule turned to warn or off, or a `mode: warn` namespace, keeps today's defaulting, so
// rolling the standard out in warn first changes no Host.
bool Decider::refuse_default_secret() {
  const Standards& s = effective_.standards();
  if (!s.require_secret) return false;
  const std::string text = check_secret_given(s, ns_, false);
  if (text.empty()) return false;
  deny(rule::kSecretRequired, text);
  return mode_ == Mode::Enforce && update_ != UpdateKind::Unchanged &&
         effective_.action_of(rule::kSecretRequired) == RuleAction::Deny;
}

// requireVerifiedTls reads the Host's Secret; without a cluster view (no Kubernetes API client)
// nothing is said: such a webhook refuses to start on this policy. A Secret that is missing or
// unreadable is the cluster checks' to report.
void Decider::check_verified_tls() {
  const Standards& s = effective_.standards();
  if (!s.require_verified_tls) return;
  const SecretFacts* facts = secret_facts();
  if (!facts || facts->state != SecretState::Present) return;
  // The view has decoded the value already (skips_tls_verification); the check wants a value.
  const auto value =
      facts->insecure_skip_verify ? std::optional<std::string_view>("true") : std::nullopt;
  if (auto text = hostadm::check_verified_tls(s, ns_, *secret_ref_, value); !text.empty())
    deny(rule::kSecretInsecure, text);
}

}  // namespace hostadm::detail
