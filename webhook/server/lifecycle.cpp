#include "webhook/server/lifecycle.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// A signal from the set, or 0 when `wait` passed first.
int wait_signal(std::chrono::milliseconds wait) {
  const sigset_t set = handled_signals();
  if (wait < std::chrono::milliseconds(0)) wait = std::chrono::milliseconds(0);
  timespec ts{static_cast<time_t>(wait.count() / 1000),
              static_cast<long>((wait.count() % 1000) * 1'000'000)};
  const int sig = ::sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

}  // namespace

long long raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long long>(lim.rlim_cur);
}

namespace {

const char* signal_name(int sig) {
  switch (sig) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal";
  }
}

}  // namespace

void block_signals() {
  ::signal(SIGPIPE, SIG_IGN);
  const sigset_t set = handled_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalLoop::SignalLoop(LifecycleHooks hooks, std::chrono::milliseconds drain_delay,
                       std::chrono::milliseconds shutdown_timeout)
    : hooks_(std::move(hooks)), drain_delay_(drain_delay), shutdown_timeout_(shutdown_timeout) {}

SignalLoop::~SignalLoop() {
  finish();
}

void SignalLoop::start() {
  thread_ = std::thread([this] { run(); });
}

void SignalLoop::finish() {
  finished_ = true;
  if (thread_.joinable()) thread_.join();
}

void SignalLoop::run() {
  using namespace std::chrono;
  // Short waits so finish() is noticed without a signal.
  constexpr milliseconds kPoll{200};
  int sig = 0;
  while (!finished_) {
    sig = wait_signal(kPoll);
    if (sig == SIGHUP) {
      hooks_.reload();
    } else if (sig == SIGTERM || sig == SIGINT) {
      break;
    }
  }
  if (finished_) return;

  log_info("shutting down: readiness fails now, still serving during the drain delay",
           {{"signal", signal_name(sig)},
            {"drainDelayMs", static_cast<long long>(drain_delay_.count())},
            {"shutdownTimeoutMs", static_cast<long long>(shutdown_timeout_.count())}});
  hooks_.begin_drain();
  // The hard deadline: a stuck connection must not outlive terminationGracePeriodSeconds.
  const milliseconds hard = shutdown_timeout_;
  std::thread([hard] {
    std::this_thread::sleep_for(hard);
    log_error("shutdown timeout reached with connections still open; exiting now",
              {{"shutdownTimeoutMs", static_cast<long long>(hard.count())}});
    ::_exit(1);
  }).detach();

  const auto drain_end = steady_clock::now() + drain_delay_;
  while (!finished_) {
    const auto left = duration_cast<milliseconds>(drain_end - steady_clock::now());
    if (left <= milliseconds(0)) break;
    sig = wait_signal(std::min(left, kPoll));
    if (sig == SIGHUP) {
      hooks_.reload();
    } else if (sig == SIGTERM || sig == SIGINT) {
      log_info("second signal: skipping the rest of the drain delay",
               {{"signal", signal_name(sig)}});
      break;
    }
  }
  log_info("draining done: closing the listener; in-flight requests finish");
  hooks_.stop();
}

}  // namespace hostadm::server
