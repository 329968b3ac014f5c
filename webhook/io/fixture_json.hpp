// Reading a JSON fixture of any size: the text is read from the file a buffer at a time and each
// host is handed to the fixture builder as soon as it is complete, so memory holds the hosts'
// served text (about the size of the file) and never a DOM of the whole inventory. Errors name
// the file and the line, as the YAML reader's do.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "webhook/core/fixture.hpp"

namespace hostadm {

// A file (or stdin) read a buffer at a time, counting lines. The first `keep` bytes read are
// also kept, so a reader that finds the text is not its format can hand it to another one.
class ByteSource {
 public:
  // "-" is stdin. Throws InputError for a file that cannot be opened or is a directory.
  ByteSource(const std::string& path, size_t keep);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  const std::string& name() const { return name_; }  // for messages ("<stdin>" for "-")
  int line() const { return line_; }                 // 1-based line of the next byte
  // The next byte without consuming it; -1 at the end.
  int peek();
  // Consumes the next byte (there must be one).
  void next();
  // Skips spaces, tabs, CR and LF.
  void skip_whitespace();
  // Reads to the end: the whole input when it fits in `keep` bytes, else nullptr.
  const std::string* whole_text();

 private:
  bool fill();
  void keep(size_t consumed);  // keeps the buffer's first `consumed` bytes while they fit

  std::string name_;
  int fd_ = -1;
  bool owned_ = false;
  char buf_[1 << 16];
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  int line_ = 1;
  size_t keep_ = 0;
  std::string kept_;
  bool kept_all_ = true;  // kept_ holds every byte consumed so far
};

// The fixture whose text starts at `in`'s next byte, which must be '{'. nullopt when the text
// is not valid JSON and fits in `in`'s kept bytes: YAML also reads what JSON does not (flow
// style), so the caller reads it as YAML, which also names the precise error. Throws InputError
// ("FILE:LINE: what; fix") for every other error.
std::optional<Fixture> read_json_fixture(ByteSource& in);

}  // namespace hostadm
