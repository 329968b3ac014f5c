#include "webhook/http/cpu_budget.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "webhook/core/text.hpp"

namespace hostadm::http {
namespace {

std::optional<long long> positive_number(std::string_view text) {
  text = text::trim(text);
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text;
  std::getline(in, text);
  if (in.bad()) return std::nullopt;
  return text;
}

std::optional<double> lower(std::optional<double> a, std::optional<double> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// "/a/b" -> "/a/b", "/a", "": the cgroup and each of its parents, as paths under the root.
std::vector<std::string> path_and_parents(std::string path) {
  std::vector<std::string> out;
  while (!path.empty() && path != "/") {
    out.push_back(path);
    path.erase(path.find_last_of('/'));
  }
  out.push_back("");
  return out;
}

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

std::optional<double> cpu_max_limit(std::string_view cpu_max) {
  cpu_max = text::trim(cpu_max);
  const size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto period = positive_number(cpu_max.substr(space + 1));
  if (!period) return std::nullopt;
  const auto quota = positive_number(cpu_max.substr(0, space));  // "max": none
  if (!quota) return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::optional<double> cfs_quota_limit(std::string_view quota_us, std::string_view period_us) {
  const auto quota = positive_number(quota_us);  // "-1": none
  const auto period = positive_number(period_us);
  if (!quota || !period) return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

int cores_within(int cpus, std::optional<double> limit) {
  cpus = std::max(1, cpus);
  if (!limit || !(*limit > 0)) return cpus;
  const double rounded = std::ceil(*limit - 1e-9);  // 200000/100000 is 2, not 3
  return std::clamp(static_cast<int>(std::min<double>(rounded, cpus)), 1, cpus);
}

CpuBudget cpu_budget(const std::string& proc_self_cgroup, const std::string& cgroup_root) {
  CpuBudget out;
  out.cpus = affinity_cpus();
  std::ifstream in(proc_self_cgroup);
  std::string line;
  // Each line is ID:CONTROLLERS:PATH; cgroup v2 is "0::PATH", v1 names "cpu" among controllers.
  while (std::getline(in, line)) {
    const size_t first = line.find(':');
    const size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      for (const auto& dir : path_and_parents(path)) {
        if (auto text = read_small_file(cgroup_root + dir + "/cpu.max"))
          out.limit = lower(out.limit, cpu_max_limit(*text));
      }
      continue;
    }
    std::stringstream names(controllers);
    std::string name;
    bool has_cpu = false;
    while (std::getline(names, name, ',')) has_cpu = has_cpu || name == "cpu";
    if (!has_cpu) continue;
    // A container sees its own cgroup at the mount point, whatever path the line names.
    for (const std::string mount : {"/cpu", "/cpu,cpuacct"}) {
      for (const auto& dir : path_and_parents(path)) {
        const std::string base = cgroup_root + mount + dir;
        auto quota = read_small_file(base + "/cpu.cfs_quota_us");
        auto period = read_small_file(base + "/cpu.cfs_period_us");
        if (quota && period) out.limit = lower(out.limit, cfs_quota_limit(*quota, *period));
      }
    }
  }
  out.cores = cores_within(out.cpus, out.limit);
  return out;
}

}  // namespace hostadm::http
