// What the transport writes back: the refusal table (kind -> status), reason phrases, the
// response head, and reading one query parameter for the routes.
#include <charconv>
#include <string>

#include "webhook/http/wire.hpp"
#include "webhook/http/wire_syntax.hpp"

namespace hostadm::http {

using namespace syntax;

namespace {

struct RefusalRow {
  RefusalKind kind;
  int status;
  std::string_view name;
};

// Every refusal's status code, in one place.
constexpr RefusalRow kRefusalKinds[] = {
    {RefusalKind::None, 0, "none"},
    {RefusalKind::BadRequestLine, 400, "bad-request-line"},
    {RefusalKind::BadHeader, 400, "bad-header"},
    {RefusalKind::BadHost, 400, "bad-host"},
    {RefusalKind::BadFraming, 400, "bad-framing"},
    {RefusalKind::BadChunk, 400, "bad-chunk"},
    {RefusalKind::ReadTimeout, 408, "read-timeout"},
    {RefusalKind::BodyTooLarge, 413, "body-too-large"},
    {RefusalKind::TargetTooLong, 414, "target-too-long"},
    {RefusalKind::ExpectationFailed, 417, "expectation-failed"},
    {RefusalKind::HeadersTooLarge, 431, "headers-too-large"},
    {RefusalKind::UnsupportedCoding, 501, "unsupported-coding"},
    {RefusalKind::UnsupportedVersion, 505, "unsupported-version"},
};

const RefusalRow& row_of(RefusalKind kind) {
  for (const RefusalRow& row : kRefusalKinds)
    if (row.kind == kind) return row;
  return kRefusalKinds[0];
}

}  // namespace

int status_of(RefusalKind kind) {
  return row_of(kind).status;
}

std::string_view name_of(RefusalKind kind) {
  return row_of(kind).name;
}

Refusal refuse(RefusalKind kind, std::string message) {
  return {status_of(kind), std::move(message), kind};
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

void append_response(std::string& out, const Response& response, bool close, bool head_only) {
  char digits[24];
  auto number = [&](size_t n) {
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    (void)ec;
    return std::string_view(digits, static_cast<size_t>(end - digits));
  };
  out.reserve(out.size() + 160 + response.body.size());
  out += "HTTP/1.1 ";
  out += number(static_cast<size_t>(response.status));
  out += ' ';
  out += reason_phrase(response.status);
  out += "\r\nContent-Type: ";
  out += response.content_type;
  out += "\r\nContent-Length: ";
  out += number(response.body.size());
  if (!response.allow.empty()) {
    out += "\r\nAllow: ";
    out += response.allow;
  }
  if (close) out += "\r\nConnection: close";
  out += "\r\n\r\n";
  if (!head_only) out += response.body;
}

std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      const std::string_view raw = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      std::string value;
      value.reserve(raw.size());
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '+') {
          value += ' ';
        } else if (raw[i] == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 &&
                   hex_value(raw[i + 2]) >= 0) {
          value += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
          i += 2;
        } else {
          value += raw[i];
        }
      }
      return value;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace hostadm::http
