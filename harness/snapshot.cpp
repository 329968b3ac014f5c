// `host-harness snapshot`: records a live Forklift inventory into a fixture on stdout, so CI can
// replay manifests against what a cluster really has. It asks as the webhook does (providers at
// detail 0, then each provider whole) and reads host lists a page at a time, writing each page
// out before reading the next: a 5,000-host vCenter (about 50 MB of host JSON) never sits in
// memory at once.
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/command_line.hpp"
#include "harness/commands.hpp"
#include "harness/fixture_snapshot.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/inventory/http_source.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;

// Hosts per page: about 1 MB of JSON at real size.
constexpr size_t kPage = 100;

std::string indent(const std::string& text, size_t n) {
  std::string out, pad(n, ' ');
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += pad + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
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
        "--inventory-url URL [--token-file F] [--ca F | --insecure-skip-tls] [--namespace NS] "
        "[--provider NAME] [--timeout 30s]"};
    c.summary =
        "Records a live Forklift inventory into a fixture on stdout, so CI can replay manifests "
        "against what a cluster really has.";
    cli::Flag ns = make_flag("namespace", FlagKind::String, "NS",
                             "record only the providers of this namespace", "all");
    ns.short_name = 'n';
    c.flags = {
        make_flag("inventory-url", FlagKind::String, "URL", "the Forklift inventory's base URL",
                  "env MTV_INVENTORY_URL"),
        make_flag("token-file", FlagKind::String, "FILE", "bearer token for the inventory"),
        make_flag("ca", FlagKind::String, "FILE", "CA bundle that verifies the inventory"),
        make_flag("insecure-skip-tls", FlagKind::Bool, "",
                  "do not verify the inventory's certificate"),
        ns,
        make_flag("provider", FlagKind::String, "NAME", "record only the provider of this name"),
        [] {
          cli::Flag t = make_flag("timeout", FlagKind::Duration, "DURATION",
                             "each inventory request's deadline", "30s");
          t.bare_seconds = true;  // `--timeout 10` has meant 10 s since the first release
          return t;
        }(),
    };
    return c;
  }();
  return kCommand;
}

int cmd_snapshot(const Args& args) {
  int exit_code = kExitOk;
  auto parsed = read_command_line(snapshot_command(), args, exit_code);
  if (!parsed) return exit_code;
  const cli::Parsed& flags = *parsed;

  HttpSourceConfig cfg;
  cfg.url = inventory_url_from_env_or(flags.get("inventory-url"));
  if (cfg.url.empty()) return fail("--inventory-url URL (or MTV_INVENTORY_URL) is required");
  cfg.token_file = flags.get("token-file");
  cfg.ca_file = flags.get("ca");
  cfg.insecure_skip_tls = flags.flag("insecure-skip-tls");
  if (cfg.insecure_skip_tls && !cfg.ca_file.empty())
    return fail("--ca and --insecure-skip-tls exclude each other: pick one");
  const std::chrono::milliseconds timeout = flags.duration("timeout", std::chrono::seconds(30));
  if (cfg.insecure_skip_tls)
    std::cerr << "host-harness snapshot: warning: not verifying the inventory's certificate\n";

  std::unique_ptr<HttpInventorySource> src;
  try {
    src = std::make_unique<HttpInventorySource>(cfg);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  const std::string base = parse_http_url(cfg.url, "inventory URL").base();
  const std::string ns = flags.get("namespace");
  const std::string only = flags.get("provider");

  auto deadline = [&] { return SteadyClock::now() + timeout; };
  std::string path = "/providers";
  if (!ns.empty()) path += "?namespace=" + url_encode(ns);
  RawAnswer listing = src->get(path, deadline());
  if (listing.status != 200)
    return fail(base + path + ": " + src->describe_failure(listing, "the provider list"));
  json by_type;
  try {
    by_type = parse_json_bounded(listing.body);
    if (!by_type.is_object()) throw std::invalid_argument("expected a map by provider type");
  } catch (const std::exception& e) {
    return fail(base + path + ": unreadable answer: " + e.what());
  }

  // (type, listing entry) of every provider to record.
  std::vector<std::pair<std::string, json>> listed;
  for (auto& [type, list] : by_type.items()) {
    if (!list.is_array()) continue;
    for (auto& p : list)
      if (p.is_object() && (only.empty() || p.value("name", json()) == only))
        listed.emplace_back(type, std::move(p));
  }
  if (!only.empty() && listed.empty())
    return fail("no provider named '" + only + "' in the inventory at " + base +
                (ns.empty() ? "" : " (namespace " + ns + ")"));

  std::cout << "# Recorded by host-harness snapshot from " << base
            << "\nproviders:" << (listed.empty() ? " []\n" : "\n");
  for (const auto& [type, entry] : listed) {
    std::string uid = entry.value("uid", std::string());
    if (uid.empty()) return fail(base + path + ": a " + type + " provider has no uid");
    const std::string who = type + " provider " + entry.value("name", uid);
    // The provider whole (phase, conditions, secret); the listing entry when it cannot be read.
    json full = entry;
    const std::string provider_path = "/providers/" + url_encode(type) + "/" + url_encode(uid);
    RawAnswer pa = src->get(provider_path, deadline());
    if (pa.status == 200) {
      try {
        full = parse_json_bounded(pa.body);
      } catch (const std::exception& e) {
        return fail(base + provider_path + ": unreadable answer: " + e.what());
      }
    } else if (pa.status != 206 && pa.status != 404) {
      return fail(base + provider_path + ": " + src->describe_failure(pa, "the " + who));
    }

    // Host pages, each written out as soon as it is read. The first answer also says whether
    // the provider is synced, which the provider's entry (written first) records.
    int hosts_status = 200;
    SteadyClock::duration waited{};
    json page = json::array();
    std::string hosts_path;
    auto read_page = [&](size_t offset) -> std::string {
      hosts_path = "/providers/vsphere/" + url_encode(uid) +
                   "/hosts?detail=all&limit=" + std::to_string(kPage) +
                   "&offset=" + std::to_string(offset);
      auto asked = SteadyClock::now();
      RawAnswer a = src->get(hosts_path, deadline());
      if (a.status == 206 || (a.status == 404 && a.x_reason == "ProviderNotFound")) {
        hosts_status = a.status;
        waited = SteadyClock::now() - asked;
        page = json::array();
        return "";
      }
      if (a.status != 200)
        return base + hosts_path + ": " + src->describe_failure(a, "the hosts of " + who);
      try {
        page = parse_json_bounded(a.body);
        if (!page.is_array()) throw std::invalid_argument("expected a list of hosts");
      } catch (const std::exception& e) {
        return base + hosts_path + ": unreadable answer: " + e.what();
      }
      return "";
    };
    if (type == "vsphere") {
      if (auto err = read_page(0); !err.empty()) return fail(err);
    }
    json p;
    try {
      p = fixture_provider_from_inventory(full, type, hosts_status);
    } catch (const std::exception& e) {
      return fail("cannot build a fixture from the answers about " + who + ": " + e.what());
    }
    // The inventory held the 206 this long: recorded so a replay times out where the webhook
    // would (whole seconds; a short wait is noise).
    if (hosts_status == 206 && waited >= std::chrono::seconds(1))
      p["syncDelay"] =
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) + "s";
    std::cout << to_yaml(json::array({p}));
    if (type != "vsphere") continue;
    std::cout << (page.empty() ? "  hosts: []\n" : "  hosts:\n");
    for (size_t offset = 0; !page.empty();) {
      for (auto& h : page) {
        // selfLink names the recorded uid; the fixture derives it from the provider's.
        if (h.is_object()) h.erase("selfLink");
        std::cout << indent(to_yaml(json::array({std::move(h)})), 2);
      }
      if (page.size() < kPage) break;
      offset += page.size();
      if (auto err = read_page(offset); !err.empty()) return fail(err);
      if (hosts_status != 200)
        return fail(base + hosts_path + ": the inventory stopped answering host pages (" +
                    std::to_string(hosts_status) + ") while they were read; run again");
    }
  }
  std::cout.flush();
  return std::cout ? kExitOk : kExitFailed;
}

}  // namespace hostadm::harness
