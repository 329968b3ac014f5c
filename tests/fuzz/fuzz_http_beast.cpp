// A second opinion on the webhook's HTTP/1.1 request parser. Whenever ours accepts a whole request
// (head and body), Boost.Beast's http::request_parser, fed the same bytes, must frame the same
// request: method, target, version, keep-alive, body and the number of bytes the request used. A
// request framed two ways is how smuggling starts, so any difference is a finding.
//
// Only requests ours accepts are compared: where ours refuses and Beast accepts, ours is the
// stricter one on purpose (no obs-fold, Host required, only HTTP/1.0 and 1.1, no URI fragment,
// only the chunked coding, Transfer-Encoding refused in HTTP/1.0, ...). Where ours accepts
// something Beast refuses, the difference is one of these, each allowed by RFC 9112 and
// skipped below (docs/design/transport.md says the same):
//   - Empty lines before the request line: RFC 9112 section 2.2 says a server SHOULD ignore at
//     least one; Beast refuses them as a bad method. They are stripped before Beast sees the
//     request, and counted back into its length.
//   - Proxy-Connection: Beast reads it like Connection (so "Proxy-Connection: close" ends the
//     connection); ours ignores it, as an origin server may. Keep-alive is not compared then.
//   - An HTTP/1.0 request whose Connection lists both close and keep-alive: Beast looks only for
//     keep-alive in 1.0 and keeps the connection; ours closes it, as RFC 9112 9.3 has close win.
//     Keep-alive is not compared then either.
// Beast is a test dependency only (libboost1.81-dev); the webhook never links it.
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/string_body.hpp>

#include "tests/fuzz/fuzz_common.hpp"
#include "webhook/http/wire.hpp"

namespace fz = hostadm::fuzz;
namespace http = hostadm::http;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kMaxHead = 4096;
constexpr size_t kMaxBody = 1 << 16;

struct Framed {
  std::string body;
  size_t consumed = 0;  // head and body
};

// Ours, the way the transport uses it: the head, then the body its framing announces. False when
// ours refuses the request or wants more bytes.
bool ours(std::string_view in, http::Request& req, Framed& out) {
  const http::HeadResult head = http::parse_head(in, kMaxHead, kMaxBody, req);
  if (head.state != http::Parse::Done) return false;
  const std::string_view rest = in.substr(head.consumed);
  if (req.chunked) {
    http::ChunkedDecoder decoder(kMaxBody);
    size_t used = 0;
    if (decoder.feed(rest, used, out.body) != http::Parse::Done) return false;
    out.consumed = head.consumed + used;
    return true;
  }
  if (rest.size() < req.content_length) return false;
  out.body.assign(rest.substr(0, req.content_length));
  out.consumed = head.consumed + req.content_length;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// The path and query ours must have taken from a target: an absolute-form target
// ("https://host/p?q") is reduced to its path ("/" when it has none) and query.
std::string expected_path_and_query(std::string_view target) {
  if (istarts_with(target, "http://") || istarts_with(target, "https://")) {
    const size_t authority = target.find("//") + 2;
    const size_t end = target.find_first_of("/?", authority);
    if (end == std::string_view::npos) return "/";
    std::string out(target.substr(end));
    if (out.front() == '?') out.insert(0, "/");
    return out;
  }
  return std::string(target);
}

// HTTP/1.0 with both close and keep-alive among its Connection options.
template <class Message>
bool close_and_keep_alive_in_1_0(const Message& msg) {
  if (msg.version() != 10) return false;
  bool close = false, keep_alive = false;
  const auto lines = msg.equal_range(bhttp::field::connection);
  for (auto field = lines.first; field != lines.second; ++field) {
    for (const auto token : bhttp::token_list{field->value()}) {
      close = close || boost::beast::iequals(token, "close");
      keep_alive = keep_alive || boost::beast::iequals(token, "keep-alive");
    }
  }
  return close && keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  http::Request req;
  Framed framed;
  if (!ours(in, req, framed)) return 0;

  // Known difference: the empty lines ours skips before a request line.
  size_t skipped = 0;
  while (in.substr(skipped, 2) == "\r\n") skipped += 2;

  bhttp::request_parser<bhttp::string_body> beast;
  beast.eager(true);
  beast.header_limit(kMaxHead * 2);  // ours enforces the limits; Beast only frames
  beast.body_limit(kMaxBody * 2);
  boost::beast::error_code ec;
  size_t used = skipped;
  while (!beast.is_done() && used < size) {
    const size_t n = beast.put(boost::asio::buffer(data + used, size - used), ec);
    used += n;
    if (ec || n == 0) break;
  }
  if (!beast.is_done())
    fz::fail("differential", "ours accepts a request Beast refuses or wants more of: " +
                                 (ec ? ec.message() : std::string("incomplete")));

  const auto& msg = beast.get();
  std::string ours_target = req.path;
  if (!req.query.empty() || expected_path_and_query(msg.target()).find('?') != std::string::npos)
    ours_target += "?" + req.query;
  if (msg.method_string() != req.method)
    fz::fail("differential",
             "method: ours '" + req.method + "', Beast '" + std::string(msg.method_string()) + "'");
  if (expected_path_and_query(msg.target()) != ours_target)
    fz::fail("differential",
             "target: ours '" + ours_target + "', Beast '" + std::string(msg.target()) + "'");
  if (static_cast<int>(msg.version()) != 10 + req.minor_version)
    fz::fail("differential", "version: ours 1." + std::to_string(req.minor_version) + ", Beast " +
                                 std::to_string(msg.version()));
  // Known difference: Beast reads the non-standard Proxy-Connection like Connection; ours, a
  // server and no proxy, ignores it (RFC 9110 7.6.1 has intermediaries drop it).
  const bool proxy_connection = msg.find("Proxy-Connection") != msg.end();
  if (!proxy_connection && !close_and_keep_alive_in_1_0(msg) &&
      beast.keep_alive() != req.keep_alive)
    fz::fail("differential", std::string("keep-alive: ours ") + (req.keep_alive ? "yes" : "no"));
  if (beast.chunked() != req.chunked)
    fz::fail("differential", std::string("chunked: ours ") + (req.chunked ? "yes" : "no"));
  if (msg.body() != framed.body)
    fz::fail("differential", "body: ours " + std::to_string(framed.body.size()) + " bytes, Beast " +
                                 std::to_string(msg.body().size()));
  if (used != framed.consumed)
    fz::fail("differential", "request length: ours " + std::to_string(framed.consumed) +
                                 " bytes, Beast " + std::to_string(used));
  return 0;
}
