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

#include "harness/output.hpp"
#include "harness/pipeline.hpp"
#include "webhook/inventory/files.hpp"

namespace hostadm::harness {

namespace {

constexpr const char* kReplayUsage =
    "usage: host-harness replay --inventory FIXTURE [--policy FILE] [--namespace NS] "
    "[-o table|json|yaml|junit] [--fail-on-warnings] PATH...\n"
    "       host-harness replay --inventory-url URL [--token-file F] [--ca F | "
    "--insecure-skip-tls] [...] PATH...\n"
    "  PATH: a manifest file, a directory (every *.yaml|*.yml|*.json below it) or - (stdin)\n"
    "  --inventory-url: audit mode, judged against the live Forklift inventory with the "
    "webhook's own client\n";

}  // namespace

ReplayOptions parse_replay_args(const Args& args) {
  ReplayOptions o;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (flags_done || a == "-" || a.empty() || a[0] != '-') {
      o.paths.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    std::string flag = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    } else if (a.rfind("-o", 0) == 0 && a.size() > 2) {
      flag = "-o";
      value = a.substr(2);
      has_value = true;
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--inventory") {
      o.inventory = take();
    } else if (flag == "--inventory-url") {
      o.live.url = take();
    } else if (flag == "--token-file") {
      o.live.token_file = take();
    } else if (flag == "--ca") {
      o.live.ca_file = take();
    } else if (flag == "--insecure-skip-tls" || flag == "--fail-on-warnings") {
      if (has_value) throw UsageError(flag + " takes no value");
      (flag == "--fail-on-warnings" ? o.fail_on_warnings : o.live.insecure_skip_tls) = true;
    } else if (flag == "--policy") {
      o.policy = take();
    } else if (flag == "--namespace" || flag == "-n") {
      o.ns = take();
    } else if (flag == "-o" || flag == "--output") {
      try {
        o.format = parse_format(take());
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
    } else {
      throw UsageError("unknown flag '" + a + "'");
    }
  }
  const bool live = !o.live.url.empty();
  if (live && !o.inventory.empty())
    throw UsageError(
        "--inventory and --inventory-url exclude each other: replay against a fixture file or "
        "against the live inventory, not both");
  if (!live && o.inventory.empty())
    throw UsageError(
        "--inventory FIXTURE is required (the mock Forklift inventory, e.g. "
        "examples/inventory.yaml), or --inventory-url URL to audit against the live inventory");
  if (!live && (!o.live.token_file.empty() || !o.live.ca_file.empty() || o.live.insecure_skip_tls))
    throw UsageError("--token-file, --ca and --insecure-skip-tls go with --inventory-url");
  if (o.live.insecure_skip_tls && !o.live.ca_file.empty())
    throw UsageError("--ca and --insecure-skip-tls exclude each other: pick one");
  if (o.paths.empty()) throw UsageError("no PATH given: name manifest files, directories or -");
  return o;
}

namespace {

Pipeline make_pipeline(const ReplayOptions& options) {
  Policy policy = options.policy.empty() ? Policy{} : hostadm::load_policy_file(options.policy);
  if (!options.live.url.empty()) {
    ViewSource views = live_inventory_views(options.live, policy);
    return Pipeline(std::move(views), std::move(policy));
  }
  auto fixture = std::make_shared<const Fixture>(hostadm::load_fixture_file(options.inventory));
  return Pipeline(std::move(fixture), std::move(policy));
}

}  // namespace

std::vector<DocResult> replay(const ReplayOptions& options) {
  const Pipeline pipeline = make_pipeline(options);
  std::vector<InputDoc> docs = read_documents(options.paths);
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
          results[i] = pipeline.run(std::move(docs[i]), options.ns, static_cast<int>(i + 1));
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
  std::string list;
  for (const auto& [why, n] : reasons)
    list += (list.empty() ? "" : ", ") + why + ": " + std::to_string(n);
  return std::to_string(results.size()) + " document" + (results.size() == 1 ? "" : "s") +
         ", all skipped (" + list + "); give Host manifests (apiVersion " +
         "forklift.konveyor.io/v1beta1, kind Host), Lists of them, or AdmissionReviews";
}

int cmd_replay(const Args& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      std::cout << kReplayUsage;
      return kExitOk;
    }
  }
  ReplayOptions options;
  try {
    options = parse_replay_args(args);
  } catch (const UsageError& e) {
    std::cerr << "host-harness replay: " << e.what() << "\n" << kReplayUsage;
    return kExitUsage;
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
