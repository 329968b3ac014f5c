// The HTTP/1.1 framing the webhook accepts and refuses, without sockets: request heads, chunked
// bodies, answers and query parameters, and a conformance table keyed to RFC 9112/9110 sections.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "webhook/http/wire.hpp"

namespace hostadm::http {
namespace {

constexpr size_t kHead = 8192;
constexpr size_t kBody = 1 << 20;

HeadResult parse(const std::string& text, Request& req, size_t max_body = kBody) {
  return parse_head(text, kHead, max_body, req);
}

TEST(HttpWire, ParsesAnAdmissionPost) {
  const std::string head =
      "POST /mutate?timeout=10s HTTP/1.1\r\nHost: hostadm.svc:443\r\n"
      "Content-Type: application/json\r\nContent-Length: 3072\r\nAccept: */*\r\n\r\n";
  Request req;
  const HeadResult r = parse(head + "{\"kind\"", req);
  ASSERT_EQ(r.state, Parse::Done) << r.refusal.message;
  EXPECT_EQ(r.consumed, head.size());
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/mutate");
  EXPECT_EQ(req.query, "timeout=10s");
  EXPECT_EQ(req.content_type, "application/json");
  EXPECT_EQ(req.content_length, 3072u);
  EXPECT_TRUE(req.keep_alive);
  EXPECT_FALSE(req.chunked);
  EXPECT_FALSE(req.expect_continue);
}

TEST(HttpWire, IncompleteHeadsWaitForMore) {
  const std::string full = "POST /validate HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n";
  for (size_t n = 0; n < full.size(); ++n) {
    Request req;
    EXPECT_EQ(parse(full.substr(0, n), req).state, Parse::Incomplete) << "prefix of " << n;
  }
}

TEST(HttpWire, FramingAndConnectionOptions) {
  struct Row {
    std::string name, head;
    bool keep_alive, chunked, expect_continue;
    std::string path, query;
  };
  const std::vector<Row> rows = {
      {"1.1 keeps alive", "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n", true, false, false,
       "/healthz", ""},
      {"close option", "GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n",
       false, false, false, "/healthz", ""},
      {"1.0 closes", "GET /healthz HTTP/1.0\r\n\r\n", false, false, false, "/healthz", ""},
      {"1.0 keep-alive", "GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true, false,
       false, "/healthz", ""},
      {"chunked", "POST /mutate HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", true,
       true, false, "/mutate", ""},
      {"expect",
       "POST /mutate HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n",
       true, false, true, "/mutate", ""},
      {"absolute form", "GET https://hostadm.svc:443/readyz?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", true,
       false, false, "/readyz", "x=1"},
      {"absolute form without path", "GET http://hostadm HTTP/1.1\r\nHost: h\r\n\r\n", true, false,
       false, "/", ""},
      {"leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", true, false, false, "/",
       ""},
      {"repeated equal lengths", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 4\r\n\r\n", true,
       false, false, "/", ""},
      {"whitespace around values", "GET / HTTP/1.1\r\nHost:h\r\nConnection:\t close \r\n\r\n",
       false, false, false, "/", ""},
  };
  for (const Row& row : rows) {
    Request req;
    const HeadResult r = parse(row.head, req);
    ASSERT_EQ(r.state, Parse::Done) << row.name << ": " << r.refusal.message;
    EXPECT_EQ(r.consumed, row.head.size()) << row.name;
    EXPECT_EQ(req.keep_alive, row.keep_alive) << row.name;
    EXPECT_EQ(req.chunked, row.chunked) << row.name;
    EXPECT_EQ(req.expect_continue, row.expect_continue) << row.name;
    EXPECT_EQ(req.path, row.path) << row.name;
    EXPECT_EQ(req.query, row.query) << row.name;
  }
}

TEST(HttpWire, RefusesWhatItCannotFrameSafely) {
  struct Row {
    std::string name, head;
    int status;
    std::string message_part;
  };
  const std::string big_header = "X-Big: " + std::string(kHead, 'a') + "\r\n";
  const std::vector<Row> rows = {
      {"CL and TE",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       "both Transfer-Encoding and Content-Length"},
      {"TE and CL",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n", 400,
       "both"},
      {"different lengths",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n", 400,
       "Content-Length"},
      {"signed length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +4\r\n\r\n", 400,
       "malformed Content-Length '+4'"},
      {"empty length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400,
       "Content-Length"},
      {"length over the limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n",
       413, "larger than the limit (1048576 bytes)"},
      {"length overflowing",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413,
       "larger"},
      {"gzip coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
       "Transfer-Encoding 'gzip, chunked' is not supported"},
      {"TE in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0"},
      {"no host", "GET / HTTP/1.1\r\n\r\n", 400, "without a Host header"},
      {"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  2\r\n\r\n", 400, "folding"},
      {"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "malformed header name"},
      {"no colon", "GET / HTTP/1.1\r\nHost h\r\n\r\n", 400, "malformed header line 2"},
      {"control character", std::string("GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n"), 400,
       "control character"},
      {"bare LF", "GET / HTTP/1.1\nHost: h\n\n", 400, "CRLF"},
      {"HTTP/2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "use HTTP/1.1"},
      {"garbage version", "GET / FTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed HTTP version"},
      {"two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line"},
      {"relative target", "GET mutate HTTP/1.1\r\nHost: h\r\n\r\n", 400, "must start with '/'"},
      {"fragment", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "character URIs do not allow"},
      {"bad method", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed method"},
      {"unknown expectation",
       "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n", 417,
       "Expect '200-ok'"},
      {"long request line", "GET /" + std::string(kHead, 'a') + " HTTP/1.1\r\n\r\n", 414,
       "request line is longer than 8192 bytes"},
      {"large header section", "GET / HTTP/1.1\r\nHost: h\r\n" + big_header + "\r\n", 431,
       "larger than 8192 bytes"},
  };
  for (const Row& row : rows) {
    Request req;
    const HeadResult r = parse(row.head, req);
    ASSERT_EQ(r.state, Parse::Error) << row.name;
    EXPECT_EQ(r.refusal.status, row.status) << row.name << ": " << r.refusal.message;
    EXPECT_NE(r.refusal.message.find(row.message_part), std::string::npos)
        << row.name << ": " << r.refusal.message;
  }
}

TEST(HttpWire, RefusalsNeverQuoteWhatCouldBeACredential) {
  const std::vector<std::string> heads = {
      "GET /a#b?access_token=SECRET HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET relative?token=SECRET HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nBearer SECRET\r\n\r\n",
      "G@T /?SECRET HTTP/1.1\r\nHost: h\r\n\r\n",
  };
  for (const std::string& head : heads) {
    Request req;
    const HeadResult r = parse(head, req);
    ASSERT_EQ(r.state, Parse::Error) << head;
    EXPECT_EQ(r.refusal.message.find("SECRET"), std::string::npos) << r.refusal.message;
  }
}

TEST(HttpWire, RefusalKeepsNoPathOfAnEarlierRequest) {
  Request req;
  ASSERT_EQ(parse("POST /mutate HTTP/1.1\r\nHost: h\r\n\r\n", req).state, Parse::Done);
  ASSERT_EQ(parse("BAD\r\n\r\n", req).state, Parse::Error);
  EXPECT_EQ(req.path, "");
}

std::string decode_all(const std::string& wire, size_t step, Parse& state, size_t& used,
                       Refusal& refusal, size_t max_body = kBody) {
  ChunkedDecoder d(max_body);
  std::string body;
  used = 0;
  state = Parse::Incomplete;
  // Fed in pieces of `step` bytes, with what the decoder left unused carried over.
  std::string pending;
  for (size_t at = 0; at < wire.size() && state == Parse::Incomplete; at += step) {
    pending += wire.substr(at, step);
    size_t n = 0;
    state = d.feed(pending, n, body);
    used += n;
    pending.erase(0, n);
  }
  refusal = d.refusal();
  return body;
}

TEST(HttpWire, ChunkedBodiesDecodeTheSameHoweverTheyArrive) {
  const std::string wire =
      "5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
  for (size_t step : {1u, 2u, 3u, 7u, 1000u}) {
    Parse state;
    size_t used;
    Refusal refusal;
    EXPECT_EQ(decode_all(wire, step, state, used, refusal), "hello 0123456789") << step;
    EXPECT_EQ(state, Parse::Done) << step << refusal.message;
    EXPECT_EQ(used, wire.size() - 4) << "stops before the next request, step " << step;
  }
}

TEST(HttpWire, ChunkedRefusals) {
  struct Row {
    std::string name, wire;
    int status;
  };
  const std::vector<Row> rows = {
      {"not hex", "zz\r\n", 400},
      {"no size", "\r\n", 400},
      {"bare LF after size", "5\nhello\r\n0\r\n\r\n", 400},
      {"data longer than its size", "2\r\nhello\r\n0\r\n\r\n", 400},
      {"over the limit", "401\r\n", 413},
      {"size overflow", "10000000000000000\r\n", 413},
      {"bare LF in trailer", "0\r\nX: y\n\r\n", 400},
  };
  for (const Row& row : rows) {
    Parse state;
    size_t used;
    Refusal refusal;
    decode_all(row.wire, 1000, state, used, refusal, 1024);
    EXPECT_EQ(state, Parse::Error) << row.name;
    EXPECT_EQ(refusal.status, row.status) << row.name << ": " << refusal.message;
  }
}

// A whole request through the parser the way the transport reads it: the head, then the body
// its framing announces. kind None: accepted.
struct Framed {
  RefusalKind kind = RefusalKind::None;
  int status = 0;
  std::string body;
  Request req;
};

Framed frame(const std::string& wire) {
  Framed out;
  const HeadResult head = parse(wire, out.req);
  if (head.state == Parse::Incomplete) {
    ADD_FAILURE() << "incomplete head: " << wire;
    return out;
  }
  Refusal refusal = head.refusal;
  if (head.state == Parse::Done && out.req.chunked) {
    ChunkedDecoder decoder(kBody);
    size_t used = 0;
    const Parse state = decoder.feed(std::string_view(wire).substr(head.consumed), used, out.body);
    if (state == Parse::Incomplete) ADD_FAILURE() << "incomplete chunked body: " << wire;
    refusal = decoder.refusal();
  } else if (head.state == Parse::Done) {
    out.body = wire.substr(head.consumed, out.req.content_length);
  }
  out.kind = refusal.kind;
  out.status = refusal.status;
  return out;
}

TEST(HttpWire, ConformanceTable) {
  struct Row {
    const char* section;  // where the rule is written
    const char* what;
    std::string wire;
    RefusalKind kind;  // None: accepted
    int status;        // the answer the client gets (0: none, the request is served)
  };
  const std::string host = "Host: h\r\n";
  const std::string te = "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n";
  const std::string cl = "POST / HTTP/1.1\r\n" + host;
  using K = RefusalKind;
  const std::vector<Row> rows = {
      // Message format and request line.
      {"RFC 9112 2.2", "empty lines before the request line are ignored",
       "\r\n\r\nGET / HTTP/1.1\r\n" + host + "\r\n", K::None, 0},
      {"RFC 9112 2.2", "a bare LF ends no line", "GET / HTTP/1.1\n" + host + "\n", K::BadHeader,
       400},
      {"RFC 9112 3", "one space between the request line's parts",
       "GET  / HTTP/1.1\r\n" + host + "\r\n", K::BadRequestLine, 400},
      {"RFC 9112 3.1", "the method is a token", "G(T / HTTP/1.1\r\n" + host + "\r\n",
       K::BadRequestLine, 400},
      {"RFC 9112 2.3", "the version name is case-sensitive", "GET / http/1.1\r\n" + host + "\r\n",
       K::BadRequestLine, 400},
      {"RFC 9110 15.6.6", "HTTP/2.0 on an HTTP/1.1 connection",
       "GET / HTTP/2.0\r\n" + host + "\r\n", K::UnsupportedVersion, 505},
      {"RFC 9112 2.3", "HTTP/1.0 needs no Host", "GET / HTTP/1.0\r\n\r\n", K::None, 0},
      {"RFC 9112 3.2", "HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", K::BadHost, 400},
      {"RFC 9112 3.2", "two Host lines", "GET / HTTP/1.1\r\n" + host + host + "\r\n", K::BadHost,
       400},
      {"RFC 9112 3.2.1", "origin-form", "GET /mutate?timeout=10s HTTP/1.1\r\n" + host + "\r\n",
       K::None, 0},
      {"RFC 9112 3.2.2", "absolute-form", "GET https://h/mutate HTTP/1.1\r\n" + host + "\r\n",
       K::None, 0},
      {"RFC 9112 3.2.4", "asterisk-form", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", K::None, 0},
      {"RFC 9112 3.2", "a relative target", "GET mutate HTTP/1.1\r\n" + host + "\r\n",
       K::BadRequestLine, 400},
      {"RFC 9110 4.1", "a fragment is never sent", "GET /a#b HTTP/1.1\r\n" + host + "\r\n",
       K::BadRequestLine, 400},
      {"RFC 9112 3", "a request line over the head limit",
       "GET /" + std::string(kHead, 'a') + " HTTP/1.1\r\n\r\n", K::TargetTooLong, 414},
      // Header fields.
      {"RFC 9112 5.1", "no whitespace between name and colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
       K::BadHeader, 400},
      {"RFC 9112 5.2", "obsolete line folding", "GET / HTTP/1.1\r\n" + host + "X: 1\r\n 2\r\n\r\n",
       K::BadHeader, 400},
      {"RFC 9110 5.5", "a control character in a value",
       "GET / HTTP/1.1\r\n" + host + "X: a" + std::string(1, '\0') + "b\r\n\r\n", K::BadHeader,
       400},
      {"RFC 9110 5.5", "obs-text in a value", "GET / HTTP/1.1\r\n" + host + "X: \xff\r\n\r\n",
       K::None, 0},
      {"RFC 9112 5", "a line without a colon", "GET / HTTP/1.1\r\n" + host + "X\r\n\r\n",
       K::BadHeader, 400},
      {"RFC 6585 5", "a header section over the head limit",
       "GET / HTTP/1.1\r\n" + host + "X: " + std::string(kHead, 'a') + "\r\n\r\n",
       K::HeadersTooLarge, 431},
      {"RFC 9110 7.6.1", "Connection options are tokens",
       "GET / HTTP/1.1\r\n" + host + "Connection: close@\r\n\r\n", K::BadHeader, 400},
      {"RFC 9110 10.1.1", "Expect: 100-continue",
       cl + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}", K::None, 0},
      {"RFC 9110 10.1.1", "any other expectation",
       cl + "Expect: 200-ok\r\nContent-Length: 2\r\n\r\n{}", K::ExpectationFailed, 417},
      // Body framing.
      {"RFC 9112 6.3", "no length: an empty body", cl + "\r\n", K::None, 0},
      {"RFC 9112 6.3", "Content-Length frames the body", cl + "Content-Length: 2\r\n\r\n{}",
       K::None, 0},
      {"RFC 9110 8.6", "a list of equal lengths", cl + "Content-Length: 2, 2\r\n\r\n{}", K::None,
       0},
      {"RFC 9110 8.6", "a list of different lengths", cl + "Content-Length: 2, 3\r\n\r\n{}",
       K::BadFraming, 400},
      {"RFC 9110 8.6", "two lines of different lengths",
       cl + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", K::BadFraming, 400},
      {"RFC 9110 8.6", "an empty list element", cl + "Content-Length: , 2\r\n\r\n{}", K::BadFraming,
       400},
      {"RFC 9110 8.6", "a sign", cl + "Content-Length: +2\r\n\r\n{}", K::BadFraming, 400},
      {"RFC 9110 15.5.14", "a length over the body limit", cl + "Content-Length: 1048577\r\n\r\n",
       K::BodyTooLarge, 413},
      {"RFC 9112 6.1", "Content-Length with Transfer-Encoding",
       cl + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", K::BadFraming, 400},
      {"RFC 9112 6.1", "Transfer-Encoding with Content-Length",
       cl + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", K::BadFraming, 400},
      {"RFC 9112 6.1", "Transfer-Encoding in HTTP/1.0",
       "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", K::BadFraming, 400},
      {"RFC 9112 6.1", "a coding other than chunked",
       cl + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", K::UnsupportedCoding, 501},
      {"RFC 9112 6.1", "chunked applied twice, one line",
       cl + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", K::UnsupportedCoding, 501},
      {"RFC 9112 6.1", "chunked applied twice, two lines",
       cl + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       K::UnsupportedCoding, 501},
      // Chunked coding.
      {"RFC 9112 7.1", "chunks, an extension and a trailer",
       te + "2;a=b\r\n{}\r\n0\r\nX-Sum: 1\r\n\r\n", K::None, 0},
      {"RFC 9112 7.1.1", "a quoted extension value", te + "2 ; a=\"b c\"\r\n{}\r\n0\r\n\r\n",
       K::None, 0},
      {"RFC 9112 7.1.1", "whitespace that starts no extension", te + "2 \r\n{}\r\n0\r\n\r\n",
       K::BadChunk, 400},
      {"RFC 9112 7.1.1", "an extension that is not name[=value]", te + "2;a b\r\n{}\r\n0\r\n\r\n",
       K::BadChunk, 400},
      {"RFC 9112 7.1", "a size that is not hex", te + "2x\r\n{}\r\n0\r\n\r\n", K::BadChunk, 400},
      {"RFC 9112 7.1", "data longer than its size", te + "1\r\n{}\r\n0\r\n\r\n", K::BadChunk, 400},
      {"RFC 9112 7.1", "a bare LF after a size", te + "2\n{}\r\n0\r\n\r\n", K::BadChunk, 400},
      {"RFC 9112 7.1", "chunks over the body limit", te + "100001\r\n", K::BodyTooLarge, 413},
      {"RFC 9112 7.1.2", "a trailer line that is no field", te + "0\r\nX-Sum 1\r\n\r\n",
       K::BadChunk, 400},
      {"RFC 9110 6.5.1", "framing in a trailer", te + "0\r\nContent-Length: 5\r\n\r\n", K::BadChunk,
       400},
      {"RFC 9110 6.5.1", "connection control in a trailer", te + "0\r\nConnection: close\r\n\r\n",
       K::BadChunk, 400},
  };
  for (const Row& row : rows) {
    const Framed f = frame(row.wire);
    const std::string label = std::string(row.section) + ", " + row.what;
    EXPECT_EQ(name_of(f.kind), name_of(row.kind)) << label;
    EXPECT_EQ(f.status, row.status) << label;
    EXPECT_EQ(status_of(row.kind), row.status) << label;
  }
}

TEST(HttpWire, EveryRefusalKindHasOneStatusAndAName) {
  std::set<std::string_view> names;
  for (RefusalKind kind :
       {RefusalKind::BadRequestLine, RefusalKind::BadHeader, RefusalKind::BadHost,
        RefusalKind::BadFraming, RefusalKind::BadChunk, RefusalKind::ReadTimeout,
        RefusalKind::BodyTooLarge, RefusalKind::TargetTooLong, RefusalKind::ExpectationFailed,
        RefusalKind::HeadersTooLarge, RefusalKind::UnsupportedCoding,
        RefusalKind::UnsupportedVersion}) {
    const Refusal r = refuse(kind, "why");
    EXPECT_EQ(r.status, status_of(kind)) << name_of(kind);
    EXPECT_GE(r.status, 400) << name_of(kind);
    EXPECT_NE(reason_phrase(r.status), "Unknown") << name_of(kind);
    EXPECT_TRUE(names.insert(name_of(kind)).second) << "two kinds named " << name_of(kind);
  }
  EXPECT_EQ(status_of(RefusalKind::None), 0);
}

TEST(HttpWire, AnswersCarryLengthTypeAndClose) {
  Response res;
  res.status = 405;
  res.body = R"({"code":405})";
  res.allow = "POST";
  std::string out;
  append_response(out, res, true, false);
  EXPECT_EQ(out,
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\n"
            "Content-Length: 12\r\nAllow: POST\r\nConnection: close\r\n\r\n{\"code\":405}");
  out.clear();
  res = Response();
  res.content_type = "text/plain";
  res.body = "ok\n";
  append_response(out, res, false, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n");
}

TEST(HttpWire, QueryParameters) {
  EXPECT_EQ(query_param("timeout=10s", "timeout"), "10s");
  EXPECT_EQ(query_param("a=1&timeout=2s&timeout=3s", "timeout"), "2s");
  EXPECT_EQ(query_param("timeout=1%30s", "timeout"), "10s");
  EXPECT_EQ(query_param("timeout=a+b%2", "timeout"), "a b%2");
  EXPECT_EQ(query_param("timeouts=1s", "timeout"), "");
  EXPECT_EQ(query_param("timeout", "timeout"), "");
  EXPECT_EQ(query_param("", "timeout"), "");
}

}  // namespace
}  // namespace hostadm::http
