#include "webhook/server/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace hostadm::server {
namespace {

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(m);
  return f;
}

// Fields of /proc/self/stat from field 3 (state) on: the command name before them is in
// parentheses and may itself contain spaces and parentheses, so parsing starts after the last ')'.
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  return {std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
}

// Seconds since the epoch at which the machine booted (/proc/stat "btime"), or -1.
double boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

// Entries of /proc/self/fd, not counting the descriptor used to list them; -1 if unreadable.
double open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  long n = 0;
  while (const dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return static_cast<double>(n - 1);
}

}  // namespace

std::vector<prometheus::MetricFamily> collect_process_metrics() {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

  // Field N of /proc/self/stat is fields[N - 3]: utime 14, stime 15, starttime 22, vsize 23,
  // rss 24 (pages).
  const auto f = stat_fields();
  if (f.size() > 21 && ticks > 0) {
    try {
      out.push_back(family("process_cpu_seconds_total", "Total user and system CPU time spent.",
                           MetricType::Counter, (std::stod(f[11]) + std::stod(f[12])) / ticks));
      out.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                           MetricType::Gauge, std::stod(f[20])));
      out.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                           MetricType::Gauge, std::stod(f[21]) * page));
      const double boot = boot_time();
      if (boot >= 0)
        out.push_back(family("process_start_time_seconds",
                             "Start time of the process since the Unix epoch in seconds.",
                             MetricType::Gauge, boot + std::stod(f[19]) / ticks));
    } catch (const std::exception&) {
      // An unexpected /proc format: leave these out rather than export garbage.
    }
  }
  const double fds = open_fds();
  if (fds >= 0)
    out.push_back(
        family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, fds));
  struct rlimit lim {};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    out.push_back(family("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(lim.rlim_cur)));
  return out;
}

}  // namespace hostadm::server
