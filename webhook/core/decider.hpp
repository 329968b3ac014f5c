// One admission decision in progress: the rules, run in order over a Host's fields, the
// inventory's answers and the policy, collecting findings and the patch (internal to
// webhook/core; decide() in decision.hpp is the way in). The flow and the rules that need no
// inventory are in decision.cpp, the inventory lookups and the rules on their answers in
// decision_inventory.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/decision.hpp"
#include "webhook/core/host_fields.hpp"
#include "webhook/core/json_patch.hpp"
#include "webhook/core/json_write.hpp"
#include "webhook/core/stored_host.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::detail {

// A user value can be megabytes (a 4 MiB spec.id), and the apiserver copies status.message and
// warnings into its reply, events and audit log: every user value a message quotes goes
// through shown(), cut with its real length kept so the user sees it was cut.
inline std::string shown(const std::string& s) {
  return text::shown_in_message(s);
}

inline std::string q(const std::string& s) {
  return "'" + shown(s) + "'";
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
  // Sets a string field (the values the core writes are strings, or objects of them).
  void mutate(Path path, std::string_view value) {
    if (phase_ != Phase::Mutate) return;
    std::string text;
    json_write::append_string(text, value, json_write::InvalidUtf8::Throw);
    add_at(work_, patch_, path, std::move(text), ValueKind::Scalar);
  }
  void mutate(Path path, std::string value_text, ValueKind kind) {
    if (phase_ == Phase::Mutate) add_at(work_, patch_, path, std::move(value_text), kind);
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
  nlohmann::json work_;  // patch_shape() of the object, with every operation so far applied
  JsonPatch patch_;
  std::vector<Finding> findings_;

  std::optional<ProviderInfo> provider_;
  bool inventory_down_ = false;
  bool stale_noted_ = false;
};

}  // namespace hostadm::detail
