#include "webhook/kube/watch_stream.hpp"

#include "webhook/core/text.hpp"

namespace hostadm::kube {

const char* to_string(EventType t) {
  switch (t) {
    case EventType::Added:
      return "ADDED";
    case EventType::Modified:
      return "MODIFIED";
    case EventType::Deleted:
      return "DELETED";
    case EventType::Bookmark:
      return "BOOKMARK";
    case EventType::Error:
      return "ERROR";
  }
  return "ERROR";
}

std::string WatchEvent::resource_version() const {
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return "";
  auto rv = md->find("resourceVersion");
  return rv != md->end() && rv->is_string() ? rv->get<std::string>() : "";
}

std::optional<WatchEvent> parse_watch_event(std::string_view line, std::string& error) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) {
    // The line itself is not shown: it may hold a Secret's data.
    error = "a watch event is not a JSON object (" + std::to_string(line.size()) + " bytes)";
    return std::nullopt;
  }
  auto type = j.find("type");
  auto object = j.find("object");
  if (type == j.end() || !type->is_string() || object == j.end() || !object->is_object()) {
    error = "a watch event has no type or no object";
    return std::nullopt;
  }
  WatchEvent e;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") {
    e.type = EventType::Added;
  } else if (t == "MODIFIED") {
    e.type = EventType::Modified;
  } else if (t == "DELETED") {
    e.type = EventType::Deleted;
  } else if (t == "BOOKMARK") {
    e.type = EventType::Bookmark;
  } else if (t == "ERROR") {
    e.type = EventType::Error;
  } else {
    error = "a watch event has the unknown type " + text::shown_in_log(t);
    return std::nullopt;
  }
  e.object = std::move(*object);
  return e;
}

bool WatchDecoder::feed(std::string_view bytes, const std::function<bool(WatchEvent&&)>& on_event,
                        std::string& error) {
  buffer_.append(bytes);
  size_t start = 0;
  while (true) {
    const size_t nl = buffer_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(buffer_.data() + start, nl - start);
    start = nl + 1;
    if (text::trim(line).empty()) continue;
    auto event = parse_watch_event(line, error);
    if (!event) {
      buffer_.clear();
      return false;
    }
    if (!on_event(std::move(*event))) {
      buffer_.erase(0, start);
      return false;
    }
  }
  buffer_.erase(0, start);
  if (buffer_.size() > max_line_) {
    error = "a watch event is longer than " + std::to_string(max_line_) + " bytes";
    buffer_.clear();
    return false;
  }
  return true;
}

}  // namespace hostadm::kube
