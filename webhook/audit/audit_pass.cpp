#include "webhook/audit/audit_pass.hpp"

#include "webhook/core/host_reader.hpp"
#include "webhook/core/stored_host.hpp"

namespace hostadm::audit {

using json = nlohmann::json;

namespace {

std::string text_at(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<AuditResult> audit_host(const json& item, InventoryView& inventory,
                                    const Policy& policy, ClusterView* cluster) {
  const HostObject stored = read_host_object(item.dump());
  if (stored.deleting) return {};
  const auto meta = item.is_object() ? item.find("metadata") : item.end();
  const bool has_meta = meta != item.end() && meta->is_object();
  HostRef ref{stored.ns, stored.name, has_meta ? text_at(*meta, "uid") : std::string()};
  // The uid of the review the apiserver would send; only log lines would show it.
  const AdmissionRequest req = unchanged_update(stored, "audit-" + ref.uid);
  // /validate's judgement: what decides whether the Host would be admitted.
  const Verdict verdict = decide(req, Phase::Validate, inventory, policy, cluster);
  if (verdict.mode == Mode::Off || !verdict.in_scope) return {};
  return results_of(ref, verdict);
}

PassResult run_pass(kube::Client& client, const PassOptions& options, const ViewFactory& views,
                    const Policy& policy, const ClusterViewFactory& cluster_views,
                    kube::Cancel* cancel) {
  PassResult out;
  std::vector<json> items;
  kube::ListOptions list;
  list.limit = options.page_size;
  const kube::PagedList listed = client.list_all(
      kube::resources::kHosts, options.ns, list, SteadyClock::now() + options.list_timeout,
      [&](json&& item) {
        items.push_back(std::move(item));
        return true;
      },
      [&] { items.clear(); }, cancel);
  if (!listed.result.ok()) {
    out.error = "listing Hosts: " + listed.result.describe();
    return out;
  }
  out.hosts = static_cast<int>(items.size());
  for (auto& item : items) {
    if (cancel && cancel->cancelled()) {
      out.error = "cancelled";
      return out;
    }
    const Deadline deadline = SteadyClock::now() + policy.inventory_timeout;
    const auto view = views(deadline);
    // The cluster's reads have budgets of their own (kubeApiTimeout, endpointTimeout) from when
    // the view is made; the inventory's deadline only bounds when it is made.
    const auto cluster =
        cluster_views ? cluster_views(deadline + policy.kube_api_timeout + policy.endpoint_timeout)
                      : nullptr;
    std::vector<AuditResult> found = audit_host(item, *view, policy, cluster.get());
    const auto meta = item.is_object() ? item.find("metadata") : item.end();
    if (meta != item.end() && meta->is_object()) {
      const std::string ns = text_at(*meta, "namespace");
      if (!ns.empty()) out.namespaces.insert(ns);
    }
    if (found.empty()) continue;
    ++out.audited;
    for (auto& r : found) out.results.push_back(std::move(r));
    item = json();  // the pass keeps results, not the objects
  }
  out.complete = true;
  return out;
}

}  // namespace hostadm::audit
