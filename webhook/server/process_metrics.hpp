// The standard process_* metrics (as other Prometheus clients export them), which prometheus-cpp
// 1.0 does not provide: memory against the container limit, open fds against the fd limit, CPU
// time and start time. Read from /proc/self at scrape time, so nothing runs between scrapes.
#pragma once

#include <vector>

#include <prometheus/metric_family.h>

namespace hostadm::server {

// Families for what could be read; a missing /proc (not Linux) yields fewer, never an error.
std::vector<prometheus::MetricFamily> collect_process_metrics();

}  // namespace hostadm::server
