#include "webhook/core/decision.hpp"

#include <algorithm>
#include <utility>

#include "webhook/core/address.hpp"
#include "webhook/core/decider.hpp"
#include "webhook/core/rule_overrides.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm {

using namespace std::string_view_literals;  // == "x"sv: no strlen, sizes first

namespace detail {

namespace {

constexpr std::string_view kGroup = "forklift.konveyor.io";
constexpr std::string_view kResource = "hosts";

}  // namespace

Verdict Decider::untouched(bool in_scope) {
  Verdict v;
  v.in_scope = in_scope;
  v.mode = mode_;
  return v;
}

// Every wrongly typed field at once, so a user fixes them all in one round.
Verdict Decider::malformed() {
  const std::vector<std::string>& problems = req_.object.problems;
  std::string text = text::join(problems);
  if (!req_.object.is_object()) {
    if (problems.empty()) text = "the object must be a JSON object, got null";
    text += "; send a Host manifest";
  } else {
    text += problems.size() == 1 ? "; fix this field in the manifest"
                                 : "; fix these fields in the manifest";
  }
  Verdict v = untouched(true);
  v.allowed = false;
  v.code = 400;
  v.findings.push_back(
      {std::string(rule::kMalformed), true, std::string(rule::kMalformed) + ": " + text});
  v.message = v.findings.back().message;
  return v;
}

Verdict Decider::run() {
  if (req_.resource.group != kGroup || req_.resource.resource != kResource) {
    Verdict v = untouched(false);
    std::string what = req_.resource.group.empty()
                           ? shown(req_.resource.resource)
                           : shown(req_.resource.resource) + "." + shown(req_.resource.group);
    if (what.empty()) what = "(no resource)";
    std::string text = "the Host webhook was called for " + what +
                       (req_.operation.empty() ? "" : " " + shown(req_.operation)) +
                       "; narrow the webhook configuration's rules to forklift.konveyor.io hosts";
    v.findings.push_back({std::string(rule::kUnexpectedResource), false,
                          std::string(rule::kUnexpectedResource) + ": " + text});
    // Its override applies as any rule's: `off` silences it, `deny` refuses what was misrouted.
    apply_rule_overrides(v.findings, policy_.resolve(req_.ns, nullptr));
    for (const auto& f : v.findings) (f.deny ? v.message : v.warnings.emplace_back()) = f.message;
    if (!v.message.empty()) {
      v.allowed = false;
      v.code = 403;
    }
    return v;
  }
  if (!req_.sub_resource.empty() || (req_.operation != "CREATE"sv && req_.operation != "UPDATE"sv))
    return untouched(false);

  ns_ = req_.object.ns;
  if (ns_.empty()) ns_ = req_.ns;
  if (ns_.empty()) ns_ = "default";
  // Labels are asked for only when an entry chooses by them.
  effective_ = policy_.resolve(
      ns_, cluster_ && policy_.uses_namespace_labels() ? cluster_->namespace_labels(ns_) : nullptr);
  mode_ = effective_.mode;
  if (mode_ == Mode::Off) return untouched(true);
  update_ = classify_update(req_, policy_.adapter_annotation);
  // Removing a finalizer must never be blocked, nor changed under the user.
  if (update_ == UpdateKind::Deleting) return untouched(true);
  if (!req_.object.is_object() || !req_.object.problems.empty()) return malformed();
  adapter_ = req_.object.annotation_text(policy_.adapter_annotation);
  findings_.reserve(4);
  shape_ = req_.object.shape;

  check_static();
  lookup_inventory();
  check_standards();
  check_secret();
  check_verified_tls();
  check_cluster();
  add_owner_reference();
  return finish();
}

void Decider::check_static() {
  if (spec().provider.name.empty()) {
    deny(rule::kProviderMissing,
         "spec.provider.name is not set; set it to the name of the vSphere Provider in namespace " +
             q(ns_) + " that manages this ESXi host");
  } else if (spec().provider.ns.empty()) {
    // Forklift's Plan builder matches Hosts by provider name AND namespace.
    mutate({"spec", "provider", "namespace"}, ns_);
  }
  if (!spec().provider.ns.empty() && spec().provider.ns != ns_) {
    deny(rule::kProviderCrossNamespace,
         "spec.provider.namespace is " + q(spec().provider.ns) + " but the Host is in namespace " +
             q(ns_) +
             "; Forklift only uses Hosts in their provider's namespace: create the Host in " +
             q(spec().provider.ns) + " or set spec.provider.namespace to " + q(ns_));
  }
  if (spec().id.empty() && spec().name.empty()) {
    deny(rule::kHostRefMissing,
         "neither spec.id nor spec.name is set; set spec.id to the ESXi host's inventory id "
         "(like host-10; list them with `kubectl mtv get inventory hosts`)");
  }
  if (spec().ip_address.empty() && adapter_.empty()) {
    deny(rule::kAddressMissing,
         "neither spec.ipAddress nor the annotation " + policy_.adapter_annotation +
             " is set; set spec.ipAddress to the ESXi host's IP, or the annotation to the name "
             "of one of its network adapters");
  }
  if (!spec().ip_address.empty()) {
    std::string problem = address_problem(spec().ip_address, policy_.allow_hostnames);
    if (!problem.empty())
      deny(rule::kAddressInvalid, "spec.ipAddress " + q(spec().ip_address) + " " + problem);
  }
}

void Decider::check_secret() {
  if (!spec().secret.name.empty()) {
    check_given_secret();
    return;
  }
  if (refuse_default_secret()) return;
  if (policy_.secret_default == SecretDefault::Never) {
    deny(rule::kSecretMissing,
         "spec.secret is not set and the policy (secretDefault: never) "
         "does not fill it in" +
             secret_fix_hint());
    return;
  }
  // Without the provider there is nothing to default from; its own finding (or the inventory
  // failure policy) already explains why. After a failed host lookup the provider is known, but
  // an inventory that failed derives nothing (`allow` admits with no inventory-derived change).
  if (!provider_ || inventory_down_) return;
  // Another type's credentials are no ESXi credentials; provider-not-vsphere already says why.
  if (provider_->type != "vsphere"sv) return;
  bool esxi = provider_->sdk_endpoint == "esxi"sv;
  if (policy_.secret_default == SecretDefault::EsxiOnly && !esxi) {
    deny(rule::kSecretMissing,
         "spec.secret is not set and provider " + provider_label() +
             " is a vCenter endpoint, whose credentials the policy (secretDefault: esxi-only) "
             "does not reuse for hosts" +
             secret_fix_hint());
    return;
  }
  if (!provider_->secret || provider_->secret->name.empty()) {
    deny(rule::kSecretMissing, "spec.secret is not set and provider " + provider_label() +
                                   " has no secret to reuse" + secret_fix_hint());
    return;
  }
  default_secret_from_provider(esxi);
}

void Decider::check_given_secret() {
  if (spec().secret.ns.empty()) {
    // Forklift looks the secret up by namespace and name; an empty namespace finds nothing.
    mutate({"spec", "secret", "namespace"}, ns_);
  } else if (spec().secret.ns != ns_ && !policy_.allow_cross_namespace_secret &&
             !(provider_ && provider_->secret && provider_->secret->name == spec().secret.name &&
               provider_->secret->ns == spec().secret.ns)) {
    deny_cross_namespace_secret();
    return;
  }
  if (cluster_)
    secret_ref_ = ObjectRef{spec().secret.name, spec().secret.ns.empty() ? ns_ : spec().secret.ns};
}

std::string Decider::secret_fix_hint() const {
  return "; set spec.secret.name to a Secret in namespace " + q(ns_) +
         " with the ESXi host's user and password";
}

void Decider::default_secret_from_provider(bool esxi) {
  const ObjectRef& secret = *provider_->secret;
  const std::string& secret_ns = !secret.ns.empty()       ? secret.ns
                                 : !provider_->ns.empty() ? provider_->ns
                                                          : ns_;
  // `add` replaces a present-but-empty secret ({} or one with only a namespace) as a whole.
  std::string& value = value_buffer();
  value += "{\"name\":";
  json_write::append_string(value, secret.name, json_write::InvalidUtf8::Throw);
  value += ",\"namespace\":";
  json_write::append_string(value, secret_ns, json_write::InvalidUtf8::Throw);
  value += '}';
  mutate({"spec", "secret"}, value, ValueKind::Object);
  if (cluster_) secret_ref_ = ObjectRef{secret.name, secret_ns};
  if (!esxi) {
    std::string message = message_for(rule::kVcenterCredentials);
    message += "spec.secret defaulted to vCenter provider ";
    text::append_shown(message, spec().provider.name);
    message += "'s secret; an ESXi host may refuse it";
    add_message(rule::kVcenterCredentials, false, std::move(message));
  }
}

void Decider::deny_cross_namespace_secret() {
  std::string why = provider_ ? "is not provider " + provider_label() + "'s own secret"
                              : "cannot be checked against the provider's own secret (the "
                                "provider is unknown)";
  deny(rule::kSecretCrossNamespace, "spec.secret is " + shown(spec().secret.ns) + "/" +
                                        shown(spec().secret.name) +
                                        " but the Host is in namespace " + q(ns_) + " and it " +
                                        why + "; use a secret in namespace " + q(ns_));
}

void Decider::add_owner_reference() {
  // On UPDATE a missing reference was removed on purpose (the garbage collector orphaning the
  // Host, a user): putting it back would undo that.
  if (req_.operation != "CREATE"sv) return;
  if (!policy_.owner_reference || !provider_ || provider_->uid.empty() || inventory_down_) return;
  const auto& owners = req_.object.owner_references;
  if (std::any_of(owners.begin(), owners.end(),
                  [&](const OwnerReference& o) { return o.uid == provider_->uid; }))
    return;
  if (phase_ != Phase::Mutate) return;
  // Written as text, keys in the order dump() would write them: no tree to build and free. With
  // no list to append to, the value is a list of this one reference.
  using json_write::InvalidUtf8;
  const bool append = shape_[Container::OwnerReferences];
  const std::string& name = provider_->name.empty() ? spec().provider.name : provider_->name;
  std::string& ref = value_buffer();
  ref += append ? "{" : "[{";
  ref += "\"apiVersion\":\"forklift.konveyor.io/v1beta1\"";
  if (std::none_of(owners.begin(), owners.end(),
                   [](const OwnerReference& o) { return o.controller; }))
    ref += ",\"controller\":true";
  ref += ",\"kind\":\"Provider\",\"name\":";
  json_write::append_string(ref, name, InvalidUtf8::Throw);
  ref += ",\"uid\":";
  json_write::append_string(ref, provider_->uid, InvalidUtf8::Throw);
  ref += append ? "}" : "}]";
  if (append) {
    patch_.add_text("/metadata/ownerReferences/-", ref);
  } else {
    add_at(shape_, patch_, {"metadata", "ownerReferences"}, ref, ValueKind::Array);
  }
}

Verdict Decider::finish() {
  apply_rule_overrides(findings_, effective_);
  Verdict v;
  v.in_scope = true;
  v.mode = mode_;
  const bool demoted = (mode_ == Mode::Warn || update_ == UpdateKind::Unchanged) && demote_all();
  // A stored Host kept despite a violation stays as it is: a patch would change its spec, and
  // /validate would then judge it like a new Host and refuse what /mutate let through.
  const bool keep_patch = !(demoted && update_ == UpdateKind::Unchanged);
  sort_findings();
  drop_patch_warnings(keep_patch);
  bool denied = false;
  bool only_inventory = true;
  for (const auto& f : findings_) {
    if (!f.deny) {
      v.warnings.push_back(f.message);
      continue;
    }
    denied = true;
    if (f.rule != rule::kInventoryUnavailable) only_inventory = false;
    v.message += (v.message.empty() ? "" : "; ") + f.message;
  }
  v.findings = std::move(findings_);
  if (!denied) {
    if (keep_patch) v.patch = std::move(patch_);
    return v;
  }
  v.allowed = false;
  // Defer only when the inventory is the sole reason: a manifest that is wrong anyway gets a
  // definite answer instead of the apiserver's failurePolicy.
  if (only_inventory && effective_.inventory_failure() == FailurePolicy::Defer) {
    v.defer = true;
    v.code = 503;
  } else {
    v.code = 403;
  }
  return v;
}

bool Decider::demote_all() {
  bool demoted = false;
  for (auto& f : findings_) {
    f.demoted = std::exchange(f.deny, false);
    demoted = f.demoted || demoted;
  }
  return demoted;
}

// Denials first, then the rules' order.
void Decider::sort_findings() {
  // (A stable sort takes a buffer even for one element, and most admissions have one or none.)
  if (findings_.size() <= 1) return;
  const auto& order = all_rules();
  auto rank = [&](const Finding& f) {
    for (size_t i = 0; i < order.size(); ++i)
      if (order[i].id == f.rule) return i;
    return order.size();
  };
  std::stable_sort(findings_.begin(), findings_.end(), [&](const Finding& a, const Finding& b) {
    if (a.deny != b.deny) return a.deny;
    return rank(a) < rank(b);
  });
}

// These warnings report a change the patch makes; with no patch they would be false.
void Decider::drop_patch_warnings(bool keep_patch) {
  bool any_deny =
      std::any_of(findings_.begin(), findings_.end(), [](const Finding& f) { return f.deny; });
  if (!any_deny && phase_ == Phase::Mutate && keep_patch) return;
  findings_.erase(std::remove_if(findings_.begin(), findings_.end(),
                                 [](const Finding& f) {
                                   return f.rule == rule::kVcenterCredentials ||
                                          f.rule == rule::kAddressRefreshed;
                                 }),
                  findings_.end());
}

}  // namespace detail

std::vector<std::string> Verdict::rules() const {
  std::vector<std::string> out;
  rules_into(out);
  return out;
}

void Verdict::rules_into(std::vector<std::string>& out) const {
  for (const auto& f : findings)
    if (std::find(out.begin(), out.end(), f.rule) == out.end()) out.push_back(f.rule);
}

std::vector<std::string> missing_required_fields(const nlohmann::json& host) {
  std::vector<std::string> out;
  const auto spec = host.is_object() ? host.find("spec") : host.end();
  for (const char* key : {"ipAddress", "provider", "secret"}) {
    const nlohmann::json* v = nullptr;
    if (spec != host.end() && spec->is_object())
      if (auto it = spec->find(key); it != spec->end()) v = &*it;
    const bool unset = v == nullptr || v->is_null() ||
                       (v->is_string() && v->get_ref<const std::string&>().empty()) ||
                       (v->is_object() && v->empty());
    if (unset) out.push_back(std::string("/spec/") + key);
  }
  return out;
}

Verdict decide(const AdmissionRequest& req, Phase phase, InventoryView& inventory,
               const Policy& policy, ClusterView* cluster) {
  try {
    return detail::Decider(req, phase, inventory, policy, cluster).run();
  } catch (const std::exception& e) {
    // A bug must not take the webhook down or admit by accident; the message is for the log.
    Verdict v;
    v.allowed = false;
    v.code = 500;
    v.in_scope = true;
    v.message = std::string("internal error while deciding: ") + e.what();
    return v;
  }
}

}  // namespace hostadm
