// `host-harness snapshot`: records a live Forklift inventory into a fixture
// on stdout, so CI can replay manifests against what a cluster really has.
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/commands.hpp"
#include "harness/flags.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/policy.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/inventory/http_source.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: host-harness snapshot --inventory-url URL [--token-file F] "
    "[--ca F | --insecure-skip-tls] [--namespace NS] [--provider NAME] [--timeout 30s]\n"
    "       (the URL may also come from MTV_INVENTORY_URL)";

int fail(const std::string& msg) {
  std::cerr << "host-harness snapshot: " << msg << "\n";
  return kExitUsage;
}

}  // namespace

int cmd_snapshot(const Args& args) {
  ParsedFlags flags;
  try {
    flags = parse_flags(
        args, {"--inventory-url", "--token-file", "--ca", "--namespace", "--provider", "--timeout"},
        {"--insecure-skip-tls", "--help", "-h"});
  } catch (const FlagError& e) {
    return fail(std::string(e.what()) + "\n" + kUsage);
  }
  if (flags.has("--help") || flags.has("-h")) {
    std::cout << kUsage << "\n";
    return kExitOk;
  }
  if (!flags.positional.empty())
    return fail("unexpected argument '" + flags.positional[0] + "'\n" + kUsage);

  HttpSourceConfig cfg;
  cfg.url = inventory_url_from_env_or(flags.get("--inventory-url"));
  if (cfg.url.empty())
    return fail(std::string("--inventory-url URL (or MTV_INVENTORY_URL) is required\n") + kUsage);
  cfg.token_file = flags.get("--token-file");
  cfg.ca_file = flags.get("--ca");
  cfg.insecure_skip_tls = flags.has("--insecure-skip-tls");
  if (cfg.insecure_skip_tls && !cfg.ca_file.empty())
    return fail("--ca and --insecure-skip-tls exclude each other: pick one");
  std::chrono::milliseconds timeout{30'000};
  if (flags.has("--timeout")) {
    try {
      timeout = parse_duration(flags.get("--timeout"));
    } catch (const std::exception&) {
      return fail("--timeout must be a duration like 30s or 500ms");
    }
  }
  if (cfg.insecure_skip_tls)
    std::cerr << "host-harness snapshot: warning: not verifying the inventory's certificate\n";

  std::unique_ptr<HttpInventorySource> src;
  try {
    src = std::make_unique<HttpInventorySource>(cfg);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  const std::string base = parse_inventory_url(cfg.url).base();
  const std::string ns = flags.get("--namespace");
  const std::string only = flags.get("--provider");

  std::string path = "/providers?detail=1";
  if (!ns.empty()) path += "&namespace=" + url_encode(ns);
  RawAnswer listing = src->get(path, SteadyClock::now() + timeout);
  if (listing.status != 200)
    return fail(base + path + ": " + src->describe_failure(listing, "the provider list"));
  json by_type;
  try {
    by_type = parse_json_bounded(listing.body);
    if (!by_type.is_object()) throw std::invalid_argument("expected a map by provider type");
  } catch (const std::exception& e) {
    return fail(base + path + ": unreadable answer: " + e.what());
  }

  if (!only.empty()) {
    bool found = false;
    for (auto& [type, list] : by_type.items()) {
      if (!list.is_array()) continue;
      json kept = json::array();
      for (const auto& p : list)
        if (p.is_object() && p.value("name", json()) == only) kept.push_back(p);
      found = found || !kept.empty();
      list = std::move(kept);
    }
    if (!found)
      return fail("no provider named '" + only + "' in the inventory at " + base +
                  (ns.empty() ? "" : " (namespace " + ns + ")"));
  }

  std::map<std::string, json> hosts_by_uid;
  std::map<std::string, int> status_by_uid;
  if (by_type.contains("vsphere") && by_type["vsphere"].is_array()) {
    for (const auto& p : by_type["vsphere"]) {
      std::string uid = p.is_object() ? p.value("uid", std::string()) : "";
      if (uid.empty()) return fail(base + path + ": a vsphere provider has no uid");
      std::string hosts_path = "/providers/vsphere/" + url_encode(uid) + "/hosts?detail=all";
      RawAnswer a = src->get(hosts_path, SteadyClock::now() + timeout);
      status_by_uid[uid] = a.status;
      if (a.status == 206 || (a.status == 404 && a.x_reason == "ProviderNotFound")) continue;
      if (a.status != 200)
        return fail(base + hosts_path + ": " +
                    src->describe_failure(a, "the hosts of provider " + p.value("name", uid)));
      try {
        hosts_by_uid[uid] = parse_json_bounded(a.body);
      } catch (const std::exception& e) {
        return fail(base + hosts_path + ": unreadable answer: " + e.what());
      }
    }
  }

  try {
    std::cout << "# Recorded by host-harness snapshot from " << base << "\n"
              << to_yaml(fixture_from_inventory(by_type, hosts_by_uid, status_by_uid));
    std::cout.flush();
  } catch (const std::exception& e) {
    return fail("cannot build a fixture from the answers of " + base + ": " + e.what());
  }
  return kExitOk;
}

}  // namespace hostadm::harness
