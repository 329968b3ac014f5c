// The admission path in-process, stage by stage, on a review (bench/review-apply.json unless
// REVIEW is given): where the CPU of one /mutate goes once TLS and HTTP are taken away. The
// server's cache (CachedInventory) is in the path, fed from examples/inventory.yaml, so every
// lookup is the warm-cache hit of the real bench. Usage: bench-admission-path SOURCE_DIR
// [iterations [STAGE [REVIEW]]]; prints a table and one JSON line. With STAGE (a prefix of a stage
// name) only that stage runs: `perf record` sees nothing else.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "webhook/core/admission_path.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/json_document.hpp"
#include "webhook/core/review_reader.hpp"
#include "webhook/inventory/cache.hpp"
#include "webhook/io/input_files.hpp"
#include "webhook/server/handlers.hpp"
#include "webhook/server/metrics.hpp"

using namespace hostadm;
using namespace hostadm::server;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The fixture as an InventorySource, so the server's cache sits in front of it.
class FixtureSource : public InventorySource {
 public:
  explicit FixtureSource(std::shared_ptr<const Fixture> f) : fixture_(f), view_(std::move(f)) {}
  ProvidersFetch providers(const std::string& ns, Deadline) override {
    ProvidersFetch out;
    out.status = LookupStatus::Ok;
    for (const auto& p : fixture_->providers)
      if (p.info.ns == ns && p.validated) out.providers.push_back(p.info);
    return out;
  }
  ProviderFetch provider(const std::string& uid, Deadline) override {
    ProviderFetch out;
    out.status = LookupStatus::NotReady;
    for (const auto& p : fixture_->providers)
      if (p.info.uid == uid) out.status = LookupStatus::Ok, out.provider = p.info;
    return out;
  }
  HostsFetch host_by_id(const ProviderInfo& provider, const std::string& id, Deadline) override {
    return fetch(view_.host_by_id(provider, id));
  }
  HostsFetch hosts_by_name(const ProviderInfo& provider, const std::string& name,
                           Deadline) override {
    return fetch(view_.hosts_by_name(provider, name));
  }

 private:
  static HostsFetch fetch(const HostsLookup& h) {
    HostsFetch out;
    out.status = h.status;
    if (h.hosts) out.hosts = *h.hosts;
    return out;
  }

  std::shared_ptr<const Fixture> fixture_;
  FixtureInventory view_;
};

// Median of `rounds` timings of `iterations` calls, in microseconds per call.
double time_us(int iterations, const std::function<void()>& fn) {
  std::vector<double> rounds;
  for (int r = 0; r < 7; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) fn();
    auto t1 = std::chrono::steady_clock::now();
    rounds.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / iterations);
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SOURCE_DIR [iterations [STAGE [REVIEW]]]\n", argv[0]);
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // as bench/lib.sh starts the server
  const std::string src = argv[1];
  const int n = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20000;
  const std::string body = slurp(argc > 4 ? argv[4] : src + "/bench/review-apply.json");
  auto fixture =
      std::make_shared<const Fixture>(load_fixture_file(src + "/examples/inventory.yaml"));
  auto policy = std::make_shared<const Policy>(load_policy_file(src + "/bench/policy.yaml"));
  auto metrics = std::make_shared<Metrics>();
  auto cache = std::make_shared<CachedInventory>(std::make_shared<FixtureSource>(fixture),
                                                 policy->cache, metrics);
  AdmissionHandler handler([cache](Deadline d) { return cache->view(d); }, policy, *metrics, {});
  const std::string ctype = "application/json";
  const std::string timeout = "10s";
  auto far = SteadyClock::now() + std::chrono::hours(1);

  HttpReply first;
  handler.handle(Phase::Mutate, ctype, timeout, body, SteadyClock::now(), first);
  if (first.status != 200 || first.body.find("\"patch\"") == std::string::npos) {
    std::fprintf(stderr, "the review was not admitted with a patch: %d %s\n", first.status,
                 first.body.c_str());
    return 1;
  }
  const AdmissionRequest req = read_review(body);
  const Verdict verdict = decide(req, Phase::Mutate, *cache->view(far), *policy);

  const std::string only = argc > 3 ? argv[3] : "";
  volatile size_t sink = 0;
  const std::vector<std::pair<const char*, std::function<void()>>> stages = {
      // As the server reads: into a kept request, only the policy's annotation kept.
      {"read_review",
       [&] {
         thread_local AdmissionRequest into;
         into.reset();
         read_review(body, into, &policy->adapter_annotation);
         sink += into.uid.size();
       }},
      {"parse (JsonDocument, blanked)",
       [&] {
         const JsonDocument doc(body, JsonDocument::Escapes::Blank);
         sink += doc.blanked();
       }},
      {"decide (mutate, cache hit)",
       [&] { sink += decide(req, Phase::Mutate, *cache->view(far), *policy).patch.size(); }},
      {"to_response + encode",
       [&] { sink += encode_review_string(req, to_response(req, verdict)).size(); }},
      {"admit /mutate",
       [&] { sink += admit(body, Phase::Mutate, *cache->view(far), *policy).body.size(); }},
      // As the router calls it: into one reply whose body's room comes back each time.
      {"handle /mutate (all of it)",
       [&] {
         thread_local HttpReply reply;
         handler.handle(Phase::Mutate, ctype, timeout, body, SteadyClock::now(), reply);
         sink += reply.body.size();
       }},
      {"handle /validate",
       [&] {
         thread_local HttpReply reply;
         handler.handle(Phase::Validate, ctype, timeout, body, SteadyClock::now(), reply);
         sink += reply.body.size();
       }},
  };
  struct Row {
    const char* stage;
    double us;
  };
  std::vector<Row> rows;
  for (const auto& [name, fn] : stages)
    if (std::string(name).rfind(only, 0) == 0) rows.push_back({name, time_us(n, fn)});

  std::printf("%-30s %10s\n", "stage", "us/call");
  for (const auto& r : rows) std::printf("%-30s %10.2f\n", r.stage, r.us);
  std::printf("JSON {");
  for (size_t i = 0; i < rows.size(); ++i)
    std::printf("%s\"%s\": %.2f", i ? ", " : "", rows[i].stage, rows[i].us);
  std::printf("}\n");
  return 0;
}
