// The request head parser (RFC 9112 2-6): request line, header fields, and the framing they
// decide (Content-Length or chunked), refusing anything two parsers could read two ways.
#include "webhook/http/wire.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <optional>

#include "webhook/http/wire_syntax.hpp"

namespace hostadm::http {

using namespace syntax;

namespace {

HeadResult refused(RefusalKind kind, std::string message) {
  HeadResult r;
  r.state = Parse::Error;
  r.refusal = refuse(kind, std::move(message));
  return r;
}

// `to` = `text`, reusing its buffer: a connection's request fields are set once per request, and
// assign() from a view takes libstdc++'s general replace path.
void set(std::string& to, std::string_view text) {
  to.clear();
  to.append(text.data(), text.size());
}

// origin-form "/p?q" or absolute-form "https://host/p?q" into path and query.
bool split_target(std::string_view target, Request& out) {
  if (istarts_with(target, "http://") || istarts_with(target, "https://")) {
    const size_t authority = target.find("//") + 2;
    const size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (target.front() == '?') {
      set(out.path, "/");
      set(out.query, target.substr(1));
      return true;
    }
  } else if (target != "*" && target.front() != '/') {
    return false;
  }
  const size_t q = target.find('?');
  set(out.path, target.substr(0, q));
  if (q == std::string_view::npos) {
    out.query.clear();
  } else {
    set(out.query, target.substr(q + 1));
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

// A step of the parse: nothing when its part of the head is fine, else the result that ends the
// parse (a refusal, or Incomplete while the head has not all arrived).
using Step = std::optional<HeadResult>;

// Where the head is in the buffer: after `start` (blank lines before the request line), the
// request line up to `line_end` and the fields up to `end`, where CRLF CRLF begins.
struct HeadSpan {
  size_t start = 0, line_end = 0, end = 0;
};

Step locate_head(std::string_view buf, size_t max_head_bytes, HeadSpan& span) {
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
      return HeadResult{};
    }
    if (line_end == std::string_view::npos || start + line_end + 2 > max_head_bytes)
      return refused(RefusalKind::TargetTooLong,
                     "request line is longer than " + std::to_string(max_head_bytes) + " bytes");
    return refused(RefusalKind::HeadersTooLarge, "request header section is larger than " +
                                                     std::to_string(max_head_bytes) + " bytes");
  }
  span = {start, line_end, end};
  return std::nullopt;
}

Step read_version(std::string_view version, Request& out) {
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
  return std::nullopt;
}

// Request line: method SP request-target SP HTTP-version
Step read_request_line(std::string_view line, Request& out) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return refused(RefusalKind::BadRequestLine, "malformed request line '" + shown(line) + "'");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
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
  if (Step bad = read_version(line.substr(sp2 + 1), out)) return bad;
  set(out.method, method);
  if (!split_target(target, out))
    return refused(RefusalKind::BadRequestLine,
                   "request target must start with '/': '" + shown(target) + "'");
  return std::nullopt;
}

// What the header fields said about framing and the connection, checked once all are read.
struct Framing {
  bool has_length = false, has_te = false, close = false, keep_alive = false,
       has_content_type = false;
  int hosts = 0;
};

Step read_transfer_encoding(std::string_view value, Framing& framing, Request& out) {
  // A second line adds its codings to the first (RFC 9110 5.3): two `chunked` lines are
  // `chunked, chunked`, a coding applied twice, and are refused the same way.
  if (framing.has_te)
    return refused(RefusalKind::UnsupportedCoding,
                   "Transfer-Encoding is given more than once (as if 'chunked, " + shown(value) +
                       "'); send chunked once or a Content-Length");
  framing.has_te = true;
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
  return std::nullopt;
}

Step read_connection(std::string_view value, Framing& framing) {
  bool tokens = true;
  for_each_element(value, [&](std::string_view option) {
    for (char c : option) tokens = tokens && is_tchar(c);
    if (iequals(option, "close")) framing.close = true;
    if (iequals(option, "keep-alive")) framing.keep_alive = true;
  });
  // Options are tokens (RFC 9110 7.6.1); anything else could be read as close by one parser
  // and not by another.
  if (!tokens)
    return refused(RefusalKind::BadHeader, "malformed Connection '" + shown(value) + "'");
  return std::nullopt;
}

Step read_content_length(std::string_view value, size_t max_body_bytes, Framing& framing,
                         Request& out) {
  const int status = content_length(value, max_body_bytes, out.content_length, framing.has_length);
  if (status == 413)
    return refused(RefusalKind::BodyTooLarge, "request body is larger than the limit (" +
                                                  std::to_string(max_body_bytes) + " bytes)");
  if (status != 0)
    return refused(RefusalKind::BadFraming, "malformed Content-Length '" + shown(value) + "'");
  return std::nullopt;
}

// One header field the server acts on; the others are read past. The names it knows differ in
// length, so one comparison tells a field apart (an apiserver sends about ten per request).
Step read_field(std::string_view name, std::string_view value, size_t max_body_bytes,
                Framing& framing, Request& out) {
  switch (name.size()) {
    case 14:
      if (iequals(name, "content-length"))
        return read_content_length(value, max_body_bytes, framing, out);
      break;
    case 17:
      if (iequals(name, "transfer-encoding")) return read_transfer_encoding(value, framing, out);
      break;
    case 10:
      if (iequals(name, "connection")) return read_connection(value, framing);
      break;
    case 6:
      if (!iequals(name, "expect")) break;
      if (!iequals(value, "100-continue"))
        return refused(RefusalKind::ExpectationFailed,
                       "Expect '" + shown(value) + "' is not supported");
      out.expect_continue = true;
      break;
    case 12:
      if (!iequals(name, "content-type")) break;
      if (!framing.has_content_type) set(out.content_type, value);
      framing.has_content_type = true;
      break;
    case 4:
      if (iequals(name, "host")) ++framing.hosts;
      break;
  }
  return std::nullopt;
}

// The field lines, each ending with CRLF.
Step read_fields(std::string_view rest, size_t max_body_bytes, Framing& framing, Request& out) {
  int line_number = 1;
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
    if (Step bad = read_field(name, value, max_body_bytes, framing, out)) return bad;
  }
  return std::nullopt;
}

// The framing the fields add up to, and whether the connection stays open after the answer.
Step finish_framing(const Framing& framing, Request& out) {
  if (framing.has_te && framing.has_length)
    return refused(RefusalKind::BadFraming,
                   "request has both Transfer-Encoding and Content-Length");
  if (framing.has_te && out.minor_version == 0)
    return refused(RefusalKind::BadFraming, "Transfer-Encoding is not allowed in HTTP/1.0");
  if (out.minor_version == 1 && framing.hosts != 1)
    return refused(RefusalKind::BadHost, framing.hosts == 0
                                             ? "HTTP/1.1 request without a Host header"
                                             : "request has more than one Host header");
  out.keep_alive = out.minor_version == 1 ? !framing.close : framing.keep_alive && !framing.close;
  return std::nullopt;
}

}  // namespace

HeadResult parse_head(std::string_view buf, size_t max_head_bytes, size_t max_body_bytes,
                      Request& out) {
  out.method.clear();
  out.path.clear();
  out.query.clear();
  HeadSpan span;
  if (Step stop = locate_head(buf, max_head_bytes, span)) return std::move(*stop);
  const std::string_view head = buf.substr(span.start);
  if (Step bad = read_request_line(head.substr(0, span.line_end), out)) return std::move(*bad);
  out.content_type.clear();
  out.expect_continue = false;
  out.chunked = false;
  out.content_length = 0;
  Framing framing;
  const std::string_view fields =
      head.substr(span.line_end + 2, span.end + 2 - (span.line_end + 2));
  if (Step bad = read_fields(fields, max_body_bytes, framing, out)) return std::move(*bad);
  if (Step bad = finish_framing(framing, out)) return std::move(*bad);
  HeadResult r;
  r.state = Parse::Done;
  r.consumed = span.start + span.end + 4;
  return r;
}

}  // namespace hostadm::http
