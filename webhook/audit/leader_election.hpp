// One replica audits at a time: a coordination.k8s.io/v1 Lease taken and renewed the way
// client-go's leader election does it (lease 15 s, renew deadline 10 s, retry 2 s), with
// optimistic concurrency on the Lease's resourceVersion and a release on clean shutdown so the
// next replica need not wait for the lease to run out.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "webhook/core/clock.hpp"
#include "webhook/kube/kube_client.hpp"

namespace hostadm::audit {

struct LeaseConfig {
  std::string ns;    // the install namespace
  std::string name;  // --leader-election-id
  std::string identity;
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

// "<pod or host name>_<random uuid>": POD_NAME when set, else the host name.
std::string holder_identity(const char* pod_name);

class LeaderElector {
 public:
  // `clock` measures how long a holder's record has gone unchanged (and, as leader, since the
  // last renewal): tests move it instead of sleeping. API calls get `retry_period` each.
  LeaderElector(kube::Client& client, LeaseConfig config, const Clock& clock);

  // One attempt to take the lease or keep it. Returns whether this replica leads now. A leader
  // whose renewals fail keeps leading until renew_deadline has passed since its last renewal;
  // a record that names another holder ends it at once.
  bool try_acquire_or_renew();
  // Hands the lease back (holder cleared) when this replica holds it.
  void release();
  bool leading() const { return leading_.load(); }
  const LeaseConfig& config() const { return config_; }
  std::string last_error() const;

  // Tries every retry_period until `stop`, calling `on_change` on each change of leadership;
  // releases the lease on the way out when it holds it.
  void run(kube::Cancel& stop, const std::function<void(bool)>& on_change);

 private:
  bool attempt();
  void hand_back();
  nlohmann::json record(const nlohmann::json& current, bool release) const;
  void fail(const std::string& why);

  kube::Client& client_;
  LeaseConfig config_;
  const Clock& clock_;
  std::atomic<bool> leading_{false};
  SteadyClock::time_point last_renew_{};
  // The other holder's record as last seen, and when it was first seen unchanged: the lease is
  // expired lease_duration after that, by our clock (never by comparing clocks across nodes).
  std::string observed_record_;
  SteadyClock::time_point observed_at_{};
  mutable std::mutex error_mu_;
  std::string last_error_;
};

// A Lease's MicroTime: "2026-12-07T03:14:16.123456Z".
std::string micro_time(std::chrono::system_clock::time_point t);

}  // namespace hostadm::audit
