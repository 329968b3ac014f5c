// Client::watch: one watch request, its event stream decoded as it arrives, and why it ended.
#include <httplib.h>

#include "webhook/kube/connection_pool.hpp"
#include "webhook/kube/kube_client.hpp"

namespace hostadm::kube {

namespace {

constexpr size_t kMaxErrorBody = 64u << 10;

// The read timeout of a watch: the server ends it after timeoutSeconds; a connection silent for
// that long and more is dead.
std::chrono::milliseconds watch_read_timeout(const WatchOptions& o) {
  const int s = o.timeout_seconds > 0 ? o.timeout_seconds : 600;
  return std::chrono::seconds(s + 30);
}

Status error_event_status(const nlohmann::json& object, const std::string& what) {
  return status_from_answer(500, object.dump(), Verb::Watch, what);  // 500 when it has no code
}

}  // namespace

// What one watch request saw.
struct Client::WatchStream {
  bool sent = false;  // an HTTP answer came (the stream may have ended early all the same)
  httplib::Error error = httplib::Error::Success;
  bool reused = false;  // on an idle pooled connection
  int status = 0;
  std::string error_body;  // a non-200 answer's body
  WatchDecoder decoder;
  std::string decode_error;
  bool stopped = false;          // the callback said stop
  std::optional<Status> failed;  // an ERROR event's Status
  int events = 0;
};

void Client::watch_request(const std::string& path, const WatchOptions& o, const std::string& token,
                           const std::string& what,
                           const std::function<bool(WatchEvent&&)>& on_event,
                           const std::function<void()>& on_open, Cancel* cancel, WatchStream& s) {
  auto lease = pool_->take();
  s.reused = lease.reused;
  lease.client->set_connection_timeout(options_.watch_connect_timeout);
  lease.client->set_write_timeout(options_.watch_connect_timeout);
  lease.client->set_read_timeout(watch_read_timeout(o));
  httplib::Request req;
  req.method = "GET";
  req.path = pool_->url().prefix + path;
  req.headers.emplace("Accept", "application/json");
  req.headers.emplace("User-Agent", options_.user_agent);
  if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
  req.response_handler = [&s, &on_open](const httplib::Response& res) {
    s.status = res.status;
    if (s.status == 200 && on_open) on_open();
    return true;
  };
  const auto deliver = [&](WatchEvent&& e) {
    if (e.type == EventType::Error) {
      s.failed = error_event_status(e.object, what);
      return false;
    }
    ++s.events;
    s.stopped = !on_event(std::move(e));
    return !s.stopped;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (s.status == 200) return s.decoder.feed(std::string_view(data, n), deliver, s.decode_error);
    if (s.error_body.size() < kMaxErrorBody) s.error_body.append(data, n);
    return true;
  };
  httplib::Response res;
  s.sent = send_cancellable(*lease.client, req, res, s.error, cancel);
  pool_->give_back(std::move(lease));
}

// Why a finished watch request ended, or nothing when the caller should send it again (a 401,
// an idle connection the server had closed: the caller counts those tries).
std::optional<WatchEnd> Client::ending(const WatchStream& s, bool cancelled,
                                       const std::string& what) {
  WatchEnd end;
  if (s.failed) {
    end.result.code = s.failed->code;
    end.result.status = *s.failed;
    end.why = s.failed->code == 410 ? WatchEnd::Why::Expired : WatchEnd::Why::Failed;
  } else if (s.stopped || cancelled) {
    end.why = WatchEnd::Why::Stopped;
  } else if (!s.decode_error.empty()) {
    end.result.error = what + ": " + s.decode_error;
  } else if (s.status == 200) {
    end.result.code = 200;
    if (!s.sent) end.result.error = what + ": the stream broke off";
    end.why = WatchEnd::Why::Closed;
  } else if (s.status > 0 && s.status != 401) {
    end.result.code = s.status;
    end.result.status = status_from_answer(s.status, s.error_body, Verb::Watch, what);
    end.why = s.status == 410 ? WatchEnd::Why::Expired : WatchEnd::Why::Failed;
  } else {
    return std::nullopt;
  }
  return end;
}

WatchEnd Client::watch(const Resource& r, const std::string& ns, const WatchOptions& o,
                       const std::function<bool(WatchEvent&&)>& on_event, Cancel* cancel,
                       const std::function<void()>& on_open) {
  const std::string what = "watch " + r.qualified() + (ns.empty() ? "" : " in " + ns);
  const std::string path = resource_path(r, ns) + watch_query(o);
  bool token_reread = false, stale_retried = false;
  int events = 0;
  while (true) {
    WatchEnd end;
    end.events = events;
    if (cancel && cancel->cancelled()) {
      end.why = WatchEnd::Why::Stopped;
      return end;
    }
    if (!wait_for_slot(SteadyClock::now() + options_.watch_connect_timeout, end.result)) return end;
    std::string token_error;
    const std::string token = token_.current(token_error);
    if (!token_error.empty()) {
      end.result.error = token_error;
      return end;
    }
    const auto started = SteadyClock::now();
    WatchStream s;
    watch_request(path, o, token, what, on_event, on_open, cancel, s);
    observe(Verb::Watch, r, s.status, started);
    events += s.events;
    if (auto e = ending(s, cancel && cancel->cancelled(), what)) {
      e->events = events;
      return *e;
    }
    if (s.status == 401 && !token_reread && token_.reread()) {
      token_reread = true;  // a rotated token: read the file again and try once more
      continue;
    }
    if (s.status == 0 && s.reused && !stale_retried) {
      stale_retried = true;  // an idle connection the server had closed
      continue;
    }
    end.result.code = s.status;
    end.result.status =
        s.status ? status_from_answer(s.status, s.error_body, Verb::Watch, what) : Status{};
    if (!s.status)
      end.result.error = transport_cause(s.error) + ": " + what + " (" + pool_->url().base() + ")";
    return end;
  }
}

}  // namespace hostadm::kube
