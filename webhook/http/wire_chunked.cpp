// The chunked body decoder (RFC 9112 7.1): incremental, strict about sizes, extensions and
// trailers, because a body another parser frames differently is how requests get smuggled.
#include <algorithm>
#include <charconv>
#include <string>

#include "webhook/http/wire.hpp"
#include "webhook/http/wire_syntax.hpp"

namespace hostadm::http {

using namespace syntax;

Parse ChunkedDecoder::fail(RefusalKind kind, std::string message) {
  refusal_ = refuse(kind, std::move(message));
  return Parse::Error;
}

namespace {
// A trailer section (or the extensions of a body) this long is an attack, not metadata.
constexpr size_t kMaxTrailerBytes = 8192;
}  // namespace

Parse ChunkedDecoder::feed(std::string_view in, size_t& consumed, std::string& body) {
  size_t i = 0;
  while (i < in.size() && state_ != State::Done) {
    if (state_ == State::Data) {
      const size_t n = std::min(chunk_left_, in.size() - i);
      body.append(in.data() + i, n);
      i += n;
      chunk_left_ -= n;
      if (chunk_left_ == 0) state_ = State::DataCr;
      continue;
    }
    if (byte(in[i], body.size()) == Parse::Error) return Parse::Error;
    ++i;
  }
  consumed = i;
  return state_ == State::Done ? Parse::Done : Parse::Incomplete;
}

// One byte of the framing around the data (every state but Data reads a byte at a time).
Parse ChunkedDecoder::byte(char c, size_t body_size) {
  switch (state_) {
    case State::Size:
      return size_byte(c, body_size);
    case State::Extension:
      return extension_byte(c);
    case State::SizeLf:
      if (c != '\n') return fail(RefusalKind::BadChunk, "chunk line must end with CRLF");
      size_digits_ = 0;
      state_ = chunk_left_ == 0 ? State::Trailer : State::Data;
      line_.clear();
      return Parse::Incomplete;
    case State::DataCr:
      if (c != '\r') return fail(RefusalKind::BadChunk, "chunk data must be followed by CRLF");
      state_ = State::DataLf;
      return Parse::Incomplete;
    case State::DataLf:
      if (c != '\n') return fail(RefusalKind::BadChunk, "chunk data must be followed by CRLF");
      state_ = State::Size;
      return Parse::Incomplete;
    case State::Trailer:
      return trailer_byte(c);
    case State::TrailerLf:
      if (c != '\n') return fail(RefusalKind::BadChunk, "trailer line must end with CRLF");
      return trailer_line_end();
    case State::Data:
    case State::Done:
      break;
  }
  return Parse::Incomplete;
}

Parse ChunkedDecoder::size_byte(char c, size_t body_size) {
  const int v = hex_value(c);
  if (v >= 0) {
    if (++size_digits_ > 15) return fail(RefusalKind::BodyTooLarge, "chunk size is too large");
    chunk_left_ = chunk_left_ * 16 + static_cast<size_t>(v);
    if (body_size + chunk_left_ > max_body_)
      return fail(RefusalKind::BodyTooLarge, "request body is larger than the limit (" +
                                                 std::to_string(max_body_) + " bytes)");
  } else if (size_digits_ == 0) {
    return fail(RefusalKind::BadChunk, "malformed chunk size");
  } else if (c == ';' || c == ' ' || c == '\t') {
    state_ = State::Extension;
    line_.assign(1, c);
  } else if (c == '\r') {
    state_ = State::SizeLf;
  } else {
    return fail(RefusalKind::BadChunk, "malformed chunk size");
  }
  return Parse::Incomplete;
}

Parse ChunkedDecoder::extension_byte(char c) {
  if (c == '\r') {
    if (!valid_chunk_ext(line_))
      return fail(RefusalKind::BadChunk, "malformed chunk extension '" + shown(line_) + "'");
    state_ = State::SizeLf;
  } else if (c == '\n') {
    return fail(RefusalKind::BadChunk, "chunk line must end with CRLF");
  } else if (++trailer_bytes_ > kMaxTrailerBytes) {
    return fail(RefusalKind::BadChunk, "chunk extensions are too long");
  } else {
    line_ += c;
  }
  return Parse::Incomplete;
}

Parse ChunkedDecoder::trailer_byte(char c) {
  if (c == '\r') {
    state_ = State::TrailerLf;
  } else if (c == '\n') {
    return fail(RefusalKind::BadChunk, "trailer line must end with CRLF");
  } else {
    line_ += c;
    if (++trailer_bytes_ > kMaxTrailerBytes)
      return fail(RefusalKind::HeadersTooLarge, "trailer section is too long");
  }
  return Parse::Incomplete;
}

// A trailer line has ended: the empty one ends the body; another must be a field the header
// section alone may not carry.
Parse ChunkedDecoder::trailer_line_end() {
  if (line_.empty()) {
    state_ = State::Done;
    return Parse::Done;
  }
  // Trailer fields are dropped, but only after they parse as fields: a line that is not
  // one means the body ended somewhere else than this parser thinks.
  std::string_view name, value;
  if (check_field(line_, name, value) != Field::Ok)
    return fail(RefusalKind::BadChunk, "malformed trailer line '" + shown(line_) + "'");
  // Framing and connection control belong in the header section (RFC 9110 6.5.1); a
  // parser that applies them from a trailer would end this message or connection elsewhere.
  for (std::string_view header_only : {"content-length", "transfer-encoding", "connection",
                                       "proxy-connection", "keep-alive", "upgrade", "host"})
    if (iequals(name, header_only))
      return fail(RefusalKind::BadChunk,
                  "trailer field " + shown(name) + " is allowed only in the header section");
  line_.clear();
  state_ = State::Trailer;
  return Parse::Incomplete;
}

}  // namespace hostadm::http
