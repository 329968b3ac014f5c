#include "webhook/kube/api_result.hpp"

#include "webhook/core/text.hpp"

namespace hostadm::kube {

namespace {

constexpr size_t kMaxServerText = 200;

std::string clip(std::string_view s) {
  const size_t n = text::utf8_cut(s, kMaxServerText);
  std::string out(s.substr(0, n));
  if (n < s.size()) out += "...";
  return out;
}

bool read_status(std::string_view body, Status& out) {
  if (body.empty() || body.front() != '{') return false;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || j.value("kind", "") != "Status") return false;
  auto str = [](const nlohmann::json& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out.reason = str(j, "reason");
  out.message = str(j, "message");
  if (auto c = j.find("code"); c != j.end() && c->is_number_integer()) out.code = c->get<int>();
  if (auto d = j.find("details"); d != j.end() && d->is_object()) {
    out.name = str(*d, "name");
    out.group = str(*d, "group");
    out.kind = str(*d, "kind");
    if (auto r = d->find("retryAfterSeconds"); r != d->end() && r->is_number_integer())
      out.retry_after_seconds = r->get<int>();
  }
  return true;
}

// client-go's NewGenericServerResponse: a reason and a message for a code alone.
void from_code(int code, std::string_view body, Verb verb, Status& out) {
  const std::string server_text = clip(text::trim(body));
  switch (code) {
    case 400:
      out.reason = "BadRequest";
      out.message = "the server rejected our request for an unknown reason";
      break;
    case 401:
      out.reason = "Unauthorized";
      out.message = "the server has asked for the client to provide credentials";
      break;
    case 403:
      out.reason = "Forbidden";
      out.message = server_text;
      break;
    case 404:
      out.reason = "NotFound";
      out.message = "the server could not find the requested resource";
      break;
    case 405:
      out.reason = "MethodNotAllowed";
      out.message = "the server does not allow this method on the requested resource";
      break;
    case 409:
      out.reason = verb == Verb::Create ? "AlreadyExists" : "Conflict";
      out.message = "the server reported a conflict";
      break;
    case 410:
      out.reason = "Expired";
      out.message = "the requested resource version is too old";
      break;
    case 415:
      out.reason = "UnsupportedMediaType";
      out.message = server_text;
      break;
    case 422:
      out.reason = "Invalid";
      out.message = "the server rejected our request due to an error in our request";
      break;
    case 429:
      out.reason = "TooManyRequests";
      out.message = "the server has received too many requests and has asked us to try again later";
      break;
    case 503:
      out.reason = "ServiceUnavailable";
      out.message = "the server is currently unable to handle the request";
      break;
    case 504:
      out.reason = "Timeout";
      out.message =
          "the server was unable to return a response in the time allotted, but may still be "
          "processing the request";
      break;
    default:
      if (code >= 500) {
        out.reason = "InternalError";
        out.message = "an error on the server (\"" + server_text +
                      "\") has prevented the request from succeeding";
      } else {
        out.message = "the server responded with the status code " + std::to_string(code) +
                      " but did not return more information";
      }
  }
}

}  // namespace

Status status_from_answer(int code, std::string_view body, Verb verb, const std::string& what) {
  Status out;
  if (read_status(body, out)) {
    if (out.code == 0) out.code = code;
    return out;
  }
  out.code = code;
  from_code(code, body, verb, out);
  if (!what.empty()) out.message += (out.message.empty() ? "(" : " (") + what + ")";
  return out;
}

std::string Result::describe() const {
  if (code == 0) return error;
  if (ok()) return std::to_string(code);
  std::string out = std::to_string(code);
  if (!status.reason.empty()) out += " " + status.reason;
  if (!status.message.empty()) out += ": " + status.message;
  return out;
}

}  // namespace hostadm::kube
