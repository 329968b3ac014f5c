// A watch's answer read as the API server writes it: a chunked JSON stream of one event per
// line, {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}. No I/O: bytes in,
// events out, so the framing is tested without a server.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hostadm::kube {

enum class EventType { Added, Modified, Deleted, Bookmark, Error };
const char* to_string(EventType t);  // "ADDED", ...

struct WatchEvent {
  EventType type = EventType::Added;
  nlohmann::json object;  // the object; a Status for ERROR; kind + metadata.resourceVersion for
                          // BOOKMARK
  // metadata.resourceVersion of the object ("" when absent)
  std::string resource_version() const;
};

// One event line. Returns nothing and sets `error` for a line that is not JSON, has no known
// `type` or no `object`.
std::optional<WatchEvent> parse_watch_event(std::string_view line, std::string& error);

class WatchDecoder {
 public:
  // A line longer than `max_line` bytes is an error: an event holds one object, and the API
  // server refuses objects over 1.5 MiB by default.
  explicit WatchDecoder(size_t max_line = 16u << 20) : max_line_(max_line) {}

  // Feeds the next bytes of the body; `on_event` gets each complete event and returns false to
  // stop. Returns false when stopped or on a bad line (then `error` says why).
  bool feed(std::string_view bytes, const std::function<bool(WatchEvent&&)>& on_event,
            std::string& error);
  // Bytes of an unfinished last line (the stream must end on a line boundary).
  size_t pending() const { return buffer_.size(); }

 private:
  size_t max_line_;
  std::string buffer_;
};

}  // namespace hostadm::kube
