// Bytes from a client -> the webhook's HTTP/1.1 request head parser and chunked decoder. Beyond
// "no crash, no hang, no leak": a head is framed the same however much of what follows has
// arrived, and a chunked body decodes the same whether it comes in one piece or two.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_common.hpp"
#include "webhook/http/wire.hpp"

namespace fz = hostadm::fuzz;
namespace http = hostadm::http;

namespace {

// Small limits so the fuzzer reaches the 413/414/431 refusals within -max_len.
constexpr size_t kMaxHead = 512;
constexpr size_t kMaxBody = 2048;

const std::set<int> kStatuses = {400, 413, 414, 417, 431, 501, 505};

void check_refusal(const char* where, const http::Refusal& r) {
  if (!kStatuses.count(r.status)) fz::fail(where, "unexpected status " + std::to_string(r.status));
  if (r.message.empty()) fz::fail(where, "refusal without a message");
}

struct Decoded {
  http::Parse state;
  size_t used;
  std::string body;
  int status;
};

Decoded decode(std::string_view in, size_t split) {
  http::ChunkedDecoder d(kMaxBody);
  Decoded out{http::Parse::Incomplete, 0, {}, 0};
  size_t n = 0;
  out.state = d.feed(in.substr(0, split), n, out.body);
  out.used = n;
  if (out.state == http::Parse::Incomplete && n == split && split < in.size()) {
    out.state = d.feed(in.substr(split), n, out.body);
    out.used += n;
  }
  out.status = d.refusal().status;
  if (out.body.size() > kMaxBody) fz::fail("ChunkedDecoder", "body over the limit");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  http::Request req;
  const http::HeadResult head = http::parse_head(in, kMaxHead, kMaxBody, req);
  if (head.state == http::Parse::Error) {
    check_refusal("parse_head", head.refusal);
    return 0;
  }
  if (head.state == http::Parse::Incomplete) {
    if (size >= kMaxHead) fz::fail("parse_head", "still incomplete past the head limit");
    return 0;
  }
  if (head.consumed > size || head.consumed > kMaxHead || in.substr(0, head.consumed).size() < 4 ||
      in.substr(head.consumed - 4, 4) != "\r\n\r\n")
    fz::fail("parse_head", "consumed " + std::to_string(head.consumed) + " is not a head end");
  if (req.content_length > kMaxBody) fz::fail("parse_head", "Content-Length over the limit");
  if (req.chunked && req.content_length) fz::fail("parse_head", "both chunked and a length");
  if (req.path.empty() || (req.path[0] != '/' && req.path != "*"))
    fz::fail("parse_head", "path '" + req.path + "'");

  http::Request again;
  const http::HeadResult exact =
      http::parse_head(in.substr(0, head.consumed), kMaxHead, kMaxBody, again);
  if (exact.state != http::Parse::Done || exact.consumed != head.consumed ||
      again.method != req.method || again.path != req.path || again.query != req.query ||
      again.content_length != req.content_length || again.chunked != req.chunked ||
      again.keep_alive != req.keep_alive || again.content_type != req.content_type)
    fz::fail("parse_head", "the head parses differently without the bytes after it");

  if (req.chunked) {
    const std::string_view body = in.substr(head.consumed);
    const Decoded whole = decode(body, body.size());
    const Decoded split = decode(body, body.size() / 2 + (size % 7));
    if (whole.state != split.state || whole.body != split.body || whole.status != split.status ||
        (whole.state == http::Parse::Done && whole.used != split.used))
      fz::fail("ChunkedDecoder", "one piece and two pieces decode differently");
    if (whole.state == http::Parse::Error && !kStatuses.count(whole.status))
      fz::fail("ChunkedDecoder", "unexpected status " + std::to_string(whole.status));
  }
  (void)http::query_param(req.query, "timeout");
  return 0;
}
