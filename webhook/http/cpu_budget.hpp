// How many CPUs the process may keep busy, for the default of --active-threads. The node's core
// count (std::thread::hardware_concurrency) overstates it twice over in a pod: the affinity
// mask (a cpuset, `taskset`) can hold fewer cores, and a CPU limit caps the time the cgroup may
// use whatever the cores. Workers past that budget only take turns on the same CPU time, and a
// CFS quota pauses them all once a burst has used it up.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hostadm::http {

// cgroup v2 `cpu.max` ("max 100000", or "QUOTA PERIOD" in microseconds): the limit in CPUs,
// nullopt for "max" or text that is not that file's format.
std::optional<double> cpu_max_limit(std::string_view cpu_max);
// cgroup v1 `cpu.cfs_quota_us` ("-1": none) and `cpu.cfs_period_us`: the same.
std::optional<double> cfs_quota_limit(std::string_view quota_us, std::string_view period_us);
// The limit rounded up (a 1.5-CPU limit still runs two threads at once), within 1..cpus.
int cores_within(int cpus, std::optional<double> limit);

struct CpuBudget {
  int cores = 1;                // what the process may keep busy: the smaller of the two below
  int cpus = 1;                 // the cores of its affinity mask
  std::optional<double> limit;  // the cgroup's CPU limit, the lowest on its path; none: unlimited

  // The CPU time the process may use per second of wall time: the limit unrounded (1.5 CPUs),
  // within the affinity mask's cores.
  double capacity() const {
    return limit && *limit < static_cast<double>(cpus) ? *limit : static_cast<double>(cpus);
  }
};

// Reads the affinity mask, `proc_self_cgroup` (which cgroup the process is in) and the limits
// under `cgroup_root` on the way from that cgroup up to the root (a parent's limit caps its
// children). Missing or unreadable files mean no limit, never an error. Tests pass their own
// files.
CpuBudget cpu_budget(const std::string& proc_self_cgroup = "/proc/self/cgroup",
                     const std::string& cgroup_root = "/sys/fs/cgroup");

}  // namespace hostadm::http
