#include "webhook/server/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include <prometheus/text_serializer.h>

#include "webhook/build_info.hpp"
#include "webhook/core/rules.hpp"
#include "webhook/server/process_metrics.hpp"

namespace hostadm::server {
namespace {

constexpr const char* kOps[] = {"CREATE", "UPDATE", "DELETE", "CONNECT", "other"};
constexpr const char* kOutcomes[] = {"allowed", "denied", "warned", "deferred", "error"};
constexpr const char* kKinds[] = {"providers", "hosts"};
constexpr const char* kFetchOutcomes[] = {"ok", "not_ready", "error", "timeout", "other"};
constexpr const char* kCacheResults[] = {"hit", "miss", "stale"};
constexpr std::string_view kOtherRule = "other";

size_t op_index(std::string_view op) {
  for (size_t i = 0; i + 1 < std::size(kOps); ++i)
    if (op == kOps[i]) return i;
  return std::size(kOps) - 1;
}

// Returns `n` (one past the end) when `value` is not in the set.
template <size_t N>
size_t index_of(const char* const (&set)[N], const char* value) {
  for (size_t i = 0; i < N; ++i)
    if (value && set[i][0] == value[0] && std::strcmp(set[i], value) == 0) return i;
  return N;
}

const prometheus::Histogram::BucketBoundaries& admission_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return b;
}

}  // namespace

namespace {

size_t outcome_index(Outcome o) {
  switch (o) {
    case Outcome::Allowed:
      return 0;
    case Outcome::Denied:
      return 1;
    case Outcome::Warned:
      return 2;
    case Outcome::Deferred:
      return 3;
    case Outcome::BadRequest:
    case Outcome::Error:
      break;
  }
  return 4;
}

}  // namespace

const char* metric_label(Outcome o) {
  return kOutcomes[outcome_index(o)];
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  using namespace prometheus;
  auto& requests = BuildCounter()
                       .Name("hostadm_admission_requests_total")
                       .Help("Admission requests answered, by webhook, operation and verdict.")
                       .Register(*registry_);
  auto& rules = BuildCounter()
                    .Name("hostadm_admission_rule_total")
                    .Help("Denials and warnings, by webhook and rule id.")
                    .Register(*registry_);
  auto& duration = BuildHistogram()
                       .Name("hostadm_admission_duration_seconds")
                       .Help("Time from reading a review to the answer being ready.")
                       .Register(*registry_);
  auto& in_flight = BuildGauge()
                        .Name("hostadm_admission_in_flight")
                        .Help("Admission requests being processed.")
                        .Register(*registry_);
  auto& inv_requests = BuildCounter()
                           .Name("hostadm_inventory_requests_total")
                           .Help("Requests to the Forklift inventory, by kind and outcome.")
                           .Register(*registry_);
  auto& inv_duration = BuildHistogram()
                           .Name("hostadm_inventory_request_duration_seconds")
                           .Help("Duration of requests to the Forklift inventory.")
                           .Register(*registry_);
  auto& cache = BuildCounter()
                    .Name("hostadm_inventory_cache_total")
                    .Help("Inventory cache lookups, by kind and result (hit, miss, stale).")
                    .Register(*registry_);
  auto& expiry = BuildGauge()
                     .Name("hostadm_tls_certificate_expiry_timestamp_seconds")
                     .Help("notAfter of the serving certificate in use (Unix seconds).")
                     .Register(*registry_);
  auto& reloads = BuildCounter()
                      .Name("hostadm_tls_reloads_total")
                      .Help("Serving certificate reloads, by result (success, failure).")
                      .Register(*registry_);

  auto& connections = BuildGauge()
                          .Name("hostadm_http_connections")
                          .Help(
                              "Open HTTPS connections, by state (handshake, idle, reading, "
                              "busy, closing).")
                          .Register(*registry_);
  auto& closed = BuildCounter()
                     .Name("hostadm_http_connections_closed_total")
                     .Help("HTTPS connections closed, by reason.")
                     .Register(*registry_);
  for (size_t s = 0; s < http::kConnStateCount; ++s)
    connections_[s] =
        &connections.Add({{"state", http::to_string(static_cast<http::ConnState>(s))}});
  for (size_t r = 0; r < http::kCloseReasonCount; ++r)
    connections_closed_[r] =
        &closed.Add({{"reason", http::to_string(static_cast<http::CloseReason>(r))}});

  for (size_t w = 0; w < kPhaseCount; ++w) {
    const std::string wh = to_string(static_cast<Phase>(w));
    for (size_t o = 0; o < kOpCount; ++o)
      for (size_t v = 0; v < kOutcomeCount; ++v)
        requests_[w][o][v] = add_counter(
            requests.Add({{"webhook", wh}, {"operation", kOps[o]}, {"verdict", kOutcomes[v]}}));
    for (const auto& r : all_rules())
      rules_[w][r.id] = add_counter(rules.Add({{"webhook", wh}, {"rule", std::string(r.id)}}));
    for (std::string_view extra : {rule::kUnexpectedResource, kOtherRule})
      if (!rules_[w].count(extra))
        rules_[w][extra] = add_counter(rules.Add({{"webhook", wh}, {"rule", std::string(extra)}}));
    duration_[w] = add_histogram(duration.Add({{"webhook", wh}}, admission_buckets()));
  }
  in_flight_ = &in_flight.Add({});
  for (size_t k = 0; k < kKindCount; ++k) {
    for (size_t o = 0; o < kFetchOutcomeCount; ++o)
      inv_requests_[k][o] =
          &inv_requests.Add({{"kind", kKinds[k]}, {"outcome", kFetchOutcomes[o]}});
    inv_duration_[k] = &inv_duration.Add({{"kind", kKinds[k]}}, admission_buckets());
    for (size_t c = 0; c < kCacheCount; ++c)
      cache_[k][c] = add_counter(cache.Add({{"kind", kKinds[k]}, {"result", kCacheResults[c]}}));
  }
  shards_.emplace(series_);
  flushed_.assign(series_, 0);
  // Constant 1; the labels say which build answers (joins onto other series by instance).
  BuildGauge()
      .Name("hostadm_build_info")
      .Help("Version and source revision of the running host-webhook; always 1.")
      .Register(*registry_)
      .Add({{"version", kVersion}, {"revision", kRevision}})
      .Set(1);
  tls_expiry_ = &expiry.Add({});
  kube_ = std::make_shared<KubeMetrics>(*registry_);
  cluster_ = std::make_shared<ClusterMetrics>(*registry_);
  audit_ = std::make_shared<AuditMetrics>(*registry_);
  tls_reload_ok_ = &reloads.Add({{"result", "success"}});
  tls_reload_failed_ = &reloads.Add({{"result", "failure"}});
}

void Metrics::admission(Phase w, std::string_view operation, Outcome outcome,
                        const std::vector<std::string>& rules, double seconds) {
  const size_t wi = static_cast<size_t>(w);
  shards_->add(requests_[wi][op_index(operation)][outcome_index(outcome)]);
  auto& by_rule = rules_[wi];
  for (const auto& r : rules) {
    auto it = by_rule.find(r);
    shards_->add(it != by_rule.end() ? it->second : by_rule.at(kOtherRule));
  }
  observe(duration_[wi], seconds);
}

Metrics::ShardedHistogram Metrics::add_histogram(prometheus::Histogram& h) {
  ShardedHistogram out{&h, series_};
  series_ += admission_buckets().size() + 2;  // the buckets, +Inf, the sum
  return out;
}

// The bucket prometheus-cpp's Observe() would count: the first bound at or above the value.
void Metrics::observe(const ShardedHistogram& h, double seconds) {
  const auto& bounds = admission_buckets();
  const auto bucket =
      static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
  shards_->add(h.first + bucket);
  shards_->add(h.first + bounds.size() + 1,
               seconds > 0 ? static_cast<uint64_t>(std::llround(seconds * 1e9)) : 0);
}

void Metrics::flush() const {
  std::lock_guard<std::mutex> lk(flush_mu_);
  const auto since_flush = [&](size_t series) {
    const uint64_t total = shards_->total(series);
    return total - std::exchange(flushed_[series], total);
  };
  for (const auto& [series, counter] : counters_)
    if (const uint64_t n = since_flush(series)) counter->Increment(static_cast<double>(n));
  const size_t buckets = admission_buckets().size() + 1;
  std::vector<double> increments(buckets);
  for (const auto& h : duration_) {
    bool any = false;
    for (size_t b = 0; b < buckets; ++b) {
      increments[b] = static_cast<double>(since_flush(h.first + b));
      any = any || increments[b] > 0;
    }
    // The sum is read after the buckets, so it may hold an observation whose bucket the next
    // scrape brings: it is added all the same, never dropped.
    const double sum = static_cast<double>(since_flush(h.first + buckets)) / 1e9;
    if (any || sum > 0) h.histogram->ObserveMultiple(increments, sum);
  }
  in_flight_->Set(static_cast<double>(static_cast<int64_t>(shards_->total(kInFlightSeries))));
}

void Metrics::fetched(const char* kind, const char* outcome, double seconds) {
  const size_t k = index_of(kKinds, kind);
  if (k >= kKindCount) return;  // a kind we do not know: no label outside the fixed set
  size_t o = index_of(kFetchOutcomes, outcome);
  if (o >= kFetchOutcomeCount) o = kFetchOutcomeCount - 1;
  inv_requests_[k][o]->Increment();
  inv_duration_[k]->Observe(seconds);
}

void Metrics::cache(const char* kind, const char* result) {
  const size_t k = index_of(kKinds, kind);
  const size_t r = index_of(kCacheResults, result);
  if (k < kKindCount && r < kCacheCount) shards_->add(cache_[k][r]);
}

void Metrics::tls_reload(bool ok) {
  (ok ? tls_reload_ok_ : tls_reload_failed_)->Increment();
}

void Metrics::connections(const std::array<int64_t, http::kConnStateCount>& by_state) {
  for (size_t s = 0; s < http::kConnStateCount; ++s)
    connections_[s]->Set(static_cast<double>(by_state[s]));
}

std::string Metrics::serialize() const {
  flush();
  auto families = registry_->Collect();
  for (auto& f : collect_process_metrics()) families.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace hostadm::server
