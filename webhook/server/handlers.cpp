#include "webhook/server/handlers.hpp"

#include <algorithm>
#include <string_view>

#include "webhook/core/admission_path.hpp"
#include "webhook/server/config.hpp"
#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

using std::chrono::duration;
using std::chrono::milliseconds;

// What the apiserver sends: whole seconds, "10s" (timeoutSeconds is at most 30); anything else
// takes the general duration parser.
bool whole_seconds(std::string_view text, milliseconds& out) {
  if (text.size() < 2 || text.size() > 4 || text.back() != 's') return false;
  long seconds = 0;
  for (const char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return false;
    seconds = seconds * 10 + (c - '0');
  }
  out = milliseconds(seconds * 1000);
  return true;
}

HttpReply error_reply(int status, const std::string& message) {
  HttpReply r;
  r.status = status;
  r.body = error_body(status, message);
  return r;
}

}  // namespace

// The media type before any parameter, blanks ignored and case folded; compared in place, since
// every admission asks.
bool is_json_content_type(const std::string& value) {
  static constexpr std::string_view kJson = "application/json";
  if (value == kJson) return true;  // what an apiserver sends
  size_t matched = 0;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ';') break;
    if (c == ' ' || (c >= '\t' && c <= '\r')) continue;  // isspace() in the C locale, inline
    const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : ch;
    if (matched == kJson.size() || lower != kJson[matched]) return false;
    ++matched;
  }
  return matched == kJson.size();
}

AdmissionHandler::AdmissionHandler(ViewFactory views, std::shared_ptr<const Policy> policy,
                                   Metrics& metrics, HandlerOptions options,
                                   ClusterViewFactory cluster)
    : views_(std::move(views)),
      cluster_(std::move(cluster)),
      policy_(std::move(policy)),
      metrics_(metrics),
      options_(options) {}

Deadline AdmissionHandler::answer_deadline(const std::string& timeout_param,
                                           SteadyClock::time_point arrival) const {
  milliseconds timeout = options_.default_timeout;
  if (!timeout_param.empty()) {
    try {
      if (!whole_seconds(timeout_param, timeout)) timeout = parse_duration_ms(timeout_param);
    } catch (const std::exception&) {
      timeout = options_.default_timeout;  // the apiserver always sends a valid one
    }
    if (timeout <= milliseconds(0)) timeout = options_.default_timeout;
    timeout = std::min(timeout, milliseconds(30'000));  // timeoutSeconds is at most 30
  }
  const milliseconds margin = std::min(options_.max_margin, timeout / 10);
  return arrival + timeout - margin;
}

// The media type is HTTP's business, so it is checked here; everything about the body is the
// core's.
void AdmissionHandler::handle(Phase webhook, const std::string& content_type,
                              const std::string& timeout_param, const std::string& body,
                              SteadyClock::time_point arrival, HttpReply& reply) noexcept {
  InFlight in_flight(metrics_);
  const char* wh = to_string(webhook);
  static const std::vector<std::string> kNoRules;
  auto seconds_since_arrival = [&] {
    return duration<double>(SteadyClock::now() - arrival).count();
  };
  try {
    if (!is_json_content_type(content_type)) {
      metrics_.admission(webhook, "other", Outcome::BadRequest, kNoRules, seconds_since_arrival());
      log_event(spdlog::level::warn, "bad admission request",
                {{"webhook", wh}, {"status", 415}, {"reason", "unsupported content type"}});
      reply = error_reply(415, "Content-Type must be application/json, got '" + content_type + "'");
      return;
    }
    const Deadline deadline = answer_deadline(timeout_param, arrival);
    const MakeView view = [&] {
      return views_(std::min(deadline, SteadyClock::now() + policy_->inventory_timeout));
    };
    const std::unique_ptr<ClusterView> cluster = cluster_ ? cluster_(deadline) : nullptr;
    // Each worker reads its reviews into one answer, whose strings keep their room.
    thread_local AdmissionAnswer a;
    admit(a, body, webhook, view, *policy_, cluster.get());
    const double seconds = seconds_since_arrival();
    const std::string_view operation = a.decoded ? std::string_view(a.request.operation) : "other";
    metrics_.admission(webhook, operation, a.outcome, a.rules, seconds);
    if (a.outcome == Outcome::BadRequest) {
      log_event(spdlog::level::warn, "bad admission request",
                {{"webhook", wh}, {"status", a.status}, {"reason", a.problem}});
    } else if (a.outcome == Outcome::Error) {
      log_error("admission failed unexpectedly",
                {{"webhook", wh}, {"uid", a.request.uid}, {"error", a.problem}});
    } else {
      const AdmissionRequest& r = a.request;
      log_admission({r.uid, wh, r.ns, r.display_name(), r.operation, metric_label(a.outcome),
                     r.username, &a.rules, r.dry_run, seconds * 1000});
    }
    reply.status = a.status;
    reply.content_type = a.content_type;
    // The room reply.body brought stays with the kept answer, cleared by its next admit().
    reply.body.swap(a.body);
  } catch (...) {  // the metrics or the log line failed
    reply.status = 500;
    reply.content_type = "text/plain";
    reply.body = "internal error\n";
  }
}

}  // namespace hostadm::server
