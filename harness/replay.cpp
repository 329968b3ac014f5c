#include "harness/replay.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness/command_line.hpp"
#include "harness/offline_cluster.hpp"
#include "harness/output.hpp"
#include "harness/pipeline.hpp"
#include "webhook/core/text.hpp"
#include "webhook/inventory/connection_flags.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

const cli::Command& replay_command() {
  using cli::FlagKind;
  using cli::make_flag;
  static const cli::Command kCommand = [] {
    cli::Command c;
    c.program = "host-harness replay";
    c.synopsis = {"--inventory FIXTURE [flags] PATH...",
                  "--inventory-url URL [--inventory-token-file F] [--inventory-ca F | "
                  "--inventory-insecure-skip-tls] [flags] PATH..."};
    c.operands = "PATH...";
    c.summary =
        "Runs Host manifests and AdmissionReviews through the apiserver's admission path and the "
        "webhook's rules, against a fixture inventory or (audit mode) the live Forklift inventory.";
    c.notes = {kPathNote};
    cli::Flag ns = make_flag("namespace", FlagKind::String, "NS",
                             "namespace for documents without one", "default");
    ns.short_name = 'n';
    c.flags = {
        make_flag("inventory", FlagKind::String, "FIXTURE",
                  "the mock Forklift inventory, a fixture file (e.g. examples/inventory.yaml)"),
        make_flag("policy", FlagKind::String, "FILE", "policy YAML", "built-in defaults"),
        ns,
        output_flag({"table", "json", "yaml", "junit"}),
        make_flag("fail-on-warnings", FlagKind::Bool, "",
                  "exit 1 when an admitted Host has a warning"),
    };
    // Audit mode: the live inventory, asked with the webhook's own client.
    const auto connection = inventory_connection_flags("", true);
    c.flags.insert(c.flags.begin() + 1, connection.begin(), connection.end());
    c.footer =
        "Exit codes: 0 every Host admitted, 1 a denial (or a warning with --fail-on-warnings), "
        "2 bad usage, unreadable input or nothing checked.";
    return c;
  }();
  return kCommand;
}

ReplayOptions parse_replay_args(const Args& args) {
  const cli::Parsed f = cli::parse(replay_command(), args);
  ReplayOptions o;
  print_warnings(replay_command(), f);
  o.inventory = f.get("inventory");
  o.live = inventory_connection(f);
  // $MTV_INVENTORY_URL is the default of --inventory-url, never a conflict with --inventory.
  if (!f.has(kInventoryUrlFlag) && !o.inventory.empty()) o.live.url.clear();
  o.fail_on_warnings = f.flag("fail-on-warnings");
  o.policy = f.get("policy");
  o.ns = f.get("namespace");
  o.format = parse_format(f.get("output", "table"));
  o.paths = f.operands;
  const bool live = !o.live.url.empty();
  if (live && !o.inventory.empty())
    throw UsageError(
        "--inventory and --inventory-url exclude each other: replay against a fixture file or "
        "against the live inventory, not both");
  if (!live && o.inventory.empty())
    throw UsageError(
        "--inventory FIXTURE is required (the mock Forklift inventory, e.g. "
        "examples/inventory.yaml), or --inventory-url URL (or $MTV_INVENTORY_URL) to audit against "
        "the live inventory");
  if (!live && (!o.live.token_file.empty() || !o.live.ca_file.empty() || o.live.insecure_skip_tls))
    throw UsageError(
        "--inventory-token-file, --inventory-ca and --inventory-insecure-skip-tls go with "
        "--inventory-url");
  if (o.paths.empty()) throw UsageError("no PATH given: name manifest files, directories or -");
  return o;
}

namespace {

// The inventory side of a replay; `cluster` gets the fixture's cluster entries.
Pipeline make_pipeline(const ReplayOptions& options, ClusterFacts& cluster) {
  Policy policy = options.policy.empty() ? Policy{} : hostadm::load_policy_file(options.policy);
  if (!options.live.url.empty()) {
    ViewSource views = live_inventory_views(options.live, policy);
    return Pipeline(std::move(views), std::move(policy));
  }
  auto fixture = std::make_shared<const Fixture>(hostadm::load_fixture_file(options.inventory));
  cluster = fixture->cluster;
  return Pipeline(std::move(fixture), std::move(policy));
}

}  // namespace

std::vector<DocResult> replay(const ReplayOptions& options) {
  ClusterFacts facts;
  const Pipeline pipeline = make_pipeline(options, facts);
  std::vector<InputDoc> docs = read_documents(options.paths);
  const std::unique_ptr<OfflineCluster> cluster = offline_cluster(facts, docs, options.ns);
  std::vector<DocResult> results(docs.size());

  // Documents are independent and the pipeline is pure, so big inputs use every core; results
  // keep input order and uids ("replay-N") stay the same whatever the thread count.
  constexpr size_t kBatch = 64;
  unsigned threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  if (docs.size() < 4 * kBatch) threads = 1;
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    try {
      for (;;) {
        size_t begin = next.fetch_add(kBatch);
        if (begin >= docs.size()) return;
        size_t end = std::min(docs.size(), begin + kBatch);
        for (size_t i = begin; i < end; ++i)
          results[i] =
              pipeline.run(std::move(docs[i]), options.ns, static_cast<int>(i + 1), cluster.get());
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = docs.size();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return results;
}

int replay_exit_code(const std::vector<DocResult>& results, bool fail_on_warnings) {
  bool checked = false, warned = false;
  for (const auto& r : results) {
    if (r.skipped) continue;
    if (!r.allowed) return kExitFailed;
    checked = true;
    warned = warned || !r.warnings.empty();
  }
  if (!checked) return kExitUsage;
  return fail_on_warnings && warned ? kExitFailed : kExitOk;
}

std::string nothing_checked_reason(const std::vector<DocResult>& results) {
  if (results.empty())
    return "no documents found in the given paths (empty files, empty Lists, or directories "
           "without *.yaml|*.yml|*.json)";
  std::map<std::string, int> reasons;
  for (const auto& r : results) ++reasons[r.skip_reason.empty() ? "skipped" : r.skip_reason];
  std::vector<std::string> counts;
  for (const auto& [why, n] : reasons) counts.push_back(why + ": " + std::to_string(n));
  const std::string list = text::join(counts);
  return std::to_string(results.size()) + " document" + (results.size() == 1 ? "" : "s") +
         ", all skipped (" + list + "); give Host manifests (apiVersion " +
         "forklift.konveyor.io/v1beta1, kind Host), Lists of them, or AdmissionReviews";
}

int cmd_replay(const Args& args) {
  int exit_code = kExitOk;
  if (!read_command_line(replay_command(), args, exit_code)) return exit_code;
  ReplayOptions options;
  try {
    options = parse_replay_args(args);
  } catch (const UsageError& e) {
    return usage_error(replay_command(), e.what());
  }
  std::vector<DocResult> results;
  try {
    results = replay(options);
  } catch (const std::exception& e) {
    // InputError, and anything else about reading input: already "FILE:LINE: what; fix".
    std::cerr << "host-harness replay: " << e.what() << "\n";
    return kExitUsage;
  }
  if (results.empty()) {
    std::cerr << "host-harness replay: nothing was checked: " << nothing_checked_reason(results)
              << "\n";
    return kExitUsage;
  }
  // One buffered write: table and JSON output for 100k documents stays fast.
  std::ostringstream out;
  write_results(out, results, options.format, options.format == Format::Table && want_color(),
                "host-harness replay");
  std::cout << out.str();
  std::cout.flush();
  if (options.format == Format::Yaml) {
    // The YAML stream holds admitted Hosts only; say what was left out and why.
    for (const auto& r : results) {
      if (!r.skipped && !r.allowed)
        std::cerr << "denied " << r.source << " " << r.ns << "/" << r.name << ": " << r.message
                  << "\n";
    }
  }
  const int code = replay_exit_code(results, options.fail_on_warnings);
  if (code == kExitUsage)
    std::cerr << "host-harness replay: nothing was checked: " << nothing_checked_reason(results)
              << "\n";
  else if (code == kExitFailed && replay_exit_code(results) == kExitOk)
    std::cerr << "host-harness replay: failing on warnings (--fail-on-warnings)\n";
  return code;
}

}  // namespace hostadm::harness
