// Where inventory answers come from before the cache: the Forklift inventory over HTTP(S)
// (http_source.hpp), or a fake in tests. The cache (cache.hpp) turns a source into per-request
// InventoryViews.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "webhook/core/clock.hpp"
#include "webhook/core/inventory.hpp"

namespace hostadm {

struct ProvidersFetch {
  LookupStatus status = LookupStatus::Unavailable;  // Ok or Unavailable
  std::vector<ProviderInfo> providers;  // every provider listed in the namespace, any type
  std::string error;                    // cause, no secrets
  bool timed_out = false;
};

struct ProviderFetch {
  // Ok, NotReady (206 / 404 ProviderNotFound: no collector for that uid), Unavailable
  LookupStatus status = LookupStatus::Unavailable;
  ProviderInfo provider;  // full detail when Ok
  std::string error;
  bool timed_out = false;
};

struct HostsFetch {
  // Ok (hosts may be empty: no such host), NotReady (206 / 404 ProviderNotFound), Unavailable
  LookupStatus status = LookupStatus::Unavailable;
  std::vector<HostInfo> hosts;
  std::string error;
  bool timed_out = false;
};

// The calls Forklift's own client makes: the namespace's providers at detail 0, then the one
// named, in full; one host by id, or the hosts with a name. Each must return by `deadline`
// (Unavailable, timed_out, otherwise).
class InventorySource {
 public:
  virtual ~InventorySource() = default;
  virtual ProvidersFetch providers(const std::string& ns, Deadline deadline) = 0;
  virtual ProviderFetch provider(const std::string& uid, Deadline deadline) = 0;
  virtual HostsFetch host_by_id(const ProviderInfo& provider, const std::string& id,
                                Deadline deadline) = 0;
  virtual HostsFetch hosts_by_name(const ProviderInfo& provider, const std::string& name,
                                   Deadline deadline) = 0;
};

// Hooks for metrics; the server implements them with prometheus-cpp. Default: no-op.
class InventoryObserver {
 public:
  virtual ~InventoryObserver() = default;
  // kind: "providers" (listing or one provider) | "hosts" (a host lookup); outcome: "ok" |
  // "not_ready" | "error" | "timeout"
  virtual void fetched(const char* /*kind*/, const char* /*outcome*/, double /*seconds*/) {}
  // result: "hit" | "miss" | "stale"
  virtual void cache(const char* /*kind*/, const char* /*result*/) {}
};

}  // namespace hostadm
