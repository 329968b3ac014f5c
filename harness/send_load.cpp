// Load mode of `host-harness send`: the documents repeated over keep-alive connections, each
// answer checked only for a 200 echoing its uid; throughput and latency percentiles at the end.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness/commands.hpp"
#include "harness/send.hpp"

namespace hostadm::harness {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// A review serialized once, with where its uid goes: each request writes its own in place.
struct Body {
  std::string text;
  size_t uid_at;
};

std::vector<Body> serialize(const std::vector<Prepared>& docs) {
  const std::string placeholder = "00000000-0000-4000-8000-000000000000";
  std::vector<Body> bodies;
  for (const auto& d : docs) {
    json review = d.review;
    review["request"]["uid"] = placeholder;
    std::string text = review.dump();
    bodies.push_back({text, text.find("\"" + placeholder + "\"") + 1});
  }
  return bodies;
}

// What the connections measured: each one's latencies, the error count and the first error.
struct Tally {
  std::vector<std::vector<double>> latencies;
  std::atomic<long> errors{0};
  std::mutex first_error_mu;
  std::string first_error;

  void error(const std::string& err) {
    ++errors;
    std::lock_guard<std::mutex> lk(first_error_mu);
    if (first_error.empty()) first_error = err;
  }
};

// One keep-alive connection sending the next body until `total` have been sent.
void send_until(const Options& o, const std::vector<Body>& bodies, long total,
                std::atomic<long>& next, std::vector<double>& mine, Tally& tally) {
  const std::string path = o.url.prefix + "/mutate" + timeout_query(o.timeout);
  auto client = make_client(o);
  mine.reserve(static_cast<size_t>(total / o.concurrency + 1));
  for (long i = next++; i < total; i = next++) {
    Body b = bodies[static_cast<size_t>(i) % bodies.size()];
    std::string uid = uuid4();
    b.text.replace(b.uid_at, uid.size(), uid);
    auto t0 = Clock::now();
    auto res = client->Post(path.c_str(), b.text, "application/json");
    mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!res)
      tally.error(transport_cause(res.error(), o));
    else if (res->status != 200)
      tally.error("HTTP " + std::to_string(res->status));
    else if (res->body.find("\"" + uid + "\"") == std::string::npos)
      tally.error("response.uid does not echo the request uid");
  }
}

void report(const Options& o, size_t documents, long total, double seconds, Tally& tally) {
  std::vector<double> all;
  for (auto& v : tally.latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  const long errors = tally.errors.load();
  const std::string& first_error = tally.first_error;
  double rps = seconds > 0 ? static_cast<double>(total) / seconds : 0;
  json report = {{"requests", total},
                 {"documents", documents},
                 {"repeat", o.repeat},
                 {"concurrency", o.concurrency},
                 {"errors", errors},
                 {"seconds", seconds},
                 {"throughput", rps},
                 {"latencyMs",
                  {{"p50", percentile(all, 50)},
                   {"p90", percentile(all, 90)},
                   {"p99", percentile(all, 99)},
                   {"max", all.empty() ? 0 : all.back()}}}};
  if (!first_error.empty()) report["firstError"] = first_error;
  if (o.format == Format::Json) {
    std::cout << report.dump(2) << "\n";
    return;
  }
  std::ostringstream s;
  s << std::fixed << std::setprecision(2);
  s << "requests:   " << total << " (" << documents << " documents x " << o.repeat << ") over "
    << o.concurrency << " keep-alive connections, errors " << errors << "\n";
  s << "throughput: " << std::setprecision(1) << rps << " req/s in " << std::setprecision(2)
    << seconds << " s\n";
  s << "latency ms: p50 " << percentile(all, 50) << "  p90 " << percentile(all, 90) << "  p99 "
    << percentile(all, 99) << "  max " << (all.empty() ? 0 : all.back()) << "\n";
  if (!first_error.empty()) s << "first error: " << first_error << "\n";
  std::cout << s.str();
}

}  // namespace

int run_load(const Options& o, const std::vector<Prepared>& docs) {
  const std::vector<Body> bodies = serialize(docs);
  const long total = static_cast<long>(bodies.size()) * o.repeat;
  std::atomic<long> next{0};
  Tally tally;
  tally.latencies.resize(static_cast<size_t>(o.concurrency));
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < o.concurrency; ++w)
    threads.emplace_back([&, w] {
      send_until(o, bodies, total, next, tally.latencies[static_cast<size_t>(w)], tally);
    });
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  report(o, bodies.size(), total, seconds, tally);
  return tally.errors.load() == 0 ? kExitOk : kExitFailed;
}

}  // namespace hostadm::harness
