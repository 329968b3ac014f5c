// `host-harness snapshot`: records a live Forklift inventory into a fixture on stdout, so CI can
// replay manifests against what a cluster really has. It asks as the webhook does (providers at
// detail 0, then each provider whole) and reads host lists a page at a time, writing each page
// out before reading the next: a 5,000-host vCenter (about 50 MB of host JSON) never sits in
// memory at once. The fixture is JSON unless `-o yaml` is given (harness/snapshot_writer.hpp).
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/canonical_json.hpp"
#include "harness/command_line.hpp"
#include "harness/commands.hpp"
#include "harness/fixture_snapshot.hpp"
#include "harness/snapshot_writer.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/inventory/connection_flags.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;

// Hosts per page: about 1 MB of JSON at real size.
constexpr size_t kPage = 100;

// What stops a recording: the message names the URL and the cause (never the token).
struct SnapshotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A provider of the listing: its type (the listing's key) and its entry.
struct Listed {
  std::string type;
  json entry;
};

// One page of a provider's hosts (each as the text the fixture holds it as, without selfLink),
// or the status that stopped the list (206: not synced).
struct HostPage {
  int status = 200;
  std::vector<std::string> hosts;
  std::string path;
  SteadyClock::duration waited{};
};

// The inventory as `snapshot` reads it: every request with the same timeout, every failure a
// SnapshotError naming the URL.
class Recorder {
 public:
  Recorder(const HttpSourceConfig& cfg, std::chrono::milliseconds timeout)
      : src_(cfg), base_(parse_http_url(cfg.url, "inventory URL").base()), timeout_(timeout) {}

  const std::string& base() const { return base_; }

  // The providers to record: every one listed (in `ns` when given), or the one named `only`.
  std::vector<Listed> list(const std::string& ns, const std::string& only) {
    std::string path = "/providers";
    if (!ns.empty()) path += "?namespace=" + url_encode(ns);
    json by_type = read_json(path, "the provider list");
    if (!by_type.is_object())
      throw SnapshotError(base_ + path + ": unreadable answer: expected a map by provider type");
    std::vector<Listed> listed;
    for (auto& [type, list] : by_type.items()) {
      if (!list.is_array()) continue;
      for (auto& p : list)
        if (p.is_object() && (only.empty() || p.value("name", json()) == only))
          listed.push_back({type, std::move(p)});
    }
    if (!only.empty() && listed.empty())
      throw SnapshotError("no provider named '" + only + "' in the inventory at " + base_ +
                          (ns.empty() ? "" : " (namespace " + ns + ")"));
    return listed;
  }

  // The provider whole (phase, conditions, secret); the listing entry when it cannot be read.
  json provider(const Listed& p, const std::string& uid, const std::string& who) {
    const std::string path = "/providers/" + url_encode(p.type) + "/" + url_encode(uid);
    RawAnswer a = src_.get(path, deadline());
    if (a.status == 206 || a.status == 404) return p.entry;
    if (a.status != 200) throw SnapshotError(base_ + path + ": " + src_.describe_failure(a, who));
    return parse(a.body, path);
  }

  // A page of the hosts of the vSphere provider `uid` at full detail.
  HostPage hosts(const std::string& uid, size_t offset, const std::string& who) {
    HostPage page;
    page.path = "/providers/vsphere/" + url_encode(uid) +
                "/hosts?detail=all&limit=" + std::to_string(kPage) +
                "&offset=" + std::to_string(offset);
    auto asked = SteadyClock::now();
    RawAnswer a = src_.get(page.path, deadline());
    page.waited = SteadyClock::now() - asked;
    if (a.status == 206 || (a.status == 404 && a.x_reason == "ProviderNotFound")) {
      page.status = a.status;
      return page;
    }
    if (a.status != 200)
      throw SnapshotError(base_ + page.path + ": " +
                          src_.describe_failure(a, "the hosts of " + who));
    try {
      // selfLink names the recorded uid; the fixture derives it from the provider's.
      page.hosts = canonical_items(a.body, "selfLink");
    } catch (const std::exception& e) {
      throw SnapshotError(base_ + page.path + ": unreadable answer: " + e.what());
    }
    return page;
  }

 private:
  Deadline deadline() const { return SteadyClock::now() + timeout_; }

  json read_json(const std::string& path, const std::string& what) {
    RawAnswer a = src_.get(path, deadline());
    if (a.status != 200) throw SnapshotError(base_ + path + ": " + src_.describe_failure(a, what));
    return parse(a.body, path);
  }

  json parse(const std::string& body, const std::string& path) const {
    try {
      return parse_json_bounded(body);
    } catch (const std::exception& e) {
      throw SnapshotError(base_ + path + ": unreadable answer: " + e.what());
    }
  }

  HttpInventorySource src_;
  std::string base_;
  std::chrono::milliseconds timeout_;
};

// The fixture's entry for one provider, from the inventory's answers about it.
json fixture_provider(const json& full, const Listed& p, const HostPage& first,
                      const std::string& who) {
  json out;
  try {
    out = fixture_provider_from_inventory(full, p.type, first.status);
  } catch (const std::exception& e) {
    throw SnapshotError("cannot build a fixture from the answers about " + who + ": " + e.what());
  }
  // The inventory held the 206 this long: recorded so a replay times out where the webhook
  // would (whole seconds; a short wait is noise).
  if (first.status == 206 && first.waited >= std::chrono::seconds(1))
    out["syncDelay"] =
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(first.waited).count()) +
        "s";
  return out;
}

// One provider and, for vSphere, its hosts, each page written out before the next is read.
void record(Recorder& inventory, const Listed& p, FixtureWriter& out) {
  const std::string uid = p.entry.value("uid", std::string());
  if (uid.empty())
    throw SnapshotError(inventory.base() + "/providers: a " + p.type + " provider has no uid");
  const std::string who = p.type + " provider " + p.entry.value("name", uid);
  const json full = inventory.provider(p, uid, who);
  const bool vsphere = p.type == "vsphere";
  HostPage page;
  if (vsphere) page = inventory.hosts(uid, 0, who);
  out.provider(fixture_provider(full, p, page, who), vsphere);
  if (!vsphere) return;
  for (size_t offset = 0; page.status == 200 && !page.hosts.empty();) {
    for (const auto& h : page.hosts) out.host(h);
    if (page.hosts.size() < kPage) break;
    offset += page.hosts.size();
    page = inventory.hosts(uid, offset, who);
    if (page.status != 200)
      throw SnapshotError(inventory.base() + page.path +
                          ": the inventory stopped answering host pages (" +
                          std::to_string(page.status) + ") while they were read; run again");
  }
  out.end_provider();
}

int fail(const std::string& msg) {
  std::cerr << "host-harness snapshot: " << msg << "\n";
  return kExitUsage;
}

}  // namespace

const cli::Command& snapshot_command() {
  using cli::FlagKind;
  using cli::make_flag;
  static const cli::Command kCommand = [] {
    cli::Command c;
    c.program = "host-harness snapshot";
    c.synopsis = {
        "--inventory-url URL [--inventory-token-file F] [--inventory-ca F | "
        "--inventory-insecure-skip-tls] [--namespace NS] [--provider NAME] [--timeout 30s] "
        "[-o json|yaml]"};
    c.summary =
        "Records a live Forklift inventory into a fixture on stdout, so CI can replay manifests "
        "against what a cluster really has.";
    cli::Flag ns = make_flag("namespace", FlagKind::String, "NS",
                             "record only the providers of this namespace", "all");
    ns.short_name = 'n';
    cli::Flag output = output_flag({"json", "yaml"});
    output.help = "fixture format: json is read at any size; yaml only up to 16 MB (hand editing)";
    output.example = "yaml";
    c.flags = {
        ns,
        make_flag("provider", FlagKind::String, "NAME", "record only the provider of this name"),
        [] {
          cli::Flag t = make_flag("timeout", FlagKind::Duration, "DURATION",
                                  "each inventory request's deadline", "30s");
          t.bare_seconds = true;  // `--timeout 10` has meant 10 s since the first release
          return t;
        }(),
        output,
    };
    const auto connection = inventory_connection_flags("", true);
    c.flags.insert(c.flags.begin(), connection.begin(), connection.end());
    return c;
  }();
  return kCommand;
}

namespace {

// The inventory client's settings from the flags; throws SnapshotError for bad usage.
HttpSourceConfig source_config(const cli::Parsed& flags) {
  HttpSourceConfig cfg;
  try {
    cfg = inventory_connection(flags);
  } catch (const cli::UsageError& e) {
    throw SnapshotError(e.what());
  }
  if (cfg.url.empty())
    throw SnapshotError("--inventory-url URL (or MTV_INVENTORY_URL) is required");
  return cfg;
}

// YAML past this is more than the fixture readers take as YAML.
constexpr size_t kYamlReadLimit = 16u << 20;

}  // namespace

int cmd_snapshot(const Args& args) {
  int exit_code = kExitOk;
  auto parsed = read_command_line(snapshot_command(), args, exit_code);
  if (!parsed) return exit_code;
  const cli::Parsed& flags = *parsed;
  const std::string format = flags.get("output", "json");
  try {
    const HttpSourceConfig cfg = source_config(flags);
    if (cfg.insecure_skip_tls)
      std::cerr << "host-harness snapshot: warning: not verifying the inventory's certificate\n";
    std::unique_ptr<Recorder> inventory;
    try {
      inventory =
          std::make_unique<Recorder>(cfg, flags.duration("timeout", std::chrono::seconds(30)));
    } catch (const std::exception& e) {  // a bad URL, an unreadable CA or token file
      throw SnapshotError(e.what());
    }
    const auto listed = inventory->list(flags.get("namespace"), flags.get("provider"));
    auto out = make_fixture_writer(format, std::cout);
    out->begin(inventory->base());
    for (const auto& p : listed) record(*inventory, p, *out);
    out->end();
    if (format == "yaml" && out->bytes() > kYamlReadLimit)
      std::cerr << "host-harness snapshot: warning: " << (out->bytes() >> 20)
                << " MB of YAML is more than replay, test and serve-inventory read as YAML (16 "
                   "MB); record with -o json to use it\n";
  } catch (const SnapshotError& e) {
    return fail(e.what());
  }
  std::cout.flush();
  return std::cout ? kExitOk : kExitFailed;
}

}  // namespace hostadm::harness
