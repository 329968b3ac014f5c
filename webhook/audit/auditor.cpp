#include "webhook/audit/auditor.hpp"

#include <algorithm>

namespace hostadm::audit {

Auditor::Auditor(kube::Client& client, std::unique_ptr<LeaderElector> elector, ViewFactory views,
                 std::function<std::shared_ptr<const Policy>()> policy, ClusterViewFactory cluster,
                 AuditorConfig config, AuditObserver& observer)
    : client_(client),
      elector_(std::move(elector)),
      views_(std::move(views)),
      policy_(std::move(policy)),
      cluster_(std::move(cluster)),
      config_(std::move(config)),
      observer_(observer),
      writer_(client, config_.instance) {}

Auditor::~Auditor() {
  stop();
}

void Auditor::start() {
  if (elector_) {
    elector_thread_ =
        std::thread([this] { elector_->run(stop_, [this](bool l) { observer_.leader(l); }); });
  } else {
    observer_.leader(true);
  }
  audit_thread_ = std::thread([this] { audit_loop(); });
}

void Auditor::stop() {
  stop_.cancel();
  if (audit_thread_.joinable()) audit_thread_.join();
  if (elector_thread_.joinable()) elector_thread_.join();
}

void Auditor::audit_loop() {
  // Leadership is polled once a second: a new leader audits within a second of winning.
  constexpr std::chrono::milliseconds kPoll{1'000};
  bool was_leading = false;
  auto next = SteadyClock::now();
  while (!stop_.cancelled()) {
    const bool leading = !elector_ || elector_->leading();
    if (leading && !was_leading) next = SteadyClock::now();  // a new leader audits at once
    if (!leading && was_leading) writer_.forget();  // the next term reads the reports again
    was_leading = leading;
    if (leading && SteadyClock::now() >= next) {
      run_once();
      next = SteadyClock::now() + config_.interval;
    }
    if (!stop_.wait_for(kPoll)) break;
  }
}

void Auditor::run_once() {
  const auto started = SteadyClock::now();
  try {
    run_pass_and_write(started);
  } catch (const std::exception& e) {
    // A bug or an answer of a shape nobody expected: this pass is lost, the loop and the
    // admissions go on.
    PassResult failed;
    failed.error = std::string("the pass stopped: ") + e.what();
    observer_.pass_done(failed, {},
                        std::chrono::duration<double>(SteadyClock::now() - started).count(), 0);
  }
}

void Auditor::run_pass_and_write(SteadyClock::time_point started) {
  const std::shared_ptr<const Policy> policy = policy_();
  PassOptions options;
  options.ns = config_.scope;
  PassResult pass = run_pass(client_, options, views_, *policy, cluster_, &stop_);
  WriteOutcome written;
  const double unix_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // A replica that lost the lease during the pass leaves the writing to the new leader.
  if (pass.complete && (!elector_ || elector_->leading()))
    written = writer_.write(pass, config_.scope, static_cast<long long>(unix_time));
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  observer_.pass_done(pass, written, seconds, unix_time);
}

}  // namespace hostadm::audit
