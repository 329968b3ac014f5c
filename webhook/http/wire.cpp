#include "webhook/http/wire.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "webhook/core/text.hpp"

namespace hostadm::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(element) for each non-empty element of a comma-separated header list.
template <typename F>
void for_each_element(std::string_view list, F f) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view element = trim_ows(list.substr(0, comma));
    if (!element.empty()) f(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

HeadResult refused(RefusalKind kind, std::string message) {
  HeadResult r;
  r.state = Parse::Error;
  r.refusal = refuse(kind, std::move(message));
  return r;
}

// Client text quoted in a refusal, which is also logged.
std::string shown(std::string_view s) {
  return text::shown_in_log(s);
}

// origin-form "/p?q" or absolute-form "https://host/p?q" into path and query.
bool split_target(std::string_view target, Request& out) {
  if (istarts_with(target, "http://") || istarts_with(target, "https://")) {
    const size_t authority = target.find("//") + 2;
    const size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (target.front() == '?') {
      out.path = "/";
      out.query.assign(target.substr(1));
      return true;
    }
  } else if (target != "*" && target.front() != '/') {
    return false;
  }
  const size_t q = target.find('?');
  out.path.assign(target.substr(0, q));
  if (q == std::string_view::npos) {
    out.query.clear();
  } else {
    out.query.assign(target.substr(q + 1));
  }
  return true;
}

enum class Field { Ok, Folded, NoName, BadName, ControlCharacter };

// One header or trailer line, "Name: value" (RFC 9112 5): a token name right before the colon,
// a value without control characters; a line starting with whitespace is obsolete folding.
Field check_field(std::string_view field, std::string_view& name, std::string_view& value) {
  if (!field.empty() && (field.front() == ' ' || field.front() == '\t')) return Field::Folded;
  const size_t colon = field.find(':');
  if (colon == std::string_view::npos || colon == 0) return Field::NoName;
  name = field.substr(0, colon);
  for (char c : name)
    if (!is_tchar(c)) return Field::BadName;
  value = trim_ows(field.substr(colon + 1));
  for (char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      return Field::ControlCharacter;
  return Field::Ok;
}

// What follows a chunk size up to its CRLF (RFC 9112 7.1.1):
//   *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), a value a token or a
//   quoted-string. Ignored once read, but a line another parser would split differently is how
//   a body gets framed two ways.
bool valid_chunk_ext(std::string_view s) {
  size_t i = 0;
  auto bws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  auto token = [&] {
    const size_t from = i;
    while (i < s.size() && is_tchar(s[i])) ++i;
    return i > from;
  };
  auto quoted = [&] {
    if (i >= s.size() || s[i] != '"') return false;
    for (++i; i < s.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"') {
        ++i;
        return true;
      }
      if (c == '\\') {
        if (++i >= s.size()) return false;
        const unsigned char q = static_cast<unsigned char>(s[i]);
        if (q != '\t' && (q < 0x20 || q == 0x7f)) return false;
      } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
        return false;
      }
    }
    return false;
  };
  while (i < s.size()) {
    bws();
    if (i == s.size() || s[i] != ';') return false;  // whitespace only before ';' or '='
    ++i;
    bws();
    if (!token()) return false;
    const size_t name_end = i;
    bws();
    if (i < s.size() && s[i] == '=') {
      ++i;
      bws();
      if (!token() && !quoted()) return false;
    } else if (i != name_end && (i == s.size() || s[i] != ';')) {
      return false;
    }
  }
  return true;
}

// Content-Length: 1*DIGIT, or a list of identical values (RFC 9110 8.6), without empty elements
// (", 4" is not a length; Content-Length is not a list field that may have them).
int content_length(std::string_view value, size_t max_body, size_t& length, bool& seen) {
  int status = 0;
  size_t elements = 0;
  for_each_element(value, [&](std::string_view element) {
    ++elements;
    if (status) return;
    size_t n = 0;
    for (char c : element)
      if (c < '0' || c > '9') status = 400;
    if (status) return;
    const auto [end, ec] = std::from_chars(element.data(), element.data() + element.size(), n);
    if (ec != std::errc() || end != element.data() + element.size() || n > max_body) {
      status = 413;  // only digits, so a failure is an overflow
      return;
    }
    if (seen && n != length) status = 400;
    length = n;
    seen = true;
  });
  const size_t commas = static_cast<size_t>(std::count(value.begin(), value.end(), ','));
  return elements == commas + 1 ? status : 400;
}

}  // namespace

HeadResult parse_head(std::string_view buf, size_t max_head_bytes, size_t max_body_bytes,
                      Request& out) {
  out.method.clear();
  out.path.clear();
  out.query.clear();
  // RFC 9112 2.2: ignore at least one empty line before the request line.
  size_t start = 0;
  while (buf.substr(start, 2) == kCrlf) start += 2;
  if (start >= max_head_bytes)
    return refused(RefusalKind::BadRequestLine, "request starts with too many empty lines");
  const std::string_view head = buf.substr(start);
  const size_t end = head.find("\r\n\r\n");
  const size_t line_end = head.find(kCrlf);
  if (end == std::string_view::npos || start + end + 4 > max_head_bytes) {
    if (buf.size() < max_head_bytes) {
      // Waiting for a CRLF CRLF that a client ending lines with a bare LF never sends.
      for (size_t i = head.find('\n'); i != std::string_view::npos; i = head.find('\n', i + 1))
        if (i == 0 || head[i - 1] != '\r')
          return refused(RefusalKind::BadHeader, "header lines must end with CRLF");
      return {};
    }
    if (line_end == std::string_view::npos || start + line_end + 2 > max_head_bytes)
      return refused(RefusalKind::TargetTooLong,
                     "request line is longer than " + std::to_string(max_head_bytes) + " bytes");
    return refused(RefusalKind::HeadersTooLarge, "request header section is larger than " +
                                                     std::to_string(max_head_bytes) + " bytes");
  }

  // Request line: method SP request-target SP HTTP-version
  const std::string_view line = head.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return refused(RefusalKind::BadRequestLine, "malformed request line '" + shown(line) + "'");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty())
    return refused(RefusalKind::BadRequestLine, "malformed request line '" + shown(line) + "'");
  for (char c : method)
    if (!is_tchar(c))
      return refused(RefusalKind::BadRequestLine, "malformed method in '" + shown(line) + "'");
  if (target.empty()) return refused(RefusalKind::BadRequestLine, "empty request target");
  for (char c : target)
    if (c <= 0x20 || c >= 0x7f || c == '#')
      return refused(RefusalKind::BadRequestLine,
                     "request target has a character URIs do not allow: '" + shown(target) + "'");
  if (version == "HTTP/1.1") {
    out.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    out.minor_version = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[6] == '.' &&
             version[5] >= '0' && version[5] <= '9' && version[7] >= '0' && version[7] <= '9') {
    return refused(RefusalKind::UnsupportedVersion,
                   "HTTP version " + shown(version) + " is not supported; use HTTP/1.1");
  } else {
    return refused(RefusalKind::BadRequestLine, "malformed HTTP version '" + shown(version) + "'");
  }
  out.method.assign(method);
  if (!split_target(target, out))
    return refused(RefusalKind::BadRequestLine,
                   "request target must start with '/': '" + shown(target) + "'");

  out.content_type.clear();
  out.expect_continue = false;
  out.chunked = false;
  out.content_length = 0;
  bool has_length = false, has_te = false, close = false, keep_alive = false,
       has_content_type = false;
  int hosts = 0, line_number = 1;
  std::string_view rest = head.substr(line_end + 2, end + 2 - (line_end + 2));
  while (!rest.empty()) {
    const size_t eol = rest.find(kCrlf);  // always found: the head ends with CRLF
    const std::string_view field = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    ++line_number;
    std::string_view name, value;
    switch (check_field(field, name, value)) {
      case Field::Ok:
        break;
      case Field::Folded:
        return refused(RefusalKind::BadHeader, "obsolete header line folding is not accepted");
      case Field::NoName:
        // Not quoted: a line without a name could be anything, a token included.
        return refused(
            RefusalKind::BadHeader,
            "malformed header line " + std::to_string(line_number) + ": a header is 'Name: value'");
      case Field::BadName:
        return refused(RefusalKind::BadHeader, "malformed header name '" + shown(name) + "'");
      case Field::ControlCharacter:
        return refused(RefusalKind::BadHeader,
                       "header " + shown(name) + " has a control character in its value");
    }

    if (iequals(name, "content-length")) {
      if (int status = content_length(value, max_body_bytes, out.content_length, has_length)) {
        if (status == 413)
          return refused(RefusalKind::BodyTooLarge, "request body is larger than the limit (" +
                                                        std::to_string(max_body_bytes) + " bytes)");
        return refused(RefusalKind::BadFraming, "malformed Content-Length '" + shown(value) + "'");
      }
    } else if (iequals(name, "transfer-encoding")) {
      // A second line adds its codings to the first (RFC 9110 5.3): two `chunked` lines are
      // `chunked, chunked`, a coding applied twice, and are refused the same way.
      if (has_te)
        return refused(RefusalKind::UnsupportedCoding,
                       "Transfer-Encoding is given more than once (as if 'chunked, " +
                           shown(value) + "'); send chunked once or a Content-Length");
      has_te = true;
      bool other = false;
      int codings = 0;
      for_each_element(value, [&](std::string_view coding) {
        ++codings;
        if (iequals(coding, "chunked")) {
          out.chunked = true;
        } else {
          other = true;
        }
      });
      if (other || codings != 1 || out.chunked == false)
        return refused(RefusalKind::UnsupportedCoding,
                       "Transfer-Encoding '" + shown(value) +
                           "' is not supported; send chunked or a Content-Length");
    } else if (iequals(name, "connection")) {
      bool tokens = true;
      for_each_element(value, [&](std::string_view option) {
        for (char c : option) tokens = tokens && is_tchar(c);
        if (iequals(option, "close")) close = true;
        if (iequals(option, "keep-alive")) keep_alive = true;
      });
      // Options are tokens (RFC 9110 7.6.1); anything else could be read as close by one parser
      // and not by another.
      if (!tokens)
        return refused(RefusalKind::BadHeader, "malformed Connection '" + shown(value) + "'");
    } else if (iequals(name, "expect")) {
      if (!iequals(value, "100-continue"))
        return refused(RefusalKind::ExpectationFailed,
                       "Expect '" + shown(value) + "' is not supported");
      out.expect_continue = true;
    } else if (iequals(name, "content-type")) {
      if (!has_content_type) out.content_type.assign(value);
      has_content_type = true;
    } else if (iequals(name, "host")) {
      ++hosts;
    }
  }
  if (has_te && has_length)
    return refused(RefusalKind::BadFraming,
                   "request has both Transfer-Encoding and Content-Length");
  if (has_te && out.minor_version == 0)
    return refused(RefusalKind::BadFraming, "Transfer-Encoding is not allowed in HTTP/1.0");
  if (out.minor_version == 1 && hosts != 1)
    return refused(RefusalKind::BadHost, hosts == 0 ? "HTTP/1.1 request without a Host header"
                                                    : "request has more than one Host header");
  out.keep_alive = out.minor_version == 1 ? !close : keep_alive && !close;
  HeadResult r;
  r.state = Parse::Done;
  r.consumed = start + end + 4;
  return r;
}

Parse ChunkedDecoder::fail(RefusalKind kind, std::string message) {
  refusal_ = refuse(kind, std::move(message));
  return Parse::Error;
}

Parse ChunkedDecoder::feed(std::string_view in, size_t& consumed, std::string& body) {
  // A trailer section this long is an attack, not metadata.
  constexpr size_t kMaxTrailerBytes = 8192;
  size_t i = 0;
  while (i < in.size() && state_ != State::Done) {
    const char c = in[i];
    switch (state_) {
      case State::Size: {
        const int v = hex_value(c);
        if (v >= 0) {
          if (++size_digits_ > 15)
            return fail(RefusalKind::BodyTooLarge, "chunk size is too large");
          chunk_left_ = chunk_left_ * 16 + static_cast<size_t>(v);
          if (body.size() + chunk_left_ > max_body_)
            return fail(RefusalKind::BodyTooLarge, "request body is larger than the limit (" +
                                                       std::to_string(max_body_) + " bytes)");
        } else if (size_digits_ == 0) {
          return fail(RefusalKind::BadChunk, "malformed chunk size");
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::Extension;
          line_.assign(1, c);
        } else if (c == '\r') {
          state_ = State::SizeLf;
        } else {
          return fail(RefusalKind::BadChunk, "malformed chunk size");
        }
        ++i;
        break;
      }
      case State::Extension:
        if (c == '\r') {
          if (!valid_chunk_ext(line_))
            return fail(RefusalKind::BadChunk, "malformed chunk extension '" + shown(line_) + "'");
          state_ = State::SizeLf;
        } else if (c == '\n') {
          return fail(RefusalKind::BadChunk, "chunk line must end with CRLF");
        } else if (++trailer_bytes_ > kMaxTrailerBytes) {
          return fail(RefusalKind::BadChunk, "chunk extensions are too long");
        } else {
          line_ += c;
        }
        ++i;
        break;
      case State::SizeLf:
        if (c != '\n') return fail(RefusalKind::BadChunk, "chunk line must end with CRLF");
        ++i;
        size_digits_ = 0;
        state_ = chunk_left_ == 0 ? State::Trailer : State::Data;
        line_.clear();
        break;
      case State::Data: {
        const size_t n = std::min(chunk_left_, in.size() - i);
        body.append(in.data() + i, n);
        i += n;
        chunk_left_ -= n;
        if (chunk_left_ == 0) state_ = State::DataCr;
        break;
      }
      case State::DataCr:
        if (c != '\r') return fail(RefusalKind::BadChunk, "chunk data must be followed by CRLF");
        ++i;
        state_ = State::DataLf;
        break;
      case State::DataLf:
        if (c != '\n') return fail(RefusalKind::BadChunk, "chunk data must be followed by CRLF");
        ++i;
        state_ = State::Size;
        break;
      case State::Trailer:
        if (c == '\r') {
          state_ = State::TrailerLf;
        } else if (c == '\n') {
          return fail(RefusalKind::BadChunk, "trailer line must end with CRLF");
        } else {
          line_ += c;
          if (++trailer_bytes_ > kMaxTrailerBytes)
            return fail(RefusalKind::HeadersTooLarge, "trailer section is too long");
        }
        ++i;
        break;
      case State::TrailerLf: {
        if (c != '\n') return fail(RefusalKind::BadChunk, "trailer line must end with CRLF");
        ++i;
        if (line_.empty()) {
          state_ = State::Done;
          break;
        }
        // Trailer fields are dropped, but only after they parse as fields: a line that is not
        // one means the body ended somewhere else than this parser thinks.
        std::string_view name, value;
        if (check_field(line_, name, value) != Field::Ok)
          return fail(RefusalKind::BadChunk, "malformed trailer line '" + shown(line_) + "'");
        // Framing and connection control belong in the header section (RFC 9110 6.5.1); a
        // parser that applies them from a trailer would end this message or connection elsewhere.
        for (std::string_view header_only : {"content-length", "transfer-encoding", "connection",
                                             "proxy-connection", "keep-alive", "upgrade", "host"})
          if (iequals(name, header_only))
            return fail(RefusalKind::BadChunk,
                        "trailer field " + shown(name) + " is allowed only in the header section");
        line_.clear();
        state_ = State::Trailer;
        break;
      }
      case State::Done:
        break;
    }
  }
  consumed = i;
  return state_ == State::Done ? Parse::Done : Parse::Incomplete;
}

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
