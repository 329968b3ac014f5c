#include "webhook/kube/list_watch.hpp"

namespace hostadm::kube {

namespace {

// A watch that ends this soon without an event is not a healthy one (a server that closes every
// watch at once): the next is delayed as after a failure.
constexpr auto kShortWatch = std::chrono::seconds(1);

}  // namespace

ListWatch::ListWatch(Client& client, InformerOptions options, ListWatchSink& sink)
    : client_(client), options_(std::move(options)), sink_(sink) {}

ListWatch::~ListWatch() {
  stop();
}

void ListWatch::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void ListWatch::stop() {
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
}

std::string ListWatch::resource_version() const {
  std::lock_guard<std::mutex> lk(mu_);
  return rv_;
}

std::string ListWatch::last_error() const {
  std::lock_guard<std::mutex> lk(mu_);
  return last_error_;
}

std::string ListWatch::describe() const {
  return options_.resource.qualified() + (options_.ns.empty() ? "" : " in " + options_.ns);
}

bool ListWatch::back_off(int failures) {
  return cancel_.wait_for(backoff_delay(options_.backoff, failures - 1, client_.random01()));
}

// The first failure of a streak is logged; later ones only when the cause changes, so an API
// server that is down for an hour does not fill the log.
void ListWatch::fail(const std::string& error, int failures) {
  bool changed = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    changed = error != last_error_;
    last_error_ = error;
  }
  if ((failures == 1 || changed) && client_.observer())
    client_.observer()->warning("watch cache of " + describe() + ": " + error);
}

bool ListWatch::list_once(std::string& error) {
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.field_selector = options_.field_selector;
  lo.limit = options_.page_size;
  sink_.replace_begin();
  const auto restart = [this] {
    sink_.replace_abort();
    sink_.replace_begin();
    if (client_.observer())
      client_.observer()->watch_restart(options_.resource.resource, "expired");
  };
  PagedList p = client_.list_all(
      options_.resource, options_.ns, lo, SteadyClock::now() + options_.list_timeout,
      [this](nlohmann::json&& item) {
        sink_.replace_item(item);
        return !cancel_.cancelled();
      },
      restart, &cancel_);
  if (!p.result.ok() || cancel_.cancelled()) {
    sink_.replace_abort();
    error = "list: " + p.result.describe();
    return false;
  }
  sink_.replace_end();
  {
    std::lock_guard<std::mutex> lk(mu_);
    rv_ = p.resource_version;
    last_error_.clear();
  }
  ++lists_;
  synced_ = true;
  return true;
}

WatchEnd ListWatch::watch_once() {
  WatchOptions wo;
  wo.label_selector = options_.label_selector;
  wo.field_selector = options_.field_selector;
  wo.resource_version = resource_version();
  wo.bookmarks = true;
  wo.timeout_seconds =
      static_cast<int>(options_.watch_timeout_seconds * (1.0 + client_.random01()));
  return client_.watch(
      options_.resource, options_.ns, wo,
      [this](WatchEvent&& e) {
        const std::string rv = e.resource_version();
        if (e.type != EventType::Bookmark) sink_.event(e.type, e.object);
        if (!rv.empty()) {
          std::lock_guard<std::mutex> lk(mu_);
          rv_ = rv;
        }
        return true;
      },
      &cancel_,
      [this] {
        std::lock_guard<std::mutex> lk(mu_);
        last_error_.clear();  // watching again: the last failure is over
      });
}

// What comes after a watch: watch again at once, list again, or either after a backoff.
ListWatch::Next ListWatch::after(const WatchEnd& end, bool healthy) {
  if (end.why == WatchEnd::Why::Stopped) return Next::Stop;
  if (healthy) failures_ = expired_in_a_row_ = 0;
  if (end.why == WatchEnd::Why::Expired) {
    // The server no longer has the version to resume from: only a new list is consistent. A
    // 410 right after a fresh list again means something else is wrong: back off first.
    if (client_.observer())
      client_.observer()->watch_restart(options_.resource.resource, "expired");
    if (healthy || ++expired_in_a_row_ < 2) return Next::List;
    ++failures_;
    fail("watch: 410 Gone again right after a new list", failures_);
    return back_off(failures_) ? Next::List : Next::Stop;
  }
  if (end.why == WatchEnd::Why::Closed) {
    if (healthy) return Next::Watch;
    ++failures_;
    fail("watch: the server ended the watch at once" +
             (end.result.error.empty() ? "" : " (" + end.result.error + ")"),
         failures_);
    return back_off(failures_) ? Next::Watch : Next::Stop;
  }
  ++failures_;
  fail("watch: " + end.result.describe(), failures_);
  return back_off(failures_) ? Next::Watch : Next::Stop;
}

void ListWatch::run() {
  Next next = Next::List;
  while (next != Next::Stop && !cancel_.cancelled()) {
    if (next == Next::List) {
      std::string error;
      if (list_once(error)) {
        next = Next::Watch;
        continue;
      }
      if (cancel_.cancelled()) return;
      fail(error, ++failures_);
      if (!back_off(failures_)) return;
      continue;
    }
    const auto started = SteadyClock::now();
    const WatchEnd end = watch_once();
    // A watch that delivered events, or lasted a while, was a working one.
    next = after(end, end.events > 0 || SteadyClock::now() - started >= kShortWatch);
  }
}

}  // namespace hostadm::kube
