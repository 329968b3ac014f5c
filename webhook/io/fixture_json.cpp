#include "webhook/io/fixture_json.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <utility>
#include <vector>

#include "webhook/core/json_limits.hpp"
#include "webhook/core/text.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm {

using nlohmann::json;

ByteSource::ByteSource(const std::string& path, size_t keep)
    : name_(path == "-" ? "<stdin>" : path), keep_(keep) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    return;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    throw InputError(path, 0,
                     std::string("cannot open: ") + std::strerror(errno) +
                         "; check the path and its permissions");
  owned_ = true;
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    throw InputError(path, 0, "is a directory; give a file");
  }
}

ByteSource::~ByteSource() {
  if (owned_) ::close(fd_);
}

bool ByteSource::fill() {
  if (pos_ < len_) return true;
  if (eof_) return false;
  keep(len_);  // the whole buffer was consumed
  for (;;) {
    ssize_t n = ::read(fd_, buf_, sizeof buf_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError(name_, line_, std::string("cannot read: ") + std::strerror(errno));
    pos_ = 0;
    len_ = static_cast<size_t>(n);
    eof_ = n == 0;
    return !eof_;
  }
}

int ByteSource::peek() {
  return fill() ? static_cast<unsigned char>(buf_[pos_]) : -1;
}

void ByteSource::next() {
  if (buf_[pos_++] == '\n') ++line_;
}

void ByteSource::keep(size_t consumed) {
  if (!kept_all_) return;
  if (kept_.size() + consumed > keep_) {
    kept_all_ = false;  // past what a fallback reader takes: no need to hold it any longer
    std::string().swap(kept_);
    return;
  }
  kept_.append(buf_, consumed);
}

void ByteSource::skip_whitespace() {
  for (int c = peek(); c == ' ' || c == '\t' || c == '\r' || c == '\n'; c = peek()) next();
}

const std::string* ByteSource::whole_text() {
  while (kept_all_ && fill()) pos_ = len_;
  keep(pos_);
  pos_ = len_ = 0;
  return kept_all_ ? &kept_ : nullptr;
}

namespace {

// ByteSource as the input iterator nlohmann's parser reads from; every copy reads the same source.
class SourceIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  explicit SourceIterator(ByteSource* in = nullptr) : in_(in) {}
  char operator*() const { return static_cast<char>(in_->peek()); }
  SourceIterator& operator++() {
    in_->next();
    return *this;
  }
  bool operator==(const SourceIterator& o) const { return at_end() == o.at_end(); }
  bool operator!=(const SourceIterator& o) const { return !(*this == o); }

 private:
  bool at_end() const { return in_ == nullptr || in_->peek() < 0; }
  ByteSource* in_;
};

// Builds the document from the parser's events, except the hosts of each provider: each is
// handed to the fixture builder when complete and then dropped. Keeps the line of every key
// outside the hosts, and where each host starts, so errors can name FILE:LINE.
class FixtureSax : public nlohmann::json_sax<json> {
 public:
  FixtureSax(ByteSource& in, FixtureBuilder& builder) : in_(in), builder_(builder) {}

  json root;
  LineMap lines;
  std::string syntax_error;

  bool null() override { return attach(nullptr); }
  bool boolean(bool v) override { return attach(v); }
  bool number_integer(number_integer_t v) override { return attach(v); }
  bool number_unsigned(number_unsigned_t v) override { return attach(v); }
  bool number_float(number_float_t v, const string_t&) override { return attach(v); }
  bool string(string_t& v) override { return attach(std::move(v)); }
  bool binary(binary_t&) override { return false; }  // not in JSON text
  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    Frame& f = stack_.back();
    if (f.value.contains(k))
      throw InputError(in_.name(), in_.line(), "duplicate key '" + k + "'; keep only one of them");
    f.key = std::move(k);
    note_line(f);
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    syntax_error = e.what();
    return false;
  }

 private:
  struct Frame {
    json value;
    std::string pointer;
    std::string key;         // objects: the key whose value comes next
    bool host_list = false;  // a provider's `hosts`: its items go to the builder
    size_t provider = 0;     // host lists: the provider's index
    size_t hosts = 0;        // host lists: hosts handed over so far
  };

  static std::string child_pointer(const Frame& f) {
    if (f.value.is_object()) return f.pointer + "/" + text::json_pointer_token(f.key);
    return f.pointer + "/" + std::to_string(f.host_list ? f.hosts : f.value.size());
  }

  // Is the array about to open `providers[i].hosts`?
  bool opens_host_list() const {
    return stack_.size() == 3 && stack_[0].value.is_object() && stack_[0].key == "providers" &&
           stack_[1].value.is_array() && stack_[2].value.is_object() && stack_[2].key == "hosts";
  }

  // The line of the value about to be added to `f`. Inside a host only the host's own line is
  // kept (a snapshot writes a host per line): a line for each of its keys would cost more than
  // reading it.
  void note_line(const Frame& f) {
    if (host_depth_ == 0) lines.at.emplace(child_pointer(f), in_.line());
  }

  bool open(json empty) {
    if (stack_.size() >= kMaxJsonDepth)
      throw InputError(in_.name(), in_.line(),
                       "nested deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels; no inventory object is that deep");
    Frame f;
    f.host_list = empty.is_array() && opens_host_list();
    if (f.host_list) f.provider = stack_[1].value.size();
    if (stack_.empty()) lines.at.emplace("", in_.line());
    if (!stack_.empty() && host_depth_ == 0) {
      const Frame& parent = stack_.back();
      f.pointer = child_pointer(parent);
      if (parent.value.is_array()) note_line(parent);
      if (parent.host_list) host_depth_ = stack_.size() + 1;
    }
    f.value = std::move(empty);
    stack_.push_back(std::move(f));
    return true;
  }

  bool close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    return attach(std::move(f.value));
  }

  bool attach(json value) {
    if (stack_.empty()) {
      root = std::move(value);
      return true;
    }
    Frame& f = stack_.back();
    if (f.host_list) return hand_over(f, value);
    if (f.value.is_object()) {
      f.value.emplace(std::move(f.key), std::move(value));
    } else {
      if (!value.is_structured()) note_line(f);
      f.value.push_back(std::move(value));
    }
    return true;
  }

  bool hand_over(Frame& f, const json& host) {
    try {
      builder_.add_host(f.provider, f.hosts, host);
    } catch (const DocumentError& e) {
      throw document_error_at(in_.name(), lines.line_of(e.pointer), e);
    }
    ++f.hosts;
    host_depth_ = 0;
    return true;
  }

  ByteSource& in_;
  FixtureBuilder& builder_;
  std::vector<Frame> stack_;
  size_t host_depth_ = 0;  // stack size of the host being read; 0 outside hosts
};

}  // namespace

std::optional<Fixture> read_json_fixture(ByteSource& in) {
  FixtureBuilder builder;
  FixtureSax sax(in, builder);
  if (!json::sax_parse(SourceIterator(&in), SourceIterator(), &sax)) {
    const int line = in.line();
    if (in.whole_text()) return std::nullopt;  // small enough for the YAML reader to explain
    throw InputError(in.name(), line, "not valid JSON: " + sax.syntax_error);
  }
  try {
    return builder.finish(sax.root);
  } catch (const DocumentError& e) {
    throw document_error_at(in.name(), sax.lines.line_of(e.pointer), e);
  }
}

}  // namespace hostadm
