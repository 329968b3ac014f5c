// HTTP/1.1 on the wire (RFC 9112), server side, without I/O: the request head parser, the chunked
// body decoder and the response writer used by HttpsTransport. Strict where leniency invites
// request smuggling (Content-Length with Transfer-Encoding, disagreeing lengths, obsolete line
// folding, bare LF); every refusal carries its kind, the HTTP status to answer and a message that
// names the offending part. No logging and no sockets: the transport owns both.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hostadm::http {

enum class Parse { Incomplete, Done, Error };

struct Request {
  std::string method;
  std::string path;   // as sent, without the query; "/" for an absolute-form target without one
  std::string query;  // after '?', undecoded
  std::string content_type;
  int minor_version = 1;  // HTTP/1.minor_version
  bool keep_alive = true;
  bool expect_continue = false;
  bool chunked = false;
  size_t content_length = 0;
  std::string body;
};

// Why a request was refused before any route saw it. Each kind answers with one status code,
// set in one table (kRefusalKinds in wire_response.cpp); the code that refuses names a kind, never
// a number.
enum class RefusalKind {
  None,                // not refused
  BadRequestLine,      // 400: method, target or version malformed; too many empty lines first
  BadHeader,           // 400: no colon, bad name, control character, obs-fold, bare LF
  BadHost,             // 400: an HTTP/1.1 request without exactly one Host
  BadFraming,          // 400: Content-Length malformed or disagreeing, or with Transfer-Encoding
  BadChunk,            // 400: a chunked body that does not follow the chunk grammar
  ReadTimeout,         // 408: the request did not arrive whole in time (the transport's)
  BodyTooLarge,        // 413: Content-Length or chunks over the body limit
  TargetTooLong,       // 414: the request line alone does not fit the head limit
  ExpectationFailed,   // 417: an Expect other than 100-continue
  HeadersTooLarge,     // 431: the header section or the chunked trailer is too long
  UnsupportedCoding,   // 501: a transfer coding other than one chunked
  UnsupportedVersion,  // 505: HTTP/x.y other than 1.0 and 1.1
};

// The status a kind answers with (0 for None), and its name for logs ("bad-framing").
int status_of(RefusalKind kind);
std::string_view name_of(RefusalKind kind);

// A request the transport refused before any route saw it: what kind, and why in words that name
// the offending part. `status` is status_of(kind), kept as a field for the code that answers.
struct Refusal {
  int status = 0;
  std::string message;
  RefusalKind kind = RefusalKind::None;
};
Refusal refuse(RefusalKind kind, std::string message);

struct HeadResult {
  Parse state = Parse::Incomplete;
  size_t consumed = 0;  // bytes of `buf` the head used, including blank lines before it
  Refusal refusal;      // when state == Error
};

// Parses the request head at the start of buf into `out` (its body is left alone). A head that
// does not end within max_head_bytes is refused (414 when the request line alone does not fit,
// else 431); a Content-Length over max_body_bytes is refused with 413 before any body is read.
HeadResult parse_head(std::string_view buf, size_t max_head_bytes, size_t max_body_bytes,
                      Request& out);

// Decodes a chunked body incrementally: feed it whatever arrived, it appends the data to `body`
// and says how much of the input it used. Chunk extensions and trailers are read and dropped.
class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(size_t max_body_bytes) : max_body_(max_body_bytes) {}
  Parse feed(std::string_view in, size_t& consumed, std::string& body);
  const Refusal& refusal() const { return refusal_; }

 private:
  enum class State { Size, Extension, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLf, Done };
  Parse fail(RefusalKind kind, std::string message);
  // The framing around the data, a byte at a time: Error (refusal_ set) or Incomplete/Done.
  Parse byte(char c, size_t body_size);
  Parse size_byte(char c, size_t body_size);
  Parse extension_byte(char c);
  Parse trailer_byte(char c);
  Parse trailer_line_end();

  size_t max_body_;
  State state_ = State::Size;
  size_t chunk_left_ = 0;
  int size_digits_ = 0;
  std::string line_;  // the current chunk extension or trailer line, checked at its end
  size_t trailer_bytes_ = 0;
  Refusal refusal_;
};

struct Response {
  int status = 200;
  std::string_view content_type = "application/json";  // a literal: every answer has one
  std::string body;
  std::string allow;   // the Allow header of a 405
  bool close = false;  // ask the client to close the connection after this answer

  // As new, but the body keeps its room: a worker answers every request into one Response.
  void reset() {
    status = 200;
    content_type = "application/json";
    body.clear();
    allow.clear();
    close = false;
  }
};

// Appends the whole response (status line, headers, body) to out. head_only: a HEAD answer,
// headers with the body's Content-Length but no body.
void append_response(std::string& out, const Response& response, bool close, bool head_only);
// The interim answer to "Expect: 100-continue".
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
std::string_view reason_phrase(int status);

// The first value of `name` in an application/x-www-form-urlencoded query, percent-decoded
// ('+' is a space); empty when absent.
std::string query_param(std::string_view query, std::string_view name);

}  // namespace hostadm::http
