#include "webhook/http/wire.hpp"

#include <charconv>

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

HeadResult refuse(int status, std::string message) {
  HeadResult r;
  r.state = Parse::Error;
  r.refusal = {status, std::move(message)};
  return r;
}

// Client text quoted in a refusal (which is also logged): printable, at most 64 bytes, and
// nothing after a '?', where a query could carry a credential.
std::string shown(std::string_view s) {
  constexpr size_t kMax = 64;
  const size_t query = s.find('?');
  const bool cut = query != std::string_view::npos || s.size() > kMax;
  s = s.substr(0, std::min(query, kMax));
  std::string out;
  for (char c : s) out += (c >= 0x20 && c < 0x7f) ? c : '.';
  if (cut) out += "...";
  return out;
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

// Content-Length: 1*DIGIT, or a list of identical values (RFC 9110 8.6).
int content_length(std::string_view value, size_t max_body, size_t& length, bool& seen) {
  int status = 0;
  bool any = false;
  for_each_element(value, [&](std::string_view element) {
    any = true;
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
  return any ? status : 400;
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
  if (start >= max_head_bytes) return refuse(400, "request starts with too many empty lines");
  const std::string_view head = buf.substr(start);
  const size_t end = head.find("\r\n\r\n");
  const size_t line_end = head.find(kCrlf);
  if (end == std::string_view::npos || start + end + 4 > max_head_bytes) {
    if (buf.size() < max_head_bytes) {
      // Waiting for a CRLF CRLF that a client ending lines with a bare LF never sends.
      for (size_t i = head.find('\n'); i != std::string_view::npos; i = head.find('\n', i + 1))
        if (i == 0 || head[i - 1] != '\r') return refuse(400, "header lines must end with CRLF");
      return {};
    }
    if (line_end == std::string_view::npos || start + line_end + 2 > max_head_bytes)
      return refuse(414,
                    "request line is longer than " + std::to_string(max_head_bytes) + " bytes");
    return refuse(
        431, "request header section is larger than " + std::to_string(max_head_bytes) + " bytes");
  }

  // Request line: method SP request-target SP HTTP-version
  const std::string_view line = head.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return refuse(400, "malformed request line '" + shown(line) + "'");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty()) return refuse(400, "malformed request line '" + shown(line) + "'");
  for (char c : method)
    if (!is_tchar(c)) return refuse(400, "malformed method in '" + shown(line) + "'");
  if (target.empty()) return refuse(400, "empty request target");
  for (char c : target)
    if (c <= 0x20 || c >= 0x7f || c == '#')
      return refuse(400,
                    "request target has a character URIs do not allow: '" + shown(target) + "'");
  if (version == "HTTP/1.1") {
    out.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    out.minor_version = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[6] == '.' &&
             version[5] >= '0' && version[5] <= '9' && version[7] >= '0' && version[7] <= '9') {
    return refuse(505, "HTTP version " + shown(version) + " is not supported; use HTTP/1.1");
  } else {
    return refuse(400, "malformed HTTP version '" + shown(version) + "'");
  }
  out.method.assign(method);
  if (!split_target(target, out))
    return refuse(400, "request target must start with '/': '" + shown(target) + "'");

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
    if (field.front() == ' ' || field.front() == '\t')
      return refuse(400, "obsolete header line folding is not accepted");
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0)
      // Not quoted: a line without a name could be anything, a token included.
      return refuse(400, "malformed header line " + std::to_string(line_number) +
                             ": a header is 'Name: value'");
    const std::string_view name = field.substr(0, colon);
    for (char c : name)
      if (!is_tchar(c)) return refuse(400, "malformed header name '" + shown(name) + "'");
    const std::string_view value = trim_ows(field.substr(colon + 1));
    for (char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        return refuse(400, "header " + shown(name) + " has a control character in its value");

    if (iequals(name, "content-length")) {
      if (int status = content_length(value, max_body_bytes, out.content_length, has_length)) {
        if (status == 413)
          return refuse(413, "request body is larger than the limit (" +
                                 std::to_string(max_body_bytes) + " bytes)");
        return refuse(400, "malformed Content-Length '" + shown(value) + "'");
      }
    } else if (iequals(name, "transfer-encoding")) {
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
        return refuse(501, "Transfer-Encoding '" + shown(value) +
                               "' is not supported; send chunked or a Content-Length");
    } else if (iequals(name, "connection")) {
      for_each_element(value, [&](std::string_view option) {
        if (iequals(option, "close")) close = true;
        if (iequals(option, "keep-alive")) keep_alive = true;
      });
    } else if (iequals(name, "expect")) {
      if (!iequals(value, "100-continue"))
        return refuse(417, "Expect '" + shown(value) + "' is not supported");
      out.expect_continue = true;
    } else if (iequals(name, "content-type")) {
      if (!has_content_type) out.content_type.assign(value);
      has_content_type = true;
    } else if (iequals(name, "host")) {
      ++hosts;
    }
  }
  if (has_te && has_length)
    return refuse(400, "request has both Transfer-Encoding and Content-Length");
  if (has_te && out.minor_version == 0)
    return refuse(400, "Transfer-Encoding is not allowed in HTTP/1.0");
  if (out.minor_version == 1 && hosts != 1)
    return refuse(400, hosts == 0 ? "HTTP/1.1 request without a Host header"
                                  : "request has more than one Host header");
  out.keep_alive = out.minor_version == 1 ? !close : keep_alive && !close;
  HeadResult r;
  r.state = Parse::Done;
  r.consumed = start + end + 4;
  return r;
}

Parse ChunkedDecoder::fail(int status, std::string message) {
  refusal_ = {status, std::move(message)};
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
          if (++size_digits_ > 15) return fail(413, "chunk size is too large");
          chunk_left_ = chunk_left_ * 16 + static_cast<size_t>(v);
          if (body.size() + chunk_left_ > max_body_)
            return fail(413, "request body is larger than the limit (" + std::to_string(max_body_) +
                                 " bytes)");
        } else if (size_digits_ == 0) {
          return fail(400, "malformed chunk size");
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::Extension;
        } else if (c == '\r') {
          state_ = State::SizeLf;
        } else {
          return fail(400, "malformed chunk size");
        }
        ++i;
        break;
      }
      case State::Extension:
        if (c == '\r') {
          state_ = State::SizeLf;
        } else if (c == '\n') {
          return fail(400, "chunk line must end with CRLF");
        } else if (++trailer_bytes_ > kMaxTrailerBytes) {
          return fail(400, "chunk extensions are too long");
        }
        ++i;
        break;
      case State::SizeLf:
        if (c != '\n') return fail(400, "chunk line must end with CRLF");
        ++i;
        size_digits_ = 0;
        state_ = chunk_left_ == 0 ? State::Trailer : State::Data;
        trailer_line_ = 0;
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
        if (c != '\r') return fail(400, "chunk data must be followed by CRLF");
        ++i;
        state_ = State::DataLf;
        break;
      case State::DataLf:
        if (c != '\n') return fail(400, "chunk data must be followed by CRLF");
        ++i;
        state_ = State::Size;
        break;
      case State::Trailer:
        if (c == '\r') {
          state_ = State::TrailerLf;
        } else if (c == '\n') {
          return fail(400, "trailer line must end with CRLF");
        } else {
          ++trailer_line_;
          if (++trailer_bytes_ > kMaxTrailerBytes) return fail(431, "trailer section is too long");
        }
        ++i;
        break;
      case State::TrailerLf:
        if (c != '\n') return fail(400, "trailer line must end with CRLF");
        ++i;
        state_ = trailer_line_ == 0 ? State::Done : State::Trailer;
        trailer_line_ = 0;
        break;
      case State::Done:
        break;
    }
  }
  consumed = i;
  return state_ == State::Done ? Parse::Done : Parse::Incomplete;
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
