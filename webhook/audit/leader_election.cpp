#include "webhook/audit/leader_election.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <random>

namespace hostadm::audit {

using json = nlohmann::json;

std::string micro_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(us % 1'000'000));
  return buf;
}

std::string holder_identity(const char* pod_name) {
  std::string name = pod_name && *pod_name ? pod_name : "";
  if (name.empty()) {
    char host[256] = {};
    name = gethostname(host, sizeof host - 1) == 0 && host[0] ? host : "host-webhook";
  }
  std::random_device rd;
  unsigned char b[16];
  for (auto& c : b) c = static_cast<unsigned char>(rd());
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  char uuid[37];
  std::snprintf(uuid, sizeof uuid,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return name + "_" + uuid;
}

LeaderElector::LeaderElector(kube::Client& client, LeaseConfig config, const Clock& clock)
    : client_(client), config_(std::move(config)), clock_(clock) {}

std::string LeaderElector::last_error() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return last_error_;
}

void LeaderElector::fail(const std::string& why) {
  std::lock_guard<std::mutex> lock(error_mu_);
  last_error_ = why;
}

json LeaderElector::record(const json& current, bool release) const {
  const json spec = current.value("spec", json::object());
  const std::string holder = spec.value("holderIdentity", "");
  const std::string now = micro_time(std::chrono::system_clock::now());
  int transitions = spec.value("leaseTransitions", 0);
  json out = current.is_object() ? current : json::object();
  out["apiVersion"] = "coordination.k8s.io/v1";
  out["kind"] = "Lease";
  out["metadata"]["name"] = config_.name;
  out["metadata"]["namespace"] = config_.ns;
  json& s = out["spec"];
  if (!s.is_object()) s = json::object();
  if (release) {
    // client-go's release: no holder, a 1 s lease, so the next replica takes over at once.
    s["holderIdentity"] = "";
    s["leaseDurationSeconds"] = 1;
    s["renewTime"] = now;
    return out;
  }
  if (holder != config_.identity) {
    s["acquireTime"] = now;
    if (!holder.empty()) ++transitions;
  }
  s["holderIdentity"] = config_.identity;
  s["leaseDurationSeconds"] = static_cast<int>(config_.lease_duration.count());
  s["renewTime"] = now;
  s["leaseTransitions"] = transitions;
  return out;
}

bool LeaderElector::attempt() {
  const auto deadline = SteadyClock::now() + config_.retry_period;
  const auto& leases = kube::resources::kLeases;
  const kube::Result got = client_.get(leases, config_.ns, config_.name, deadline);
  if (got.not_found()) {
    const kube::Result made =
        client_.create(leases, config_.ns, record(json::object(), false), deadline);
    if (!made.ok())
      fail("creating Lease " + config_.ns + "/" + config_.name + ": " + made.describe());
    return made.ok();
  }
  if (!got.ok()) {
    fail("reading Lease " + config_.ns + "/" + config_.name + ": " + got.describe());
    return false;
  }
  const json spec = got.object.value("spec", json::object());
  const std::string holder = spec.value("holderIdentity", "");
  const auto now = clock_.now();
  if (!holder.empty() && holder != config_.identity) {
    // Someone else's: taken only once its record has stood still for a whole lease.
    const std::string seen = spec.dump();
    if (seen != observed_record_) {
      observed_record_ = seen;
      observed_at_ = now;
    }
    const auto duration = std::chrono::seconds(
        spec.value("leaseDurationSeconds", static_cast<int>(config_.lease_duration.count())));
    leading_ = false;
    if (now < observed_at_ + duration) return false;
  }
  const kube::Result put = client_.update(leases, config_.ns, record(got.object, false), deadline);
  if (!put.ok()) {
    fail("updating Lease " + config_.ns + "/" + config_.name + ": " + put.describe());
    return false;
  }
  return true;
}

bool LeaderElector::try_acquire_or_renew() {
  bool held = false;
  try {
    held = attempt();
  } catch (const std::exception& e) {  // a Lease of a shape nobody expected: not held
    fail(std::string("reading Lease ") + config_.ns + "/" + config_.name + ": " + e.what());
  }
  const auto now = clock_.now();
  if (held) {
    last_renew_ = now;
    observed_record_.clear();
    leading_ = true;
  } else if (leading_ && now >= last_renew_ + config_.renew_deadline) {
    leading_ = false;  // could not renew in time: another replica may take over now
  }
  return leading_;
}

void LeaderElector::release() {
  if (!leading_) return;
  leading_ = false;
  try {
    hand_back();
  } catch (const std::exception& e) {
    fail(std::string("releasing Lease ") + config_.ns + "/" + config_.name + ": " + e.what());
  }
}

void LeaderElector::hand_back() {
  const auto deadline = SteadyClock::now() + config_.retry_period;
  const kube::Result got =
      client_.get(kube::resources::kLeases, config_.ns, config_.name, deadline);
  if (!got.ok() ||
      got.object.value("spec", json::object()).value("holderIdentity", "") != config_.identity)
    return;
  const kube::Result put =
      client_.update(kube::resources::kLeases, config_.ns, record(got.object, true), deadline);
  if (!put.ok()) fail("releasing Lease " + config_.ns + "/" + config_.name + ": " + put.describe());
}

void LeaderElector::run(kube::Cancel& stop, const std::function<void(bool)>& on_change) {
  bool was = leading_;
  while (!stop.cancelled()) {
    const bool now = try_acquire_or_renew();
    if (now != was && on_change) on_change(now);
    was = now;
    if (!stop.wait_for(config_.retry_period)) break;
  }
  const bool held = leading_;
  release();
  if (held && on_change) on_change(false);
}

}  // namespace hostadm::audit
