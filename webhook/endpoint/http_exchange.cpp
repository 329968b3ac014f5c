#include "webhook/endpoint/http_exchange.hpp"

#include "webhook/endpoint/soap.hpp"

namespace hostadm::endpoint {

SoapCall post_sdk(TlsStream& stream, const std::string& authority, std::string_view envelope,
                  std::string_view session_cookie, Deadline deadline, AnswerLimits limits) {
  std::string head = "POST /sdk HTTP/1.1\r\nHost: " + authority +
                     "\r\nUser-Agent: forklift-host-webhook\r\n"
                     "Content-Type: text/xml; charset=\"utf-8\"\r\nSOAPAction: " +
                     std::string(kSoapAction) +
                     "\r\nContent-Length: " + std::to_string(envelope.size()) + "\r\n";
  if (!session_cookie.empty())
    head += "Cookie: " + std::string(kSessionCookie) + "=" + std::string(session_cookie) + "\r\n";
  head += "\r\n";
  SoapCall call;
  for (std::string_view part : {std::string_view(head), envelope}) {
    const IoResult w = stream.write_all(part, deadline);
    if (w.status == Io::Ok) continue;
    if (w.status == Io::Timeout) {
      call.status = SoapCall::Status::Timeout;
    } else {
      call.error = "sending the request failed: " + w.error;
    }
    return call;
  }
  AnswerReader reader(limits);
  AnswerReader::State state = AnswerReader::State::Incomplete;
  std::string chunk;
  while (state == AnswerReader::State::Incomplete) {
    chunk.clear();
    const IoResult r = stream.read_some(chunk, 16384, deadline);
    if (r.status == Io::Timeout) {
      call.status = SoapCall::Status::Timeout;
      return call;
    }
    if (r.status == Io::Error) {
      call.error = "reading the answer failed: " + r.error;
      return call;
    }
    state = r.status == Io::Closed ? reader.end_of_stream() : reader.feed(chunk);
  }
  if (state == AnswerReader::State::Error) {
    call.error = reader.error();
    return call;
  }
  call.status = SoapCall::Status::Answered;
  call.answer = std::move(reader.answer());
  return call;
}

}  // namespace hostadm::endpoint
