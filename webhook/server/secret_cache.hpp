// The Secrets the cluster checks ask about, read with `get` by namespace and name only (never a
// list or a watch: the webhook's RBAC grants `get`, and a Secret it is not asked about is none of
// its business). A short-TTL cache keeps what the rules need (key names, insecureSkipVerify, the
// resourceVersion) and, for the endpoint login, the user and password, in memory only; concurrent
// admissions asking for the same Secret share one read.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "webhook/core/clock.hpp"
#include "webhook/core/cluster_view.hpp"
#include "webhook/endpoint/login.hpp"
#include "webhook/kube/kube_client.hpp"

namespace hostadm::server {

struct CachedSecret {
  SecretFacts facts;
  // The Secret's `user` and `password` (empty when absent): only ever handed to the endpoint
  // login, never logged, never part of a message.
  endpoint::Credentials credentials;
};

// How a lookup was answered, for the metrics: "hit" (from memory), "miss" (this lookup read it),
// "shared" (it waited on a read another admission started).
using SecretLookupHook = std::function<void(const char* result)>;

struct SecretCacheConfig {
  // A Secret that exists, or does not, is answered from memory this long: an admin who just
  // created or fixed it waits at most this for the warning to go.
  std::chrono::milliseconds ttl{5'000};
  // A failed read (403, timeout, API down) is not kept: the next admission asks again, so a
  // fixed RBAC or a recovered API is seen at once. Entries kept at most (the oldest go first).
  size_t max_entries = 4'096;
};

class SecretCache {
 public:
  SecretCache(kube::Client& client, SecretCacheConfig config, SecretLookupHook on_lookup = {},
              std::shared_ptr<Clock> clock = nullptr);

  // The Secret `ns`/`name`, waiting at most until `deadline` (a read started here is bounded by
  // it; a lookup that joins another's read stops waiting at its own deadline, as Unreadable).
  std::shared_ptr<const CachedSecret> get(const std::string& ns, const std::string& name,
                                          Deadline deadline);

 private:
  using Key = std::pair<std::string, std::string>;
  struct Slot {
    std::shared_future<std::shared_ptr<const CachedSecret>> pending;  // valid while being read
    std::shared_ptr<const CachedSecret> value;
    SteadyClock::time_point expires{};
  };
  std::shared_ptr<const CachedSecret> read(const std::string& ns, const std::string& name,
                                           Deadline deadline);
  void store(const Key& key, const std::shared_ptr<const CachedSecret>& value);
  void observe(const char* result) const {
    if (on_lookup_) on_lookup_(result);
  }

  kube::Client& client_;
  SecretCacheConfig config_;
  SecretLookupHook on_lookup_;
  std::shared_ptr<Clock> clock_;
  std::mutex mu_;
  std::map<Key, Slot> slots_;
};

// What the rules see of a Secret object as the API returned it: key names of `data` and
// `stringData`, insecureSkipVerify, resourceVersion; and its user and password.
CachedSecret secret_from_object(const nlohmann::json& secret);

// A failed read as `secret-unreadable` says it: "403 Forbidden: ...", "timeout: ...", the error.
std::string describe_secret_failure(const kube::Result& result);

}  // namespace hostadm::server
