// One audit pass: every stored Host re-decided by the core as the UPDATE that leaves it as it is,
// the way kube-apiserver would ask the webhook when a label changes, with the same inventory view
// (and its cache), cluster view and policy the admissions use.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/audit/report.hpp"
#include "webhook/core/clock.hpp"
#include "webhook/core/cluster_view.hpp"
#include "webhook/core/inventory.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/kube/kube_client.hpp"

namespace hostadm::audit {

// A view bound to a deadline, as the server makes one per admission (over the shared cache).
using ViewFactory = std::function<std::unique_ptr<InventoryView>(Deadline)>;
// The cluster facts of one Host's decision, bound to its deadline as an admission's are; empty,
// or returning nullptr: no cluster checks.
using ClusterViewFactory = std::function<std::unique_ptr<ClusterView>(Deadline)>;

// Decides one Host as a LIST answer's item carries it. Empty when the Host is not audited: its
// namespace's mode is `off`, or it is being deleted (the webhook admits those untouched).
std::vector<AuditResult> audit_host(const nlohmann::json& item, InventoryView& inventory,
                                    const Policy& policy, ClusterView* cluster);

struct PassOptions {
  std::string ns;  // "": every namespace
  int page_size = 500;
  std::chrono::milliseconds list_timeout{60'000};  // the whole paged list
};

struct PassResult {
  std::vector<AuditResult> results;
  // Every namespace that holds a Host (audited or not): a report elsewhere is no longer needed.
  std::set<std::string> namespaces;
  int hosts = 0;          // Hosts listed
  int audited = 0;        // of which decided
  bool complete = false;  // false: the list failed, `error` says why; nothing may be deleted
  std::string error;
};

// Lists the Hosts (paged), then decides them one after the other: each lookup goes through the
// one cached view factory, so a pass costs one provider list per namespace and one host list per
// provider rather than a call per Host. Each Host gets the policy's inventoryTimeout.
PassResult run_pass(kube::Client& client, const PassOptions& options, const ViewFactory& views,
                    const Policy& policy, const ClusterViewFactory& cluster_views,
                    kube::Cancel* cancel = nullptr);

}  // namespace hostadm::audit
