// One HTTP/1.1 POST to /sdk and its answer over a TlsStream, bounded in time (a deadline) and
// in size (head and body limits), so a hostile or broken endpoint can neither hold the probe
// past its deadline nor make it read or allocate without bound. The answer reader does no I/O.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "webhook/core/clock.hpp"
#include "webhook/endpoint/tls_stream.hpp"

namespace hostadm::http {
class ChunkedDecoder;
}

namespace hostadm::endpoint {

// The vSphere session cookie Login sets and Logout sends back.
inline constexpr std::string_view kSessionCookie = "vmware_soap_session";

struct AnswerLimits {
  size_t max_head = 16 * 1024;   // status line and headers
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

struct SoapCall {
  enum class Status { Answered, Timeout, Failed };
  Status status = Status::Failed;
  HttpAnswer answer;  // when Answered
  std::string error;  // when Failed: what went wrong on the wire
};

// POSTs `envelope` to https://<authority>/sdk with the vim25 SOAPAction and, when given, the
// session cookie; reads the answer by `deadline`.
SoapCall post_sdk(TlsStream& stream, const std::string& authority, std::string_view envelope,
                  std::string_view session_cookie, Deadline deadline, AnswerLimits limits = {});

}  // namespace hostadm::endpoint
