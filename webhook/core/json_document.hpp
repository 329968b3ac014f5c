// JSON text from the network parsed once, by simdjson's DOM parser: the whole text validated,
// nesting held to kMaxJsonDepth, and the readers (review_reader, host_reader) walk the result
// without building another tree. A text simdjson refuses gets the precise error nlohmann's
// parser gives for it (line, column, what it read), computed only then.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "webhook/core/json_limits.hpp"

namespace hostadm {

// The text is not JSON (or holds a number no 64-bit integer or double can keep). what() is
// nlohmann's parse_error message, which may quote the text; `byte` is where it stopped and is
// all a log line should repeat.
struct InvalidJson : std::invalid_argument {
  size_t byte;
  InvalidJson(const std::string& what, size_t at) : std::invalid_argument(what), byte(at) {}
};

class JsonDocument {
 public:
  // Blank: the parser reads a copy of the text with its two-byte escapes blanked
  // (json_escapes.hpp), when it has any; blanked() says whether it had. Errors are the text's own.
  enum class Escapes { Keep, Blank };

  // Throws JsonTooDeep (past kMaxJsonDepth, at the byte where it went past) or InvalidJson.
  explicit JsonDocument(std::string_view text, Escapes escapes = Escapes::Keep);
  ~JsonDocument();
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  // Valid while this document lives.
  simdjson::dom::element root() const { return root_; }
  // Strings read from root() may hold kBlank where the text had an escape.
  bool blanked() const { return blanked_; }

 private:
  bool parse_blanked(std::string_view text);

  std::unique_ptr<simdjson::dom::parser> parser_;
  bool pooled_ = false;
  bool blanked_ = false;
  simdjson::dom::element root_;
};

// Parsers resting between documents, in the threads that used them last (8 at most) and in the
// shared pool (8 at most): however many threads parse, idle workers hold no parser memory past
// that. parsers_made(): the pooled-size parsers allocated since the start.
size_t resting_parsers();
size_t parsers_made();

// "null" for null, else the JSON type and the value's compact text cut to 40 bytes, as a message
// about a wrongly typed field quotes it ("number 42", "object {\"a\":1}"): the bytes nlohmann's
// type_name() and dump() give, so a message reads the same whatever parsed the value.
std::string describe_json(simdjson::dom::element value);
// nlohmann's type_name() of the value: "object", "array", "string", "number", "boolean", "null".
const char* json_type_name(simdjson::dom::element value);

}  // namespace hostadm
