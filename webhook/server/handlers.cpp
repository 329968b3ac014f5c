#include "webhook/server/handlers.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "webhook/core/admission.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/review_reader.hpp"
#include "webhook/server/config.hpp"
#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

using std::chrono::duration;
using std::chrono::milliseconds;

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpReply error_reply(int status, const std::string& message) {
  HttpReply r;
  r.status = status;
  r.body = dump({{"code", status}, {"message", message}});
  return r;
}

Outcome outcome_of(const Verdict& v) {
  if (v.defer) return Outcome::Deferred;
  if (!v.allowed) return Outcome::Denied;
  if (!v.warnings.empty()) return Outcome::Warned;
  return Outcome::Allowed;
}

std::string object_name(const AdmissionRequest& req) {
  if (!req.name.empty()) return req.name;
  for (const auto* obj : {&req.object, &req.old_object}) {
    if (!obj->is_object()) continue;
    auto md = obj->find("metadata");
    if (md == obj->end() || !md->is_object()) continue;
    for (const char* key : {"name", "generateName"}) {
      auto n = md->find(key);
      if (n != md->end() && n->is_string()) return n->get<std::string>();
    }
  }
  return "";
}

}  // namespace

// The media type before any parameter, blanks ignored and case folded; compared in place, since
// every admission asks.
bool is_json_content_type(const std::string& value) {
  static constexpr std::string_view kJson = "application/json";
  size_t matched = 0;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ';') break;
    if (std::isspace(c)) continue;
    if (matched == kJson.size() || std::tolower(c) != kJson[matched]) return false;
    ++matched;
  }
  return matched == kJson.size();
}

AdmissionHandler::AdmissionHandler(ViewFactory views, std::shared_ptr<const Policy> policy,
                                   Metrics& metrics, HandlerOptions options)
    : views_(std::move(views)), policy_(std::move(policy)), metrics_(metrics), options_(options) {}

Deadline AdmissionHandler::answer_deadline(const std::string& timeout_param,
                                           SteadyClock::time_point arrival) const {
  milliseconds timeout = options_.default_timeout;
  if (!timeout_param.empty()) {
    try {
      timeout = parse_duration_ms(timeout_param);
    } catch (const std::exception&) {
      timeout = options_.default_timeout;  // the apiserver always sends a valid one
    }
    if (timeout <= milliseconds(0)) timeout = options_.default_timeout;
    timeout = std::min(timeout, milliseconds(30'000));  // timeoutSeconds is at most 30
  }
  const milliseconds margin = std::min(options_.max_margin, timeout / 10);
  return arrival + timeout - margin;
}

HttpReply AdmissionHandler::handle(Phase webhook, const std::string& content_type,
                                   const std::string& timeout_param, const std::string& body,
                                   SteadyClock::time_point arrival) noexcept {
  InFlight in_flight(metrics_);
  const char* wh = to_string(webhook);
  AdmissionRequest req;
  bool decoded = false;
  static const std::vector<std::string> kNoRules;

  auto seconds_since_arrival = [&] {
    return duration<double>(SteadyClock::now() - arrival).count();
  };
  auto bad_request = [&](int status, const std::string& reply_message,
                         const std::string& log_reason) {
    metrics_.admission(webhook, "other", Outcome::Error, kNoRules, seconds_since_arrival());
    log_event(spdlog::level::warn, "bad admission request",
              {{"webhook", wh}, {"status", status}, {"reason", log_reason}});
    return error_reply(status, reply_message);
  };

  try {
    if (!is_json_content_type(content_type))
      return bad_request(415, "Content-Type must be application/json, got '" + content_type + "'",
                         "unsupported content type");
    if (auto fast = read_review_fast(body)) {
      req = std::move(*fast);
    } else {
      // Anything the fast reader declines gets the full reader's answer or its precise error.
      nlohmann::json review;
      try {
        review = parse_json_bounded(body);
      } catch (const JsonTooDeep& e) {
        return bad_request(400, std::string("request body refused: ") + e.what(),
                           "JSON too deep at byte " + std::to_string(e.byte));
      } catch (const nlohmann::json::parse_error& e) {
        // The reply may quote the body back to its sender; the log must not.
        return bad_request(400, std::string("request body is not valid JSON: ") + e.what(),
                           "invalid JSON at byte " + std::to_string(e.byte));
      }
      try {
        // The review is not read again: move the Host out instead of copying it.
        req = decode_review(std::move(review));
      } catch (const ReviewError& e) {
        return bad_request(400, std::string("not an AdmissionReview: ") + e.what(), e.what());
      }
    }
    decoded = true;

    const Deadline deadline = answer_deadline(timeout_param, arrival);
    const Deadline inventory_deadline =
        std::min(deadline, SteadyClock::now() + policy_->inventory_timeout);
    auto view = views_(inventory_deadline);
    Verdict verdict = decide(req, webhook, *view, *policy_);
    const std::vector<std::string> rules = verdict.rules();
    const Outcome outcome = outcome_of(verdict);

    HttpReply reply;
    if (verdict.defer) {
      // HTTP 503 is a call failure for the apiserver, so its failurePolicy decides.
      reply = error_reply(503, verdict.message.empty()
                                   ? "inventory unavailable; deferring to the webhook's "
                                     "failurePolicy"
                                   : verdict.message);
    } else {
      AdmissionResponse resp = to_response(req, std::move(verdict));  // not read again
      // The contract, whatever the core returns: a validating answer and an answer to a DELETE
      // never carry a patch (the apiserver rejects those).
      if (webhook == Phase::Validate || req.operation == "DELETE") resp.patch = JsonPatch();
      reply.body = encode_review_string(req, resp);
    }
    const double seconds = seconds_since_arrival();
    metrics_.admission(webhook, req.operation, outcome, rules, seconds);
    log_admission({req.uid, wh, req.ns, object_name(req), req.operation, to_string(outcome),
                   req.username, &rules, req.dry_run, seconds * 1000});
    return reply;
  } catch (const std::exception& e) {
    log_error("admission failed unexpectedly",
              {{"webhook", wh}, {"uid", req.uid}, {"error", e.what()}});
  } catch (...) {
    log_error("admission failed unexpectedly",
              {{"webhook", wh}, {"uid", req.uid}, {"error", "unknown exception"}});
  }
  try {
    metrics_.admission(webhook, decoded ? req.operation : "other", Outcome::Error, kNoRules,
                       seconds_since_arrival());
    if (!decoded) return error_reply(500, "internal error");
    // A valid review with the uid: the user sees "internal error" instead of a call failure.
    HttpReply reply;
    reply.body =
        dump({{"apiVersion", req.api_version},
              {"kind", req.kind},
              {"response",
               {{"uid", req.uid},
                {"allowed", false},
                {"status",
                 {{"code", 500}, {"reason", "InternalError"}, {"message", "internal error"}}}}}});
    return reply;
  } catch (...) {
    HttpReply reply;
    reply.status = 500;
    reply.content_type = "text/plain";
    reply.body = "internal error\n";
    return reply;
  }
}

}  // namespace hostadm::server
