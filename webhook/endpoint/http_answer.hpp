// One HTTP/1.1 answer from an ESXi endpoint, read from bytes as they arrive and bounded in size
// (head and body limits), so a hostile or broken endpoint cannot make the check read or allocate
// without bound. No I/O: http_exchange.hpp does the reading.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace hostadm::http {
class ChunkedDecoder;
}

namespace hostadm::endpoint {

// The vSphere session cookie Login sets and Logout sends back.
inline constexpr std::string_view kSessionCookie = "vmware_soap_session";

struct AnswerLimits {
  size_t max_head = 16 * 1024;   // status line, headers and the blank line after them
  size_t max_body = 256 * 1024;  // a RetrieveServiceContent answer is about 4 KiB
};

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string session_cookie;  // the value Set-Cookie gave kSessionCookie, quotes and all
  bool close = false;          // the server closes the connection after this answer
};

// Reads one answer from bytes as they arrive: interim 1xx answers skipped, a body framed by
// Content-Length, by chunks, or by the end of the stream.
class AnswerReader {
 public:
  enum class State { Incomplete, Done, Error };
  explicit AnswerReader(AnswerLimits limits = {});
  ~AnswerReader();
  AnswerReader(const AnswerReader&) = delete;
  AnswerReader& operator=(const AnswerReader&) = delete;

  State feed(std::string_view bytes);
  // The server closed the stream: ends a body read to the close; anything else is cut short.
  State end_of_stream();

  HttpAnswer& answer() { return answer_; }
  const std::string& error() const { return error_; }

 private:
  enum class Framing { Length, Chunked, ToClose };
  State head();
  bool header(std::string_view name, std::string_view value);
  State body(std::string_view bytes);
  State fail(std::string why);

  AnswerLimits limits_;
  State state_ = State::Incomplete;
  bool in_body_ = false;
  std::string head_;  // bytes of the head so far (and of the body that came with it)
  Framing framing_ = Framing::ToClose;
  size_t content_length_ = 0;
  bool saw_length_ = false;
  std::unique_ptr<http::ChunkedDecoder> chunked_;
  HttpAnswer answer_;
  std::string error_;
};

}  // namespace hostadm::endpoint
