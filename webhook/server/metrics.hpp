// Prometheus metrics of the webhook (prometheus-cpp core, served by our own GET /metrics). Every
// label value comes from a fixed set; children are resolved once at construction. What every
// admission counts (requests, rules, duration, in flight, cache lookups) goes into per-thread
// shards (http/sharded_counts.hpp) and reaches the prometheus series when /metrics is scraped.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "webhook/core/admission_path.hpp"
#include "webhook/core/phase.hpp"
#include "webhook/http/https_transport.hpp"
#include "webhook/http/sharded_counts.hpp"
#include "webhook/inventory/source.hpp"
#include "webhook/server/audit_metrics.hpp"
#include "webhook/server/cluster_metrics.hpp"
#include "webhook/server/kube_metrics.hpp"

namespace hostadm::server {

// The verdict label of hostadm_admission_requests_total and of the admission log line: the
// core's outcome, a bad request counted as "error" (the label set is fixed: allowed, denied,
// warned, deferred, error).
const char* metric_label(Outcome o);

class Metrics : public InventoryObserver {
 public:
  Metrics();

  // operation: CREATE|UPDATE|DELETE|CONNECT, anything else counts as "other".
  void admission(Phase w, std::string_view operation, Outcome outcome,
                 const std::vector<std::string>& rules, double seconds);
  void in_flight(int delta) { shards_->add(kInFlightSeries, static_cast<uint64_t>(delta)); }

  void fetched(const char* kind, const char* outcome, double seconds) override;
  void cache(const char* kind, const char* result) override;

  void tls_reload(bool ok);
  void tls_expiry(double unix_seconds) { tls_expiry_->Set(unix_seconds); }

  // Open HTTPS connections by state (a snapshot, set before each scrape) and closes by reason.
  void connections(const std::array<int64_t, http::kConnStateCount>& by_state);
  void connection_closed(http::CloseReason reason) {
    connections_closed_[static_cast<size_t>(reason)]->Increment();
  }

  // The Kubernetes API client's observer, reporting into this registry.
  std::shared_ptr<KubeMetrics> kube() const { return kube_; }
  // The cluster checks' endpoint probes and cache lookups, reporting into this registry.
  std::shared_ptr<ClusterMetrics> cluster() const { return cluster_; }
  // The audit loop's observer (leadership, passes, findings), reporting into this registry.
  std::shared_ptr<AuditMetrics> audit() const { return audit_; }

  std::string serialize() const;  // Prometheus text exposition format

 private:
  static constexpr size_t kOpCount = 5, kOutcomeCount = 5, kKindCount = 2, kFetchOutcomeCount = 5,
                          kCacheCount = 3;
  static constexpr size_t kInFlightSeries = 0;

  // A sharded histogram: one series per bucket, then the sum in nanoseconds.
  struct ShardedHistogram {
    prometheus::Histogram* histogram = nullptr;
    size_t first = 0;  // the series of the first bucket
  };

  size_t add_counter(prometheus::Counter& c) {
    counters_.emplace_back(series_, &c);
    return series_++;
  }
  ShardedHistogram add_histogram(prometheus::Histogram& h);
  void observe(const ShardedHistogram& h, double seconds);
  // The shards' totals since the last flush, into the prometheus series.
  void flush() const;

  std::shared_ptr<prometheus::Registry> registry_;
  size_t series_ = kInFlightSeries + 1;
  std::vector<std::pair<size_t, prometheus::Counter*>> counters_;  // series, sum of its shards
  std::array<std::array<std::array<size_t, kOutcomeCount>, kOpCount>, kPhaseCount> requests_{};
  std::array<std::unordered_map<std::string_view, size_t>, kPhaseCount> rules_;
  std::array<ShardedHistogram, kPhaseCount> duration_{};
  prometheus::Gauge* in_flight_ = nullptr;
  std::array<std::array<size_t, kCacheCount>, kKindCount> cache_{};
  std::optional<ShardedCounts> shards_;  // made once every series is numbered
  mutable std::mutex flush_mu_;
  mutable std::vector<uint64_t> flushed_;  // by series: the totals the prometheus series hold
  std::array<std::array<prometheus::Counter*, kFetchOutcomeCount>, kKindCount> inv_requests_{};
  std::array<prometheus::Histogram*, kKindCount> inv_duration_{};
  prometheus::Gauge* tls_expiry_ = nullptr;
  prometheus::Counter* tls_reload_ok_ = nullptr;
  prometheus::Counter* tls_reload_failed_ = nullptr;
  std::array<prometheus::Gauge*, http::kConnStateCount> connections_{};
  std::array<prometheus::Counter*, http::kCloseReasonCount> connections_closed_{};
  std::shared_ptr<KubeMetrics> kube_;
  std::shared_ptr<ClusterMetrics> cluster_;
  std::shared_ptr<AuditMetrics> audit_;
};

// Counts one admission in flight for its lifetime.
class InFlight {
 public:
  explicit InFlight(Metrics& m) : m_(m) { m_.in_flight(1); }
  ~InFlight() { m_.in_flight(-1); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  Metrics& m_;
};

}  // namespace hostadm::server
