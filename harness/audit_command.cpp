// `host-harness audit`: one audit pass over the Hosts a cluster stores, from a workstation or a
// CI job, printed instead of written: the same pass, core and report format host-webhook's audit
// loop uses.
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "harness/command_line.hpp"
#include "harness/live_inventory.hpp"
#include "webhook/audit/audit_pass.hpp"
#include "webhook/audit/report.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/io/input_files.hpp"
#include "webhook/kube/kube_client.hpp"

namespace hostadm::harness {

using json = nlohmann::json;

const cli::Command& audit_command() {
  using cli::FlagKind;
  using cli::make_flag;
  static const cli::Command kCommand = [] {
    cli::Command c;
    c.program = "host-harness audit";
    c.synopsis = {
        "--kubeconfig FILE [--policy FILE] [--inventory-url URL [--inventory-token-file "
        "F] [--inventory-ca F | --insecure-skip-tls] | --inventory FIXTURE] [-n NS] "
        "[-o table|json|policyreport]"};
    c.summary =
        "Re-decides every Host the cluster stores as the UPDATE that leaves it unchanged, the way "
        "host-webhook's audit does, and prints the results: a denial is `fail`, a warning "
        "`warn`, a Host without findings one `admission` `pass`.";
    cli::Flag ns = make_flag("namespace", FlagKind::String, "NS", "audit this namespace only",
                             "every namespace");
    ns.short_name = 'n';
    c.flags = {
        make_flag("kubeconfig", FlagKind::String, "FILE",
                  "the cluster to audit (a kubeconfig: server, CA, token or client certificate "
                  "of its current context)",
                  "the pod's service account"),
        make_flag("policy", FlagKind::String, "FILE", "policy YAML", "built-in defaults"),
        make_flag("inventory-url", FlagKind::String, "URL", "the Forklift inventory's base URL",
                  "$MTV_INVENTORY_URL"),
        make_flag("inventory-token-file", FlagKind::String, "FILE",
                  "bearer token for --inventory-url"),
        make_flag("inventory-ca", FlagKind::String, "FILE",
                  "CA bundle that verifies --inventory-url's certificate"),
        make_flag("insecure-skip-tls", FlagKind::Bool, "",
                  "do not verify --inventory-url's certificate"),
        make_flag("inventory", FlagKind::String, "FIXTURE",
                  "judge against a fixture file instead of a live inventory (CI)"),
        ns,
        output_flag({"table", "json", "policyreport"}),
    };
    c.footer =
        "Exit codes: 0 no Host fails, 1 at least one `fail`, 2 bad usage, unreadable input or "
        "the Hosts could not be listed.";
    return c;
  }();
  return kCommand;
}

namespace {

struct AuditOptions {
  std::string kubeconfig, policy, fixture, ns, format;
  LiveInventoryOptions live;
};

AuditOptions parse_audit_args(const cli::Parsed& f) {
  AuditOptions o;
  o.kubeconfig = f.get("kubeconfig");
  o.policy = f.get("policy");
  o.fixture = f.get("inventory");
  o.ns = f.get("namespace");
  o.format = f.get("output", "table");
  o.live.url = f.get("inventory-url");
  if (o.live.url.empty() && o.fixture.empty()) {
    const char* env = std::getenv("MTV_INVENTORY_URL");
    if (env) o.live.url = env;
  }
  o.live.token_file = f.get("inventory-token-file");
  o.live.ca_file = f.get("inventory-ca");
  o.live.insecure_skip_tls = f.flag("insecure-skip-tls");
  if (!o.fixture.empty() && !f.get("inventory-url").empty())
    throw cli::UsageError("--inventory and --inventory-url exclude each other: pick one inventory");
  if (o.live.url.empty() && o.fixture.empty())
    throw cli::UsageError(
        "no inventory: give --inventory-url URL (or set MTV_INVENTORY_URL), or --inventory "
        "FIXTURE");
  if (o.live.insecure_skip_tls && !o.live.ca_file.empty())
    throw cli::UsageError("--inventory-ca and --insecure-skip-tls exclude each other: pick one");
  return o;
}

audit::ViewFactory make_views(const AuditOptions& o, const Policy& policy) {
  if (!o.fixture.empty()) {
    auto fixture = std::make_shared<const Fixture>(load_fixture_file(o.fixture));
    return [fixture](Deadline) { return std::make_unique<FixtureInventory>(fixture); };
  }
  ViewSource views = live_inventory_views(o.live, policy);
  return [views](Deadline) { return views(); };
}

void print_table(std::ostream& out, const std::vector<audit::AuditResult>& results) {
  size_t ns_w = 9, name_w = 4, rule_w = 4;
  for (const auto& r : results) {
    ns_w = std::max(ns_w, r.host.ns.size());
    name_w = std::max(name_w, r.host.name.size());
    rule_w = std::max(rule_w, r.rule.size());
  }
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w - s.size() + 2, ' '); };
  out << pad("NAMESPACE", ns_w) << pad("NAME", name_w) << pad("RULE", rule_w)
      << "RESULT  MESSAGE\n";
  for (const auto& r : results)
    out << pad(r.host.ns, ns_w) << pad(r.host.name, name_w) << pad(r.rule, rule_w)
        << pad(audit::to_string(r.result), 6) << r.message << "\n";
  const audit::Summary s = audit::summarize(results);
  out << "\n" << s.pass << " pass, " << s.fail << " fail, " << s.warn << " warn\n";
}

json results_json(const std::vector<audit::AuditResult>& results) {
  json items = json::array();
  for (const auto& r : results)
    items.push_back({{"namespace", r.host.ns},
                     {"name", r.host.name},
                     {"rule", r.rule},
                     {"result", audit::to_string(r.result)},
                     {"message", r.message}});
  const audit::Summary s = audit::summarize(results);
  return {{"results", items}, {"summary", {{"pass", s.pass}, {"fail", s.fail}, {"warn", s.warn}}}};
}

// The reports host-webhook would store, as one List `kubectl apply -f` takes.
json reports_json(const std::vector<audit::AuditResult>& results) {
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  json items = json::array();
  for (const auto& [ns, list] : audit::by_namespace(results))
    items.push_back(audit::policy_report(ns, list, now));
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}};
}

}  // namespace

int cmd_audit(const Args& args) {
  int exit_code = kExitOk;
  const auto flags = read_command_line(audit_command(), args, exit_code);
  if (!flags) return exit_code;
  AuditOptions o;
  try {
    o = parse_audit_args(*flags);
  } catch (const cli::UsageError& e) {
    return usage_error(audit_command(), e.what());
  }
  audit::PassResult pass;
  try {
    const Policy policy = o.policy.empty() ? Policy{} : load_policy_file(o.policy);
    const auto config = kube::resolve_kube_config(o.kubeconfig, std::getenv);
    if (!config)
      return usage_error(audit_command(),
                         "no cluster: give --kubeconfig FILE (or run in a pod with its service "
                         "account)");
    kube::Client client(*config);
    audit::PassOptions options;
    options.ns = o.ns;
    pass = audit::run_pass(client, options, make_views(o, policy), policy, {});
  } catch (const std::exception& e) {
    std::cerr << "host-harness audit: " << e.what() << "\n";
    return kExitUsage;
  }
  if (!pass.complete) {
    std::cerr << "host-harness audit: " << pass.error << "\n";
    return kExitUsage;
  }
  const auto by_ns = audit::by_namespace(pass.results);
  std::vector<audit::AuditResult> ordered;
  for (const auto& [ns, list] : by_ns) ordered.insert(ordered.end(), list.begin(), list.end());
  std::ostringstream out;
  if (o.format == "json")
    out << results_json(ordered).dump(2) << "\n";
  else if (o.format == "policyreport")
    out << reports_json(ordered).dump(2) << "\n";
  else
    print_table(out, ordered);
  std::cout << out.str();
  return audit::summarize(ordered).fail > 0 ? kExitFailed : kExitOk;
}

}  // namespace hostadm::harness
