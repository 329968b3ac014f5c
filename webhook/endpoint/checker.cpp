#include "webhook/endpoint/checker.hpp"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "webhook/core/text.hpp"
#include "webhook/endpoint/target.hpp"
#include "webhook/endpoint/tls_stream.hpp"

namespace hostadm::endpoint {

namespace {

// Results are swept (expired ones dropped) when the table grows past this, then past twice the
// size that survived: a webhook asked about many addresses keeps only the recent ones.
constexpr size_t kSweepFloor = 4096;

// One probe in progress, shared by every check of its key until it ends.
struct Flight {
  bool done = false;
  Result result;
  Progress progress;
  std::condition_variable cv;
};

struct Entry {
  Result result;
  SteadyClock::time_point at{};  // on the checker's clock
};

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

char ascii_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

struct Checker::State {
  CheckerConfig config;
  std::shared_ptr<Prober> prober;
  std::shared_ptr<Observer> observer;
  std::shared_ptr<Clock> clock;

  std::mutex mu;
  std::condition_variable idle;
  size_t running = 0;
  std::unordered_map<std::string, Entry> results;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights;
  size_t sweep_at = kSweepFloor;
};

// Built on every check, cache hits included: written into one buffer sized up front.
std::string cache_key(const Request& request) {
  const bool login = request.mode == Mode::Login;
  std::string key(request.address.size() + request.expected_thumbprint.size() + 16 +
                      (login ? request.secret.size() + request.secret_version.size() + 2 : 0),
                  '\0');
  char* out = key.data();
  auto put = [&](std::string_view text) { out = std::copy(text.begin(), text.end(), out); };
  put(login ? "login\n" : "reach\n");
  for (char c : request.address) *out++ = ascii_lower(c);  // a DNS name is case-insensitive
  *out++ = '\n';
  out = std::to_chars(out, out + 6, request.port).ptr;
  *out++ = '\n';
  for (char c : request.expected_thumbprint)
    if (c != ':' && c != ' ') *out++ = ascii_upper(c);  // as same_thumbprint() compares
  if (login) {
    *out++ = '\n';
    put(request.secret);
    *out++ = '\n';
    put(request.secret_version);
  }
  key.resize(static_cast<size_t>(out - key.data()));
  return key;
}

Checker::Checker(CheckerConfig config, std::shared_ptr<Prober> prober,
                 std::shared_ptr<Observer> observer, std::shared_ptr<Clock> clock)
    : state_(std::make_shared<State>()) {
  state_->config = config;
  state_->prober = prober ? std::move(prober) : network_prober();
  state_->observer = observer ? std::move(observer) : std::make_shared<Observer>();
  state_->clock = clock ? std::move(clock) : system_clock();
}

Checker::~Checker() {
  std::unique_lock<std::mutex> lk(state_->mu);
  state_->idle.wait(lk, [&] { return state_->running == 0; });
}

size_t Checker::in_flight() const {
  std::lock_guard<std::mutex> lk(state_->mu);
  return state_->running;
}

namespace {

Result provisional(const std::string& address, int port, Stage stage,
                   SteadyClock::duration waited) {
  Target target;
  std::string ignored;
  const bool parsed = parse_target(address, port, target, ignored);
  const std::string where = parsed ? target.shown : text::shown_in_message(address);
  const std::string budget = shown_duration(waited);
  const std::string goes_on =
      "; the check goes on in the background and the next admission gets its result";
  Result r;
  r.provisional = true;
  if (stage == Stage::Login) {
    r.outcome = Outcome::LoginError;
    r.message = "vSphere Login to https://" + (parsed ? target.authority : where) +
                "/sdk: no answer within " + budget + " (timeout)" + goes_on;
  } else {
    r.outcome = Outcome::Timeout;
    r.message = (stage == Stage::Connect ? "no TCP connection to " + where
                                         : "TCP to " + where + " is up, but TLS did not finish") +
                " within " + budget + " (timeout)" + goes_on;
  }
  return r;
}

Result skipped(const std::string& address, const std::string& why) {
  Result r;
  r.outcome = Outcome::Skipped;
  r.message = "endpoint check of " + text::shown_in_message(address) + " skipped: " + why;
  return r;
}

// Drops the results past their TTL once the table has grown enough to be worth a pass.
void sweep(Checker::State& s, SteadyClock::time_point now) {
  if (s.results.size() < s.sweep_at) return;
  for (auto it = s.results.begin(); it != s.results.end();) {
    const auto ttl = is_ok(it->second.result.outcome) ? s.config.ttl : s.config.negative_ttl;
    it = now - it->second.at >= ttl ? s.results.erase(it) : std::next(it);
  }
  s.sweep_at = std::max(kSweepFloor, s.results.size() * 2);
}

// Runs on the probe's thread once the prober returned.
void finish(Checker::State& s, const std::string& key, Flight& flight, Result result) {
  {
    std::lock_guard<std::mutex> lk(s.mu);
    const auto now = s.clock->now();
    sweep(s, now);
    s.results[key] = Entry{result, now};
    s.flights.erase(key);
    flight.result = std::move(result);
    flight.done = true;
    --s.running;
  }
  flight.cv.notify_all();
  s.idle.notify_all();
}

// Starts the probe of `key` on a thread of its own, to end by `deadline` (the check's start plus
// the budget, whenever the thread gets to run); called with s.mu held. False when no
// thread could be started (`job` is gone then too: its credentials wiped).
bool start_probe(const std::shared_ptr<Checker::State>& state, const std::string& key,
                 const std::shared_ptr<Flight>& flight, Request& job, Deadline deadline) {
  auto run = [state, key, flight, deadline](Request request) {
    const auto started = SteadyClock::now();
    Result r;
    try {
      r = state->prober->run(request, deadline, flight->progress);
    } catch (const std::exception& e) {
      r = Result{};
      r.message =
          "endpoint check of " + text::shown_in_message(request.address) + " failed: " + e.what();
    }
    request.credentials = Credentials{};  // wiped now, not whenever the thread ends
    state->observer->probed(r.outcome,
                            std::chrono::duration<double>(SteadyClock::now() - started).count());
    finish(*state, key, *flight, std::move(r));
  };
  try {
    std::thread(run, std::move(job)).detach();
  } catch (const std::system_error&) {
    return false;
  }
  state->flights[key] = flight;
  ++state->running;
  return true;
}

}  // namespace

Result Checker::check(Request request, std::chrono::milliseconds budget, Deadline deadline) {
  State& s = *state_;
  const auto started = SteadyClock::now();
  const Deadline wait_until = std::min(deadline, started + budget);
  const std::string key = cache_key(request);
  const std::string address = request.address;
  const int port = request.port;
  std::unique_lock<std::mutex> lk(s.mu);
  if (auto it = s.results.find(key); it != s.results.end()) {
    const auto ttl = is_ok(it->second.result.outcome) ? s.config.ttl : s.config.negative_ttl;
    if (s.clock->now() - it->second.at < ttl) {
      s.observer->looked_up("hit");
      return it->second.result;
    }
  }
  std::shared_ptr<Flight> flight;
  const auto running = s.flights.find(key);
  const bool shared = running != s.flights.end();
  if (shared) {
    flight = running->second;
  } else {
    if (s.running >= s.config.max_in_flight) {
      s.observer->looked_up("skipped");
      return skipped(
          address, std::to_string(s.config.max_in_flight) + " endpoint checks are already running");
    }
    flight = std::make_shared<Flight>();
    if (!start_probe(state_, key, flight, request, started + budget)) {
      s.observer->looked_up("skipped");
      return skipped(address, "no thread to run the check on");
    }
  }
  if (!flight->cv.wait_until(lk, wait_until, [&] { return flight->done; })) {
    s.observer->looked_up("gave_up");
    return provisional(address, port, flight->progress.stage.load(), wait_until - started);
  }
  s.observer->looked_up(shared ? "shared" : "miss");
  return flight->result;
}

}  // namespace hostadm::endpoint
