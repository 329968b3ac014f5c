#include "webhook/core/decision.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "webhook/core/address.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/core/stored_host.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {

using nlohmann::json;

namespace {

constexpr const char* kGroup = "forklift.konveyor.io";
constexpr const char* kResource = "hosts";

// A user value can be megabytes (a 4 MiB spec.id), and the apiserver copies status.message and
// warnings into its reply, events and audit log: every user value a message quotes goes
// through shown(), cut with its real length kept so the user sees it was cut.
std::string shown(const std::string& s) {
  return text::shown_in_message(s);
}

std::string q(const std::string& s) {
  return "'" + shown(s) + "'";
}

// The fields the rules read, after the shape checks; "" means unset.
struct HostFields {
  std::string ns;
  std::string provider_name, provider_ns;
  std::string id, name, ip;
  std::string secret_name, secret_ns;
  std::string adapter;  // the adapter annotation's value
  bool spec_present = false;
  bool provider_present = false;  // spec.provider is a non-empty object
  bool secret_present = false;    // spec.secret is a non-empty object
  std::vector<std::string> owner_uids;
  bool has_controller_owner = false;
};

bool unset(const json* v) {
  return v == nullptr || v->is_null() ||
         (v->is_string() && v->get_ref<const std::string&>().empty()) ||
         (v->is_object() && v->empty());
}

const json* find(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// Collects every wrong-typed field so a user fixes them all in one round.
class ShapeCheck {
 public:
  std::vector<std::string> problems;

  const json* object(const json& parent, const char* key, const std::string& path) {
    const json* v = find(parent, key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_object()) {
      problems.push_back(path + " must be an object, got " + describe(*v));
      return nullptr;
    }
    return v;
  }

  std::string string(const json* parent, const char* key, const std::string& path) {
    if (parent == nullptr) return "";
    const json* v = find(*parent, key);
    if (v == nullptr || v->is_null()) return "";
    if (!v->is_string()) {
      problems.push_back(path + " must be a string, got " + describe(*v));
      return "";
    }
    return v->get<std::string>();
  }

  static std::string describe(const json& v) {
    if (v.is_null()) return "null";
    std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return std::string(v.type_name()) + " " + text;
  }
};

std::string object_namespace(const json& object) {
  const json* meta = find(object, "metadata");
  const json* ns = meta ? find(*meta, "namespace") : nullptr;
  if (ns && ns->is_string()) return ns->get<std::string>();
  return "";
}

std::optional<HostFields> read_host(const json& object, const std::string& ns,
                                    const std::string& annotation, std::string& problem) {
  if (!object.is_object()) {
    problem = "the object must be a JSON object, got " + ShapeCheck::describe(object) +
              "; send a Host manifest";
    return std::nullopt;
  }
  ShapeCheck check;
  HostFields h;
  h.ns = ns;
  const json* meta = check.object(object, "metadata", "metadata");
  check.string(meta, "namespace", "metadata.namespace");
  if (const json* ann =
          meta ? check.object(*meta, "annotations", "metadata.annotations") : nullptr) {
    for (const auto& [key, value] : ann->items()) {
      if (!value.is_string())
        check.problems.push_back("metadata.annotations['" + shown(key) +
                                 "'] must be a string, got " + ShapeCheck::describe(value));
    }
    // The loop above already reported a non-string adapter annotation, under its key.
    if (auto it = ann->find(annotation); it != ann->end() && it->is_string())
      h.adapter = it->get<std::string>();
  }
  if (const json* refs = meta ? find(*meta, "ownerReferences") : nullptr;
      refs && !refs->is_null()) {
    if (!refs->is_array()) {
      check.problems.push_back("metadata.ownerReferences must be a list, got " +
                               ShapeCheck::describe(*refs));
    } else {
      for (const auto& r : *refs) {
        if (!r.is_object()) continue;
        if (auto uid = r.find("uid"); uid != r.end() && uid->is_string())
          h.owner_uids.push_back(uid->get<std::string>());
        if (auto c = r.find("controller"); c != r.end() && *c == true)
          h.has_controller_owner = true;
      }
    }
  }
  const json* spec = check.object(object, "spec", "spec");
  h.spec_present = spec != nullptr;
  const json* provider = spec ? check.object(*spec, "provider", "spec.provider") : nullptr;
  h.provider_present = !unset(provider);
  h.provider_name = check.string(provider, "name", "spec.provider.name");
  h.provider_ns = check.string(provider, "namespace", "spec.provider.namespace");
  h.id = check.string(spec, "id", "spec.id");
  h.name = check.string(spec, "name", "spec.name");
  h.ip = check.string(spec, "ipAddress", "spec.ipAddress");
  const json* secret = spec ? check.object(*spec, "secret", "spec.secret") : nullptr;
  h.secret_present = !unset(secret);
  h.secret_name = check.string(secret, "name", "spec.secret.name");
  h.secret_ns = check.string(secret, "namespace", "spec.secret.namespace");
  if (!check.problems.empty()) {
    problem = text::join(check.problems) + "; fix " +
              (check.problems.size() == 1 ? "this field" : "these fields") + " in the manifest";
    return std::nullopt;
  }
  return h;
}

// What add_at needs of a Host to place operations: the parents the patch may write under (spec,
// metadata.ownerReferences), not the annotations, labels and managedFields around them.
json patch_shape(const json& object) {
  json shape = json::object();
  if (auto spec = object.find("spec"); spec != object.end()) shape["spec"] = *spec;
  auto meta = object.find("metadata");
  if (meta == object.end()) return shape;
  if (!meta->is_object()) {
    shape["metadata"] = *meta;
    return shape;
  }
  json& kept = shape["metadata"] = json::object();
  if (auto refs = meta->find("ownerReferences"); refs != meta->end())
    kept["ownerReferences"] = *refs;
  return shape;
}

// Adds `value` at `path`, creating the missing parents as one `add` of the whole subtree (the
// apiserver cannot add into a map that does not exist). `doc` follows the patch so that later
// operations see the parents earlier ones created. Path keys are this file's literals, none with
// '~' or '/', so the JSON pointer needs no escaping.
using Path = std::initializer_list<const char*>;
void add_at(json& doc, json& ops, Path path, json value) {
  std::string pointer;
  json* cur = &doc;
  const char* const* key = path.begin();
  for (; key != path.end(); ++key) {
    pointer += '/';
    pointer += *key;
    const bool last = key + 1 == path.end();
    json* next = nullptr;
    if (cur->is_object()) {
      auto it = cur->find(*key);
      if (it != cur->end() && it->is_object()) next = &*it;
    }
    if (!last && next != nullptr) {
      cur = next;
      continue;
    }
    json subtree = std::move(value);
    for (const char* const* k = path.end() - 1; k != key; --k) {
      json parent = json::object();
      parent.emplace(*k, std::move(subtree));
      subtree = std::move(parent);
    }
    json op = json::object();
    op.emplace("op", "add");
    op.emplace("path", std::move(pointer));
    op.emplace("value", subtree);  // the one copy: `doc` keeps the original
    ops.push_back(std::move(op));
    (*cur)[*key] = std::move(subtree);
    return;
  }
}

class Decider {
 public:
  Decider(const AdmissionRequest& req, Phase phase, InventoryView& inventory, const Policy& policy)
      : req_(req), phase_(phase), inventory_(inventory), policy_(policy) {}

  Verdict run();

 private:
  void deny(std::string_view rule, const std::string& text) { add(rule, true, text); }
  void warn(std::string_view rule, const std::string& text) { add(rule, false, text); }
  void add(std::string_view rule, bool is_deny, const std::string& text) {
    findings_.push_back({std::string(rule), is_deny, std::string(rule) + ": " + text});
  }
  void mutate(Path path, json value) {
    if (phase_ == Phase::Mutate) add_at(work_, patch_, path, std::move(value));
  }

  std::string provider_label() const { return shown(h_.ns) + "/" + shown(h_.provider_name); }
  std::string host_label(const HostInfo& host) const {
    return host.name.empty() ? host.id : host.id + " (" + host.name + ")";
  }

  void check_static();
  void lookup_inventory();
  void check_host(const HostInfo& host);
  void check_adapter(const HostInfo& host);
  void check_secret();
  void add_owner_reference();
  void inventory_failed(const std::string& error);
  void note_stale(const std::string& error);
  Verdict finish();
  Verdict untouched(bool in_scope);

  const AdmissionRequest& req_;
  Phase phase_;
  InventoryView& inventory_;
  const Policy& policy_;
  Mode mode_ = Mode::Enforce;
  UpdateKind update_ = UpdateKind::Fresh;

  HostFields h_;
  json work_;  // patch_shape() of the object, with every operation so far applied
  json patch_ = json::array();
  std::vector<Finding> findings_;

  std::optional<ProviderInfo> provider_;
  bool inventory_down_ = false;
  bool stale_noted_ = false;
};

Verdict Decider::untouched(bool in_scope) {
  Verdict v;
  v.in_scope = in_scope;
  v.mode = mode_;
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
    v.warnings.push_back(v.findings.back().message);
    return v;
  }
  if (!req_.sub_resource.empty() || (req_.operation != "CREATE" && req_.operation != "UPDATE"))
    return untouched(false);

  std::string ns = object_namespace(req_.object);
  if (ns.empty()) ns = req_.ns;
  if (ns.empty()) ns = "default";
  mode_ = policy_.mode_for(ns);
  if (mode_ == Mode::Off) return untouched(true);
  update_ = classify_update(req_, policy_.adapter_annotation);
  // Removing a finalizer must never be blocked, nor changed under the user.
  if (update_ == UpdateKind::Deleting) return untouched(true);

  std::string problem;
  auto fields = read_host(req_.object, ns, policy_.adapter_annotation, problem);
  if (!fields) {
    Verdict v = untouched(true);
    v.allowed = false;
    v.code = 400;
    v.findings.push_back(
        {std::string(rule::kMalformed), true, std::string(rule::kMalformed) + ": " + problem});
    v.message = v.findings.back().message;
    return v;
  }
  h_ = std::move(*fields);
  // Only /mutate builds a patch, so only it needs a copy to follow the patch on.
  if (phase_ == Phase::Mutate) work_ = patch_shape(req_.object);

  check_static();
  lookup_inventory();
  check_secret();
  add_owner_reference();
  return finish();
}

void Decider::check_static() {
  if (h_.provider_name.empty()) {
    deny(rule::kProviderMissing,
         "spec.provider.name is not set; set it to the name of the vSphere Provider in namespace " +
             q(h_.ns) + " that manages this ESXi host");
  } else if (h_.provider_ns.empty()) {
    // Forklift's Plan builder matches Hosts by provider name AND namespace.
    mutate({"spec", "provider", "namespace"}, h_.ns);
  }
  if (!h_.provider_ns.empty() && h_.provider_ns != h_.ns) {
    deny(rule::kProviderCrossNamespace,
         "spec.provider.namespace is " + q(h_.provider_ns) + " but the Host is in namespace " +
             q(h_.ns) +
             "; Forklift only uses Hosts in their provider's namespace: create the Host in " +
             q(h_.provider_ns) + " or set spec.provider.namespace to " + q(h_.ns));
  }
  if (h_.id.empty() && h_.name.empty()) {
    deny(rule::kHostRefMissing,
         "neither spec.id nor spec.name is set; set spec.id to the ESXi host's inventory id "
         "(like host-10; list them with `kubectl mtv get inventory hosts`)");
  }
  if (h_.ip.empty() && h_.adapter.empty()) {
    deny(rule::kAddressMissing,
         "neither spec.ipAddress nor the annotation " + policy_.adapter_annotation +
             " is set; set spec.ipAddress to the ESXi host's IP, or the annotation to the name "
             "of one of its network adapters");
  }
  if (!h_.ip.empty()) {
    std::string problem = address_problem(h_.ip, policy_.allow_hostnames);
    if (!problem.empty()) deny(rule::kAddressInvalid, "spec.ipAddress " + q(h_.ip) + " " + problem);
  }
}

void Decider::inventory_failed(const std::string& error) {
  inventory_down_ = true;
  std::string text = "could not ask the Forklift inventory about provider " + provider_label() +
                     ": " + (error.empty() ? "no answer" : error);
  switch (policy_.inventory_failure) {
    case FailurePolicy::Allow:
      warn(rule::kInventoryUnavailable,
           text + "; admitted without inventory checks (policy inventoryFailure: allow)");
      break;
    case FailurePolicy::Deny:
    case FailurePolicy::Defer:
      deny(rule::kInventoryUnavailable,
           text +
               "; retry, or ask the cluster admin to check the inventory service and the "
               "webhook's access to it");
      break;
  }
}

void Decider::note_stale(const std::string& error) {
  if (stale_noted_) return;
  stale_noted_ = true;
  warn(rule::kInventoryStale, "inventory unreachable, used an expired cached answer for " +
                                  provider_label() + (error.empty() ? "" : " (" + error + ")"));
}

void Decider::lookup_inventory() {
  if (h_.provider_name.empty() || (!h_.provider_ns.empty() && h_.provider_ns != h_.ns)) return;
  ProviderLookup pl;
  try {
    pl = inventory_.provider(h_.ns, h_.provider_name);
  } catch (const std::exception& e) {
    pl = ProviderLookup{};
    pl.error = e.what();
  }
  if (pl.stale) note_stale(pl.error);
  switch (pl.status) {
    case LookupStatus::Unavailable:
      inventory_failed(pl.error);
      return;
    case LookupStatus::NotFound:
      // The inventory lists only providers Forklift has validated: absent from it is not absent
      // from the cluster.
      deny(rule::kProviderNotFound,
           "the Forklift inventory lists no provider named " + q(h_.provider_name) +
               " in namespace " + q(h_.ns) +
               ". Either it does not exist: check spec.provider.name against `kubectl get "
               "providers -n " +
               shown(h_.ns) +
               "`; or it exists but Forklift has not validated it yet (new, just edited, wrong "
               "credentials, or the inventory restarted): its Ready condition says why "
               "(`kubectl get provider " +
               shown(h_.provider_name) + " -n " + shown(h_.ns) +
               " -o jsonpath='{.status.conditions}'`); apply again once it is Ready");
      return;
    case LookupStatus::NotReady:
      deny(rule::kProviderNotReady, "the Forklift inventory has not synced provider " +
                                        provider_label() + " yet" +
                                        (pl.error.empty() ? "" : " (" + pl.error + ")") +
                                        "; wait for the sync and apply again");
      return;
    case LookupStatus::Ok:
      break;
  }
  if (!pl.provider) {
    inventory_failed("the inventory answered without the provider");
    return;
  }
  provider_ = std::move(pl.provider);
  bool usable = true;
  if (provider_->type != "vsphere") {
    deny(rule::kProviderNotVsphere,
         "provider " + provider_label() + " has type " + q(provider_->type) +
             "; only vSphere providers can have Hosts: point spec.provider at a vsphere provider");
    usable = false;
  }
  if (!provider_->ready) {
    deny(rule::kProviderNotReady,
         "provider " + provider_label() + " is not ready (" +
             (provider_->not_ready_reason.empty() ? "no reason given"
                                                  : provider_->not_ready_reason) +
             "); fix the Provider until its Ready condition is True, then apply again");
    usable = false;
  }
  // The host list of an unusable provider proves nothing; its own denial says what to fix.
  if (!usable || (h_.id.empty() && h_.name.empty())) return;

  const bool by_id = !h_.id.empty();
  HostsLookup hl;
  try {
    hl = by_id ? inventory_.host_by_id(*provider_, h_.id)
               : inventory_.hosts_by_name(*provider_, h_.name);
  } catch (const std::exception& e) {
    hl = HostsLookup{};
    hl.error = e.what();
  }
  if (hl.stale) note_stale(hl.error);
  switch (hl.status) {
    case LookupStatus::Unavailable:
      // The provider is listed, so its collector exists: an inventory that keeps a host lookup
      // waiting is most likely re-syncing it (it holds such requests up to 10 s, then says 206).
      inventory_failed(hl.timed_out ? hl.error + "; the inventory may be re-syncing provider " +
                                          provider_label() +
                                          " (while it does, it waits up to 10 s before "
                                          "answering 206 not-synced)"
                                    : hl.error);
      return;
    case LookupStatus::NotReady:
      deny(rule::kProviderNotReady, "the Forklift inventory has not synced provider " +
                                        provider_label() + " yet" +
                                        (hl.error.empty() ? "" : " (" + hl.error + ")") +
                                        "; wait for the sync and apply again");
      return;
    case LookupStatus::NotFound:
    case LookupStatus::Ok:
      break;
  }
  static const std::vector<HostInfo> kNone;
  const std::vector<HostInfo>& found = hl.hosts ? *hl.hosts : kNone;
  auto list_hint = [&] {
    return "list them with `kubectl mtv get inventory hosts -p " + shown(h_.provider_name) +
           " -n " + shown(h_.ns) + "`";
  };
  if (by_id) {
    // The inventory answers the one host with that id; anything else it sent is not it.
    auto it = std::find_if(found.begin(), found.end(),
                           [&](const HostInfo& host) { return host.id == h_.id; });
    if (it == found.end()) {
      deny(rule::kHostNotFound, "provider " + provider_label() + " has no host with id " +
                                    q(h_.id) + " in the Forklift inventory; check spec.id (" +
                                    list_hint() + ")");
      return;
    }
    if (h_.name.empty() && !it->name.empty()) mutate({"spec", "name"}, it->name);
    check_host(*it);
    return;
  }
  // As Forklift resolves a name: the last segment by equality, then the datacenter filter.
  std::vector<const HostInfo*> candidates;
  std::vector<std::string> paths;
  for (const auto& host : found) {
    if (last_path_segment(host.name) != last_path_segment(h_.name)) continue;
    candidates.push_back(&host);
    paths.push_back(host_path(host));
  }
  std::vector<const HostInfo*> matches;
  for (size_t k : datacenter_filter(h_.name, paths)) matches.push_back(candidates[k]);
  if (matches.empty()) {
    deny(rule::kHostNotFound,
         "provider " + provider_label() + " has no host named " + q(last_path_segment(h_.name)) +
             " in the Forklift inventory; check spec.name, or set spec.id (" + list_hint() + ")");
    return;
  }
  if (matches.size() > 1) {
    std::string ids;
    for (const HostInfo* m : matches) {
      std::string where = host_path(*m);
      ids += (ids.empty() ? "" : ", ") + m->id + (where.empty() ? "" : " at " + shown(where));
    }
    const std::string dc = datacenter_of(h_.name);
    deny(rule::kHostAmbiguous,
         std::to_string(matches.size()) + " hosts of provider " + provider_label() + " are named " +
             q(last_path_segment(h_.name)) + (dc.empty() ? "" : " in datacenter " + q(dc)) +
             " (ids: " + ids + "); set spec.id to the one you mean" +
             (dc.empty() ? ", or give spec.name as a path starting with its datacenter "
                           "(/DATACENTER/host/...)"
                         : ""));
    return;
  }
  if (!matches.front()->id.empty()) mutate({"spec", "id"}, matches.front()->id);
  check_host(*matches.front());
}

void Decider::check_host(const HostInfo& host) {
  if (host.in_maintenance)
    warn(rule::kHostInMaintenance,
         "host " + host.id +
             " is in maintenance mode: Forklift will not mark this Host Ready while it is, so "
             "disk transfers go through vCenter instead of this host until it leaves maintenance");
  if (host.status == "red") {
    warn(rule::kHostStatusNotGreen,
         "host " + host.id +
             " has status 'red' in vSphere: Forklift marks this Host NotHealthy and never Ready, "
             "so disk transfers go through vCenter instead of this host; fix the host's health "
             "in vSphere");
  } else if (host.status != "green") {
    warn(rule::kHostStatusNotGreen,
         "host " + host.id +
             (host.status.empty() ? " reports no status in vSphere"
                                  : " has status " + q(host.status) + " in vSphere") +
             ": Forklift flags this Host HostStatusNotGreen; check the host's health before "
             "migrating");
  }
  if (!h_.adapter.empty()) {
    check_adapter(host);
    return;
  }
  // A DNS name cannot be compared offline.
  if (h_.ip.empty() || !address_problem(h_.ip, policy_.allow_hostnames).empty() ||
      !is_ip_literal(unbracketed(h_.ip)))
    return;
  bool on_host = std::any_of(host.adapters.begin(), host.adapters.end(),
                             [&](const Adapter& a) { return same_address(a.ip_address, h_.ip); });
  if (!on_host)
    warn(rule::kAddressNotOnHost, "spec.ipAddress " + shown(h_.ip) +
                                      " is not an adapter IP of host " + host.id +
                                      " (fine for a load balancer)");
}

void Decider::check_adapter(const HostInfo& host) {
  std::vector<const Adapter*> matches;
  std::vector<std::string> names;
  for (const auto& a : host.adapters) {
    if (a.name == h_.adapter) matches.push_back(&a);
    if (std::find(names.begin(), names.end(), a.name) == names.end()) names.push_back(a.name);
  }
  if (matches.empty()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + q(n);
    deny(rule::kAdapterNotFound,
         "host " + host_label(host) + " has no network adapter named " + q(h_.adapter) +
             (names.empty() ? "; the inventory lists no adapters for it: set spec.ipAddress and "
                              "remove the annotation " +
                                  policy_.adapter_annotation
                            : "; use one of: " + list));
    return;
  }
  // Equal to any adapter of that name is consistent: a stored, already mutated Host looks like
  // that, and on a distributed switch every vmk carries the switch's name.
  if (!h_.ip.empty() && std::any_of(matches.begin(), matches.end(), [&](const Adapter* a) {
        return !a->ip_address.empty() && same_address(h_.ip, a->ip_address);
      }))
    return;
  const Adapter& adapter = *matches.front();
  if (adapter.ip_address.empty()) {
    deny(rule::kAdapterNoIp, "network adapter " + q(adapter.name) + " of host " + host_label(host) +
                                 " has no IP address in the inventory; choose another adapter "
                                 "or set spec.ipAddress and remove the annotation " +
                                 policy_.adapter_annotation);
    return;
  }
  // The address as spec.ipAddress must hold it (an IPv6 one in brackets).
  const std::string adapter_ip = spec_address(adapter.ip_address);
  // Said only when the first adapter's IP is used: a conflict is about all of them.
  auto note_repeated = [&] {
    if (matches.size() > 1)
      warn(rule::kAdapterNameRepeated,
           std::to_string(matches.size()) + " adapters of host " + host.id + " are named " +
               q(adapter.name) +
               " (a distributed switch gives every vmk on it the switch's name); used the first (" +
               adapter_ip + "), as kubectl mtv does; set spec.ipAddress to pick another");
  };
  if (h_.ip.empty()) {
    note_repeated();
    mutate({"spec", "ipAddress"}, adapter_ip);
    return;
  }
  std::string old_ip;
  if (req_.operation == "UPDATE") {
    const json* spec = find(req_.old_object, "spec");
    const json* ip = spec ? find(*spec, "ipAddress") : nullptr;
    if (ip && ip->is_string()) old_ip = ip->get<std::string>();
  }
  // An unchanged IP that the inventory moved away from is stale, not the user's choice. Only
  // /mutate may follow it; /validate seeing it means no mutating webhook refreshed it.
  if (phase_ == Phase::Mutate && !old_ip.empty() && old_ip == h_.ip) {
    note_repeated();
    mutate({"spec", "ipAddress"}, adapter_ip);
    warn(rule::kAddressRefreshed, "adapter " + q(adapter.name) + " of host " + host.id +
                                      " now has IP " + adapter_ip +
                                      "; spec.ipAddress updated from " + shown(h_.ip));
    return;
  }
  std::string ips;
  for (const Adapter* a : matches)
    if (!a->ip_address.empty()) ips += (ips.empty() ? "" : ", ") + spec_address(a->ip_address);
  deny(rule::kAddressConflict,
       "spec.ipAddress is " + shown(h_.ip) + " but network adapter " + q(adapter.name) +
           " of host " + host_label(host) + (matches.size() > 1 ? " has IPs " : " has IP ") + ips +
           "; remove spec.ipAddress to use the adapter's IP, or remove the annotation " +
           policy_.adapter_annotation + " to use " + shown(h_.ip));
}

void Decider::check_secret() {
  if (!h_.secret_name.empty()) {
    if (h_.secret_ns.empty()) {
      // Forklift looks the secret up by namespace and name; an empty namespace finds nothing.
      mutate({"spec", "secret", "namespace"}, h_.ns);
      return;
    }
    if (h_.secret_ns == h_.ns || policy_.allow_cross_namespace_secret) return;
    ObjectRef given{h_.secret_name, h_.secret_ns};
    if (provider_ && provider_->secret && *provider_->secret == given) return;
    std::string why = provider_ ? "is not provider " + provider_label() + "'s own secret"
                                : "cannot be checked against the provider's own secret (the "
                                  "provider is unknown)";
    deny(rule::kSecretCrossNamespace, "spec.secret is " + shown(h_.secret_ns) + "/" +
                                          shown(h_.secret_name) + " but the Host is in namespace " +
                                          q(h_.ns) + " and it " + why +
                                          "; use a secret in namespace " + q(h_.ns));
    return;
  }
  auto fix = [&] {
    return "; set spec.secret.name to a Secret in namespace " + q(h_.ns) +
           " with the ESXi host's user and password";
  };
  if (policy_.secret_default == SecretDefault::Never) {
    deny(rule::kSecretMissing,
         "spec.secret is not set and the policy (secretDefault: never) "
         "does not fill it in" +
             fix());
    return;
  }
  // Without the provider there is nothing to default from; its own finding (or the inventory
  // failure policy) already explains why.
  if (!provider_) return;
  // Another type's credentials are no ESXi credentials; provider-not-vsphere already says why.
  if (provider_->type != "vsphere") return;
  bool esxi = provider_->sdk_endpoint == "esxi";
  if (policy_.secret_default == SecretDefault::EsxiOnly && !esxi) {
    deny(rule::kSecretMissing,
         "spec.secret is not set and provider " + provider_label() +
             " is a vCenter endpoint, whose credentials the policy (secretDefault: esxi-only) "
             "does not reuse for hosts" +
             fix());
    return;
  }
  if (!provider_->secret || provider_->secret->name.empty()) {
    deny(rule::kSecretMissing, "spec.secret is not set and provider " + provider_label() +
                                   " has no secret to reuse" + fix());
    return;
  }
  ObjectRef secret = *provider_->secret;
  if (secret.ns.empty()) secret.ns = provider_->ns.empty() ? h_.ns : provider_->ns;
  // `add` replaces a present-but-empty secret ({} or one with only a namespace) as a whole.
  mutate({"spec", "secret"}, json{{"name", secret.name}, {"namespace", secret.ns}});
  if (!esxi)
    warn(rule::kVcenterCredentials, "spec.secret defaulted to vCenter provider " +
                                        shown(h_.provider_name) +
                                        "'s secret; an ESXi host may refuse it");
}

void Decider::add_owner_reference() {
  // On UPDATE a missing reference was removed on purpose (the garbage collector orphaning the
  // Host, a user): putting it back would undo that.
  if (req_.operation != "CREATE") return;
  if (!policy_.owner_reference || !provider_ || provider_->uid.empty()) return;
  if (std::find(h_.owner_uids.begin(), h_.owner_uids.end(), provider_->uid) != h_.owner_uids.end())
    return;
  json ref = {{"apiVersion", "forklift.konveyor.io/v1beta1"},
              {"kind", "Provider"},
              {"name", provider_->name.empty() ? h_.provider_name : provider_->name},
              {"uid", provider_->uid}};
  if (!h_.has_controller_owner) ref["controller"] = true;
  if (phase_ != Phase::Mutate) return;
  const json* meta = find(work_, "metadata");
  const json* refs = meta ? find(*meta, "ownerReferences") : nullptr;
  if (refs && refs->is_array()) {
    patch_.push_back({{"op", "add"}, {"path", "/metadata/ownerReferences/-"}, {"value", ref}});
    work_["metadata"]["ownerReferences"].push_back(ref);
  } else {
    add_at(work_, patch_, {"metadata", "ownerReferences"}, json::array({ref}));
  }
}

Verdict Decider::finish() {
  Verdict v;
  v.in_scope = true;
  v.mode = mode_;
  bool demoted = false;
  if (mode_ == Mode::Warn || update_ == UpdateKind::Unchanged) {
    for (auto& f : findings_) demoted = std::exchange(f.deny, false) || demoted;
  }
  // A stored Host kept despite a violation stays as it is: a patch would change its spec, and
  // /validate would then judge it like a new Host and refuse what /mutate let through.
  const bool keep_patch = !(demoted && update_ == UpdateKind::Unchanged);
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
  bool any_deny =
      std::any_of(findings_.begin(), findings_.end(), [](const Finding& f) { return f.deny; });
  // These warnings report a change the patch makes; with no patch they would be false.
  if (any_deny || phase_ == Phase::Validate || !keep_patch) {
    findings_.erase(std::remove_if(findings_.begin(), findings_.end(),
                                   [](const Finding& f) {
                                     return f.rule == rule::kVcenterCredentials ||
                                            f.rule == rule::kAddressRefreshed;
                                   }),
                    findings_.end());
  }
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
  if (only_inventory && policy_.inventory_failure == FailurePolicy::Defer) {
    v.defer = true;
    v.code = 503;
  } else {
    v.code = 403;
  }
  return v;
}

}  // namespace

std::vector<std::string> Verdict::rules() const {
  std::vector<std::string> out;
  for (const auto& f : findings) {
    if (std::find(out.begin(), out.end(), f.rule) == out.end()) out.push_back(f.rule);
  }
  return out;
}

Verdict decide(const AdmissionRequest& req, Phase phase, InventoryView& inventory,
               const Policy& policy) {
  try {
    return Decider(req, phase, inventory, policy).run();
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

AdmissionResponse to_response(const AdmissionRequest& req, Verdict v) {
  AdmissionResponse r;
  r.uid = req.uid;
  r.allowed = v.allowed;
  r.code = v.allowed ? 200 : v.code;
  if (!v.allowed) {
    r.reason = status_reason(v.code);
    r.message = v.message;
  }
  auto rules = v.rules();
  std::string decision = !v.allowed ? "denied" : v.warnings.empty() ? "allowed" : "warned";
  r.audit_annotations.emplace_back("decision", decision);
  if (!rules.empty()) {
    r.audit_annotations.emplace_back("rules", text::join(rules, ","));
  }
  r.warnings = std::move(v.warnings);
  if (v.allowed) r.patch = std::move(v.patch);
  return r;
}

json decision_view(const json& object) {
  if (!object.is_object()) return object;
  json out = json::object();
  for (const char* key : kObjectKeysRead) {
    auto it = object.find(key);
    if (it != object.end()) out[key] = *it;
  }
  auto meta = out.find("metadata");
  if (meta == out.end() || !meta->is_object()) return out;
  json kept = json::object();
  for (const char* key : kMetadataKeysRead) {
    auto it = meta->find(key);
    if (it != meta->end()) kept[key] = std::move(*it);
  }
  *meta = std::move(kept);
  return out;
}

std::vector<std::string> missing_required_fields(const json& host) {
  std::vector<std::string> out;
  const json* spec = find(host, "spec");
  for (const char* key : {"ipAddress", "provider", "secret"}) {
    const json* v = spec && spec->is_object() ? find(*spec, key) : nullptr;
    if (unset(v)) out.push_back(std::string("/spec/") + key);
  }
  return out;
}

}  // namespace hostadm
