// One HTTP/1.1 POST to /sdk and its answer over a TlsStream, bounded by a deadline (every write
// and read) and by the answer reader's size limits.
#pragma once

#include <string>
#include <string_view>

#include "webhook/core/clock.hpp"
#include "webhook/endpoint/http_answer.hpp"
#include "webhook/endpoint/tls_stream.hpp"

namespace hostadm::endpoint {

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
