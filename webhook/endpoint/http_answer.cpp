#include "webhook/endpoint/http_answer.hpp"

#include <cctype>

#include "webhook/http/wire.hpp"

namespace hostadm::endpoint {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header list holds `token` (case-insensitive).
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (iequals(trimmed(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// A cookie value we may send back: printable ASCII without separators.
bool sendable_cookie(std::string_view v) {
  if (v.empty() || v.size() > 256) return false;
  for (char c : v)
    if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '\\') return false;
  return true;
}

}  // namespace

AnswerReader::AnswerReader(AnswerLimits limits) : limits_(limits) {}
AnswerReader::~AnswerReader() = default;

AnswerReader::State AnswerReader::fail(std::string why) {
  error_ = std::move(why);
  state_ = State::Error;
  return state_;
}

AnswerReader::State AnswerReader::feed(std::string_view bytes) {
  if (state_ == State::Done && !bytes.empty()) answer_.close = true;  // more than one answer
  if (state_ != State::Incomplete) return state_;
  if (in_body_) return body(bytes);
  head_.append(bytes);
  return head();
}

bool AnswerReader::header(std::string_view name, std::string_view value) {
  if (iequals(name, "Content-Length")) {
    size_t n = 0;
    bool digits = !value.empty() && value.size() <= 18;
    for (char c : value) {
      digits = digits && c >= '0' && c <= '9';
      if (digits) n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (!digits || (saw_length_ && n != content_length_)) {
      fail("bad Content-Length '" + std::string(value.substr(0, 32)) + "'");
      return false;
    }
    saw_length_ = true;
    content_length_ = n;
  } else if (iequals(name, "Transfer-Encoding")) {
    if (!iequals(value, "chunked")) {
      fail("unsupported Transfer-Encoding '" + std::string(value.substr(0, 32)) + "'");
      return false;
    }
    framing_ = Framing::Chunked;
  } else if (iequals(name, "Connection")) {
    if (has_token(value, "close")) answer_.close = true;
  } else if (iequals(name, "Set-Cookie")) {
    const std::string_view pair = value.substr(0, value.find(';'));
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && trimmed(pair.substr(0, eq)) == kSessionCookie &&
        sendable_cookie(trimmed(pair.substr(eq + 1))))
      answer_.session_cookie = std::string(trimmed(pair.substr(eq + 1)));
  }
  return true;
}

namespace {

// "HTTP/1.x NNN ..." -> NNN, or 0 when the line is not an HTTP/1.x status line.
int status_of_line(std::string_view line) {
  auto digit = [&](size_t i) { return std::isdigit(static_cast<unsigned char>(line[i])) != 0; };
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !digit(7) || line[8] != ' ' ||
      !digit(9) || !digit(10) || !digit(11))
    return 0;
  return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

}  // namespace

AnswerReader::State AnswerReader::head() {
  const std::string too_long =
      "the answer's head is longer than " + std::to_string(limits_.max_head) + " bytes";
  size_t end = head_.find("\r\n\r\n");
  int status = 0;
  // Interim answers (100 Continue, 102 Processing) come before the real one: skip them.
  while (end != std::string::npos) {
    if (end + 4 > limits_.max_head) return fail(too_long);
    status = status_of_line(std::string_view(head_).substr(0, head_.find("\r\n")));
    if (status == 0) return fail("the answer is not HTTP/1.x");
    if (status >= 200) break;
    head_.erase(0, end + 4);
    end = head_.find("\r\n\r\n");
  }
  if (end == std::string::npos) return head_.size() > limits_.max_head ? fail(too_long) : state_;
  std::string_view lines(head_.data(), end);
  const size_t first_eol = lines.find("\r\n");
  answer_ = HttpAnswer{};
  answer_.status = status;
  answer_.close = head_[7] == '0';  // HTTP/1.0 closes unless told otherwise; we never ask
  lines.remove_prefix(first_eol == std::string_view::npos ? lines.size() : first_eol + 2);
  while (!lines.empty()) {
    const size_t eol = lines.find("\r\n");
    const std::string_view line = lines.substr(0, eol);
    lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail("malformed header line");
    if (!header(line.substr(0, colon), trimmed(line.substr(colon + 1)))) return state_;
  }
  if (framing_ == Framing::Chunked && saw_length_)
    return fail("the answer has both Content-Length and Transfer-Encoding");
  if (framing_ == Framing::Chunked) {
    chunked_ = std::make_unique<http::ChunkedDecoder>(limits_.max_body);
  } else if (saw_length_) {
    framing_ = Framing::Length;
    if (content_length_ > limits_.max_body)
      return fail("the answer's body (" + std::to_string(content_length_) +
                  " bytes) is larger than " + std::to_string(limits_.max_body) + " bytes");
  } else {
    answer_.close = true;
  }
  in_body_ = true;
  const std::string rest = head_.substr(end + 4);
  head_.clear();
  return body(rest);
}

AnswerReader::State AnswerReader::body(std::string_view bytes) {
  std::string& out = answer_.body;
  switch (framing_) {
    case Framing::Length: {
      const size_t take = std::min(bytes.size(), content_length_ - out.size());
      out.append(bytes.substr(0, take));
      if (take < bytes.size()) answer_.close = true;
      if (out.size() == content_length_) state_ = State::Done;
      return state_;
    }
    case Framing::Chunked: {
      size_t used = 0;
      const http::Parse p = chunked_->feed(bytes, used, out);
      if (p == http::Parse::Error)
        return fail(chunked_->refusal().kind == http::RefusalKind::BodyTooLarge
                        ? "the answer's body is larger than " + std::to_string(limits_.max_body) +
                              " bytes"
                        : "bad chunked body: " + chunked_->refusal().message);
      if (p == http::Parse::Done) {
        if (used < bytes.size()) answer_.close = true;
        state_ = State::Done;
      }
      return state_;
    }
    case Framing::ToClose:
      if (out.size() + bytes.size() > limits_.max_body)
        return fail("the answer's body is larger than " + std::to_string(limits_.max_body) +
                    " bytes");
      out.append(bytes);
      return state_;
  }
  return state_;
}

AnswerReader::State AnswerReader::end_of_stream() {
  if (state_ != State::Incomplete) return state_;
  answer_.close = true;
  if (in_body_ && framing_ == Framing::ToClose) return state_ = State::Done;
  return fail(in_body_ ? "the server closed the connection in the middle of the answer"
                       : "the server closed the connection without an answer");
}

}  // namespace hostadm::endpoint
