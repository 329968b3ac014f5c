// The rules that ask the cluster through ClusterView: the Host's Secret (exists, has user and
// password, could be read), the other Hosts of the namespace (one Host per ESXi host), and what
// the ESXi endpoint answered. Without a view (no Kubernetes API client) none of them runs, and the
// decision is the inventory-only one.
#include <algorithm>
#include <string>
#include <vector>

#include "webhook/core/address.hpp"
#include "webhook/core/decider.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm::detail {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first

namespace {

// Forklift's host controller reads these two keys; without either it reports the Secret as not
// valid and never uses the Host.
constexpr std::string_view kCredentialKeys[] = {"user", "password"};

// Enough names for a user to find the others; a namespace with dozens says how many more.
constexpr size_t kNamesShown = 5;

std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kNamesShown; ++i)
    out += (i == 0 ? "" : ", ") + q(names[i]);
  if (names.size() > kNamesShown)
    out += " and " + std::to_string(names.size() - kNamesShown) + " more";
  return out;
}

// An UPDATE that keeps the provider and the host the stored Host already had: if that made a
// duplicate, the stored Host was one already, and refusing this change would not undo it (it
// would only block relabelling, owner references and other edits of the Host).
bool keeps_host(const AdmissionRequest& req) {
  if (req.operation != "UPDATE"sv || !req.old_object.is_object()) return false;
  const auto& now = req.object.spec;
  const auto& before = req.old_object.spec;
  return now.provider.name == before.provider.name && now.id == before.id &&
         now.name == before.name;
}

}  // namespace

void Decider::check_cluster() {
  if (cluster_ == nullptr) return;
  const ClusterChecks checks = policy_.cluster_checks(true);
  if (checks.secret) check_secret_facts();
  if (checks.duplicate) check_duplicate();
  if (checks.endpoint != EndpointCheck::Off) check_endpoint(checks.endpoint);
}

const SecretFacts* Decider::secret_facts() {
  if (cluster_ == nullptr || !secret_ref_) return nullptr;
  if (!secret_facts_) secret_facts_ = cluster_->secret(secret_ref_->ns, secret_ref_->name);
  return &*secret_facts_;
}

void Decider::check_secret_facts() {
  const SecretFacts* facts = secret_facts();
  if (facts == nullptr) return;
  const std::string which =
      "Secret " + shown(secret_ref_->ns) + "/" + shown(secret_ref_->name) +
      (spec().secret.name.empty()
           ? " (spec.secret, defaulted from provider " + provider_label() + ")"
           : " (spec.secret)");
  switch (facts->state) {
    case SecretState::NotFound:
      warn(rule::kSecretNotFound,
           which +
               " does not exist; create it with the keys user and password (the ESXi host's "
               "credentials) before Forklift uses this Host, or correct spec.secret");
      return;
    case SecretState::Unreadable:
      warn(rule::kSecretUnreadable,
           "could not read " + which + ": " + (facts->error.empty() ? "no answer" : facts->error) +
               "; its keys were not checked" +
               (facts->error.rfind("403", 0) == 0
                    ? " (the webhook's service account needs `get` on Secrets in namespace " +
                          q(secret_ref_->ns) + ")"
                    : ""));
      return;
    case SecretState::Present:
      break;
  }
  std::vector<std::string_view> missing;
  for (std::string_view key : kCredentialKeys)
    if (std::find(facts->keys.begin(), facts->keys.end(), key) == facts->keys.end())
      missing.push_back(key);
  if (missing.empty()) return;
  std::string keys;
  for (std::string_view key : missing) keys += (keys.empty() ? "" : " and ") + std::string(key);
  deny(rule::kSecretMissingKeys,
       which + " has no " + keys + (missing.size() > 1 ? " keys" : " key") +
           "; Forklift reports a Secret without user and password as not valid: add " +
           (missing.size() > 1 ? "them" : "it") +
           " to the Secret (kubectl create secret generic "
           "NAME --from-literal=user=... "
           "--from-literal=password=...)");
}

void Decider::check_duplicate() {
  const std::string& id = host_resolved_ ? host_id_ : spec().id;
  if (id.empty() || spec().provider.name.empty()) return;
  // A provider in another namespace is refused anyway (provider-cross-namespace).
  if (!spec().provider.ns.empty() && spec().provider.ns != ns_) return;
  const std::string& self = req_.object.name.empty() ? req_.name : req_.object.name;
  // Not synced: the list of Hosts is not known yet, and a guess would refuse or admit by chance.
  ClusterView::Duplicates dup = cluster_->hosts_with(ns_, spec().provider.name, id, self);
  if (!dup.synced || dup.names.empty()) return;
  const bool one = dup.names.size() == 1;
  std::string text = (one ? "Host " : "Hosts ") + name_list(dup.names) + " in namespace " + q(ns_) +
                     (one ? " already uses" : " already use") + " ESXi host " + shown(id) +
                     " of provider " + provider_label() +
                     "; Forklift expects one Host per ESXi host: delete the other Host, or point "
                     "this one at another host";
  if (keeps_host(req_)) {
    warn(rule::kHostDuplicate,
         text + " (this update keeps the host the stored Host had, so it is not refused)");
    return;
  }
  deny(rule::kHostDuplicate, text);
}

void Decider::check_endpoint(EndpointCheck mode) {
  if (!host_resolved_ || final_ip_.empty()) return;
  if (!address_problem(final_ip_, policy_.allow_hostnames).empty()) return;
  // A Host that is refused anyway is not worth a probe of up to endpointTimeout.
  if (mode_ == Mode::Enforce && update_ == UpdateKind::Fresh &&
      std::any_of(findings_.begin(), findings_.end(), [](const Finding& f) { return f.deny; }))
    return;
  EndpointQuestion question;
  question.address = final_ip_;
  question.thumbprint = host_thumbprint_;
  question.mode = EndpointCheck::Reach;
  question.budget = policy_.endpoint_timeout;
  // A login needs credentials that exist; a Secret that is missing or short has its own finding.
  if (mode == EndpointCheck::Login) {
    const SecretFacts* facts = secret_facts();
    if (facts != nullptr && facts->state == SecretState::Present) {
      question.mode = EndpointCheck::Login;
      question.secret = *secret_ref_;
      question.secret_version = facts->resource_version;
    }
  }
  const EndpointAnswer answer = cluster_->endpoint(question);
  std::string text =
      answer.message.empty() ? "the ESXi endpoint " + shown(final_ip_) + ":443" : answer.message;
  switch (answer.finding) {
    case EndpointFinding::None:
      return;
    case EndpointFinding::Unreachable:
      warn(rule::kEndpointUnreachable,
           text +
               "; check spec.ipAddress, or set endpointCheck: off in the policy where the "
               "webhook may not reach ESXi hosts");
      return;
    case EndpointFinding::ThumbprintMismatch:
      warn(rule::kEndpointThumbprintMismatch,
           text +
               "; spec.ipAddress may belong to another machine or a load balancer: Forklift "
               "pins the inventory's thumbprint and will not trust this endpoint");
      return;
    case EndpointFinding::LoginFailed:
      warn(rule::kEndpointLoginFailed, text + "; check the user and password in Secret " +
                                           shown(question.secret.ns) + "/" +
                                           shown(question.secret.name));
      return;
  }
}

}  // namespace hostadm::detail
