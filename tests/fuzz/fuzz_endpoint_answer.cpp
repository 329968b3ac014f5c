// Bytes from an ESXi endpoint -> the endpoint check's answer reader (HTTP/1.1 framing) and its
// SOAP reader. The endpoint is whatever a Host's address points at, so beyond "no crash, no hang,
// no leak": nothing grows past its limit, an answer reads the same in one piece or two, and a
// refused document always says why.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_common.hpp"
#include "webhook/endpoint/http_answer.hpp"
#include "webhook/endpoint/soap.hpp"

namespace fz = hostadm::fuzz;
namespace ep = hostadm::endpoint;

namespace {

// Small limits so the fuzzer reaches every refusal within -max_len.
constexpr ep::AnswerLimits kLimits{512, 2048};

struct Read {
  ep::AnswerReader::State state;
  ep::HttpAnswer answer;
  std::string error;
};

Read read_answer(std::string_view in, size_t split) {
  ep::AnswerReader reader(kLimits);
  ep::AnswerReader::State state = reader.feed(in.substr(0, split));
  if (split < in.size()) state = reader.feed(in.substr(split));
  if (state == ep::AnswerReader::State::Incomplete) state = reader.end_of_stream();
  if (reader.answer().body.size() > kLimits.max_body)
    fz::fail("AnswerReader", "body over the limit");
  if (state == ep::AnswerReader::State::Error && reader.error().empty())
    fz::fail("AnswerReader", "an error without a reason");
  return {state, reader.answer(), reader.error()};
}

void check_soap(std::string_view xml) {
  const ep::SoapAnswer a = ep::read_soap_answer(xml);
  if (a.kind == ep::SoapAnswer::Kind::Unreadable && a.error.empty())
    fz::fail("read_soap_answer", "unreadable without a reason");
  if (a.kind != ep::SoapAnswer::Kind::Unreadable && a.element.empty())
    fz::fail("read_soap_answer", "an answer without its element");
  for (const std::string* text : {&a.session_manager, &a.fault_code, &a.fault_string})
    if (text->size() > 1024) fz::fail("read_soap_answer", "a text over 1024 bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  fz::no_throw("endpoint answer", [&] {
    const Read whole = read_answer(in, in.size());
    const Read halves = read_answer(in, std::min(in.size(), in.size() / 2 + size % 7));
    if (whole.state != halves.state || whole.error != halves.error ||
        whole.answer.status != halves.answer.status || whole.answer.body != halves.answer.body ||
        whole.answer.session_cookie != halves.answer.session_cookie ||
        whole.answer.close != halves.answer.close)
      fz::fail("AnswerReader", "one piece and two pieces read differently");
    if (whole.state == ep::AnswerReader::State::Done) check_soap(whole.answer.body);
    check_soap(in);
  });
  return 0;
}
