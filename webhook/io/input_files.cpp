#include "webhook/io/input_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "webhook/io/fixture_json.hpp"

namespace hostadm {

namespace fs = std::filesystem;

namespace {

std::string where(const std::string& file, int line) {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

std::string display_name(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

std::string too_big(const std::string& path) {
  return "larger than " + std::to_string(kMaxInputBytes >> 20) + " MiB; " + display_name(path) +
         " does not look like a manifest, fixture or policy";
}

std::string read_stdin() {
  std::string text;
  char buf[1 << 16];
  while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
    text.append(buf, static_cast<size_t>(std::cin.gcount()));
    if (text.size() > kMaxInputBytes) throw InputError("<stdin>", 0, too_big("-"));
  }
  if (std::cin.bad()) throw InputError("<stdin>", 0, "cannot read standard input");
  return text;
}

}  // namespace

InputError::InputError(std::string file_, int line_, std::string message_)
    : std::runtime_error(where(file_, line_) + ": " + message_),
      file(std::move(file_)),
      line(line_),
      message(std::move(message_)) {}

std::string read_input(const std::string& path) {
  if (path == "-") return read_stdin();
  if (path.empty()) throw InputError("(empty path)", 0, "no file name given");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw InputError(path, 0,
                     std::string("cannot open: ") + std::strerror(errno) +
                         "; check the path and its permissions");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw InputError(path, 0, std::string("cannot read: ") + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw InputError(path, 0, "is a directory; give a file");
  }
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > kMaxInputBytes) {
    ::close(fd);
    throw InputError(path, 0, too_big(path));
  }
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw InputError(path, 0, std::string("cannot read: ") + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    // Devices and pipes have no size up front: stop as soon as the limit is passed.
    if (text.size() > kMaxInputBytes) {
      ::close(fd);
      throw InputError(path, 0, too_big(path));
    }
  }
  ::close(fd);
  return text;
}

std::vector<YamlDoc> load_yaml_text(const std::string& text, const std::string& name) {
  try {
    return parse_yaml_stream(text);
  } catch (const YamlError& e) {
    throw InputError(display_name(name), e.line, e.what());
  }
}

std::vector<YamlDoc> load_yaml_file(const std::string& path) {
  return load_yaml_text(read_input(path), path);
}

namespace {

// The single document of a fixture or policy file, or nullptr when the file is empty.
const YamlDoc* only_doc(const std::vector<YamlDoc>& docs, const std::string& path,
                        const char* what) {
  if (docs.empty()) return nullptr;
  if (docs.size() > 1)
    throw InputError(display_name(path), docs[1].line,
                     std::string("a ") + what + " file holds one YAML document, found " +
                         std::to_string(docs.size()) + "; remove the extra `---`");
  return &docs.front();
}

std::string with_pointer(const std::string& message, const std::string& pointer) {
  if (pointer.empty() || message.find(pointer) != std::string::npos) return message;
  return message + " (at " + pointer + ")";
}

// A document's error at file:line, the line found from the pointer when the YAML reader kept
// a line map.
InputError located(const std::string& path, const YamlDoc& doc, const DocumentError& e) {
  return document_error_at(display_name(path), doc.lines ? doc.lines->line_of(e.pointer) : 0, e);
}

}  // namespace

InputError document_error_at(const std::string& file, int line, const DocumentError& e) {
  return InputError(file, line, with_pointer(e.what(), e.pointer));
}

Fixture load_fixture_file(const std::string& path) {
  const size_t yaml_limit = YamlLimits{}.max_bytes;
  ByteSource in(path, yaml_limit);
  in.skip_whitespace();
  if (in.peek() == '{') {
    if (auto fixture = read_json_fixture(in)) return std::move(*fixture);
  }
  // Not JSON: YAML, which a DOM-building reader takes up to its limit.
  const std::string* text = in.whole_text();
  if (!text)
    throw InputError(display_name(path), 0,
                     "a fixture over " + std::to_string(yaml_limit >> 20) +
                         " MB must be JSON, which is read at any size, a host at a time; this "
                         "one does not start with `{`: record it again with `host-harness "
                         "snapshot` (JSON by default) or convert it to JSON");
  auto docs = load_yaml_text(*text, path);
  const YamlDoc* doc = only_doc(docs, path, "fixture");
  if (!doc) throw InputError(display_name(path), 0, "empty fixture; expected a `providers:` list");
  try {
    return parse_fixture(doc->value);
  } catch (const DocumentError& e) {
    throw located(path, *doc, e);
  }
}

Policy load_policy_file(const std::string& path) {
  auto docs = load_yaml_file(path);
  const YamlDoc* doc = only_doc(docs, path, "policy");
  // Every policy key is optional, so an empty file is the documented default policy.
  if (!doc) return parse_policy(nlohmann::json::object());
  try {
    return parse_policy(doc->value);
  } catch (const DocumentError& e) {
    throw located(path, *doc, e);
  } catch (const std::invalid_argument& e) {
    throw InputError(display_name(path), doc->line, e.what());
  }
}

std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    if (path == "-") {
      out.push_back(path);
      continue;
    }
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
      throw InputError(path, 0,
                       ec && ec != std::errc::no_such_file_or_directory
                           ? "cannot access: " + ec.message()
                           : std::string("no such file or directory; check the path"));
    if (!fs::is_directory(status)) {
      out.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(path, fs::directory_options::none, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const auto& entry = *it;
      std::error_code fec;
      if (!entry.is_regular_file(fec)) continue;
      std::string ext = entry.path().extension().string();
      if (ext == ".yaml" || ext == ".yml" || ext == ".json") found.push_back(entry.path().string());
    }
    if (ec) throw InputError(path, 0, "cannot list directory: " + ec.message());
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace hostadm
