// One admission decision in progress: the rules, run in order over a Host's fields, the
// inventory's answers and the policy, collecting findings and the patch (internal to
// webhook/core; decide() in decision.hpp is the way in). The flow and the rules that need no
// inventory are in decision.cpp, the inventory lookups and the rules on their answers in
// decision_inventory.cpp, the namespace's standards in decision_standards.cpp, the rules that
// ask the cluster (ClusterView) in decision_cluster.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webhook/core/cluster_view.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/json_patch.hpp"
#include "webhook/core/json_write.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/core/stored_host.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::detail {

// A user value can be megabytes (a 4 MiB spec.id), and the apiserver copies status.message and
// warnings into its reply, events and audit log: every user value a message quotes goes
// through shown(), cut with its real length kept so the user sees it was cut.
inline std::string shown(std::string_view s) {
  return text::shown_in_message(s);
}

inline std::string q(std::string_view s) {
  return "'" + shown(s) + "'";
}

// A buffer of the thread's own for a patch value being written: a /mutate writes a few, and the
// patch copies each into its text at once.
inline std::string& value_buffer() {
  thread_local std::string buffer;
  buffer.clear();
  return buffer;
}

class Decider {
 public:
  Decider(const AdmissionRequest& req, Phase phase, InventoryView& inventory, const Policy& policy,
          ClusterView* cluster)
      : req_(req), phase_(phase), inventory_(inventory), policy_(policy), cluster_(cluster) {}

  Verdict run();

 private:
  void deny(std::string_view rule, std::string_view text) { add(rule, true, text); }
  void warn(std::string_view rule, std::string_view text) { add(rule, false, text); }
  void add(std::string_view rule, bool is_deny, std::string_view text) {
    std::string message = message_for(rule, text.size());
    message += text;
    add_message(rule, is_deny, std::move(message));
  }
  // For the messages written on every admission: "RULE: " to be completed, then add_message.
  static std::string message_for(std::string_view rule, size_t text_size = 120) {
    std::string message;
    message.reserve(rule.size() + 2 + text_size);
    message.append(rule).append(": ");
    return message;
  }
  void add_message(std::string_view rule, bool is_deny, std::string message) {
    findings_.push_back({std::string(rule), is_deny, std::move(message)});
  }
  // Sets a string field (the values the core writes are strings, or objects of them).
  void mutate(Path path, std::string_view value) {
    if (phase_ != Phase::Mutate) return;
    std::string& text = value_buffer();
    json_write::append_string(text, value, json_write::InvalidUtf8::Throw);
    add_at(shape_, patch_, path, text, ValueKind::Scalar);
  }
  void mutate(Path path, std::string_view value_text, ValueKind kind) {
    if (phase_ == Phase::Mutate) add_at(shape_, patch_, path, value_text, kind);
  }

  const HostObject::Spec& spec() const { return req_.object.spec; }
  std::string provider_label() const { return shown(ns_) + "/" + shown(spec().provider.name); }
  std::string host_label(const HostInfo& host) const {
    return host.name.empty() ? host.id : host.id + " (" + host.name + ")";
  }

  void check_static();
  // The inventory's steps (decision_inventory.cpp): the provider, then the host by id or name.
  // always_inline: the steps every admission takes, each defined and called in one .cpp only,
  // are cut out of their caller for reading and must not cost a call on the admission path
  // (measured with bench-admission-path under callgrind; GCC keeps them apart otherwise).
  void lookup_inventory();
  // false: denied, or the inventory failed; a host lookup would prove nothing.
  [[gnu::always_inline]] inline bool lookup_provider();
  [[gnu::always_inline]] inline bool provider_usable();
  void deny_provider_not_found();
  void deny_not_synced(const std::string& error);
  [[gnu::always_inline]] inline HostsLookup ask_hosts(bool by_id);
  // false: denied, or the inventory failed.
  [[gnu::always_inline]] inline bool hosts_answered(const HostsLookup& hl);
  std::string list_hosts_hint() const;
  [[gnu::always_inline]] inline void resolve_host_by_id(const std::vector<HostInfo>& found);
  [[gnu::always_inline]] inline void resolve_host_by_name(const std::vector<HostInfo>& found);
  void deny_ambiguous_name(const std::vector<const HostInfo*>& matches);
  void check_host(const HostInfo& host);
  void check_adapter(const HostInfo& host);
  void deny_adapter_not_found(const HostInfo& host);
  [[gnu::always_inline]] inline bool adapter_ip_is_stale() const;
  [[gnu::always_inline]] inline void fill_ip_from_adapter(
      const HostInfo& host, const std::vector<const Adapter*>& matches,
      const std::string& adapter_ip);
  void deny_address_conflict(const HostInfo& host, const std::vector<const Adapter*>& matches);
  void check_secret();
  [[gnu::always_inline]] inline void check_given_secret();
  std::string secret_fix_hint() const;
  [[gnu::always_inline]] inline void default_secret_from_provider(bool esxi);
  // Standards (decision_standards.cpp).
  void check_standards();
  bool refuse_default_secret();
  void check_verified_tls();
  void deny_cross_namespace_secret();
  // decision_cluster.cpp: the Secret, the other Hosts and the endpoint, when a view is given.
  void check_cluster();
  void check_secret_facts();
  void check_duplicate();
  void check_endpoint(EndpointCheck mode);
  // The Host's Secret (given, or defaulted from the provider) as the cluster has it, read once
  // per decision for every rule that needs it; nullptr when there is no view or no Secret (not
  // given, not defaulted, or refused by secret-cross-namespace).
  const SecretFacts* secret_facts();
  void add_owner_reference();
  void inventory_failed(const std::string& error);
  void note_stale(const std::string& error);
  Verdict finish();
  // true: a denial was demoted to a warning.
  [[gnu::always_inline]] inline bool demote_all();
  [[gnu::always_inline]] inline void sort_findings();
  [[gnu::always_inline]] inline void drop_patch_warnings(bool keep_patch);
  Verdict untouched(bool in_scope);
  Verdict malformed();

  const AdmissionRequest& req_;
  Phase phase_;
  InventoryView& inventory_;
  const Policy& policy_;
  ClusterView* cluster_;       // nullptr: no API client, no cluster checks
  EffectivePolicy effective_;  // the namespace's entry, standards and rule actions
  Mode mode_ = Mode::Enforce;
  UpdateKind update_ = UpdateKind::Fresh;

  std::string ns_;            // the Host's namespace: its own, the request's, or "default"
  std::string_view adapter_;  // the policy's adapter annotation, when it is a string
  PatchShape shape_;          // the Host's containers, with every operation so far applied
  JsonPatch patch_;
  std::vector<Finding> findings_;

  std::shared_ptr<const ProviderInfo> provider_;
  std::shared_ptr<const std::vector<HostInfo>> hosts_;  // keeps host_ alive
  const HostInfo* host_ = nullptr;                      // the inventory host, when found
  std::string filled_ip_;  // spec.ipAddress as /mutate sets it from the adapter; "": not set
  bool inventory_down_ = false;
  bool stale_noted_ = false;

  // What the cluster checks need from the rules before them (set only when a view is given).
  bool host_resolved_ = false;           // the inventory named the ESXi host
  std::string host_id_;                  // its id (spec.id, or the one a name resolved to)
  std::string host_thumbprint_;          // its certificate's SHA-1 thumbprint; "" none listed
  std::string final_ip_;                 // spec.ipAddress as the patch leaves it
  std::optional<ObjectRef> secret_ref_;  // spec.secret, given or defaulted, namespace filled
  std::optional<SecretFacts> secret_facts_;
};

}  // namespace hostadm::detail
