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

// What one watch request saw.
struct Stream {
  int status = 0;
  std::string error_body;  // a non-200 answer's body
  WatchDecoder decoder;
  std::string decode_error;
  bool stopped = false;          // the callback said stop
  std::optional<Status> failed;  // an ERROR event's Status
  int events = 0;
};

Status error_event_status(const nlohmann::json& object, const std::string& what) {
  Status s = status_from_answer(500, object.dump(), Verb::Watch, what);
  if (s.code == 0) s.code = 500;
  return s;
}

}  // namespace

WatchEnd Client::watch(const Resource& r, const std::string& ns, const WatchOptions& o,
                       const std::function<bool(WatchEvent&&)>& on_event, Cancel* cancel,
                       const std::function<void()>& on_open) {
  WatchEnd end;
  const std::string what = "watch " + r.qualified() + (ns.empty() ? "" : " in " + ns);
  bool token_reread = false, stale_retried = false;
  while (true) {
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
    auto lease = pool_->take();
    lease.client->set_connection_timeout(options_.watch_connect_timeout);
    lease.client->set_write_timeout(options_.watch_connect_timeout);
    lease.client->set_read_timeout(watch_read_timeout(o));

    Stream s;
    httplib::Request req;
    req.method = "GET";
    req.path = pool_->url().prefix + resource_path(r, ns) + watch_query(o);
    req.headers.emplace("Accept", "application/json");
    req.headers.emplace("User-Agent", options_.user_agent);
    if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
    req.response_handler = [&s, &on_open](const httplib::Response& res) {
      s.status = res.status;
      if (s.status == 200 && on_open) on_open();
      return true;
    };
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (s.status != 200) {
        if (s.error_body.size() < kMaxErrorBody) s.error_body.append(data, n);
        return true;
      }
      return s.decoder.feed(
          std::string_view(data, n),
          [&](WatchEvent&& e) {
            if (e.type == EventType::Error) {
              s.failed = error_event_status(e.object, what);
              return false;
            }
            ++s.events;
            if (!on_event(std::move(e))) {
              s.stopped = true;
              return false;
            }
            return true;
          },
          s.decode_error);
    };

    const auto started = SteadyClock::now();
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    const bool reused = lease.reused;
    bool sent = false;
    if (!cancel || cancel->attach(lease.client.get())) {
      sent = lease.client->send(req, res, err);
      if (cancel) cancel->detach();
    }
    pool_->give_back(std::move(lease));
    observe(Verb::Watch, r, s.status > 0 ? s.status : 0, started);
    end.events += s.events;

    if (s.failed) {
      end.result.code = s.failed->code;
      end.result.status = *s.failed;
      end.why = s.failed->code == 410 ? WatchEnd::Why::Expired : WatchEnd::Why::Failed;
      return end;
    }
    if (s.stopped || (cancel && cancel->cancelled())) {
      end.why = WatchEnd::Why::Stopped;
      return end;
    }
    if (!s.decode_error.empty()) {
      end.result.error = what + ": " + s.decode_error;
      return end;
    }
    if (s.status == 200) {
      end.result.code = 200;
      if (!sent) end.result.error = what + ": the stream broke off";
      end.why = WatchEnd::Why::Closed;
      return end;
    }
    if (s.status == 401 && !token_reread && token_.reread()) {
      token_reread = true;
      continue;
    }
    if (s.status > 0) {
      end.result.code = s.status;
      end.result.status = status_from_answer(s.status, s.error_body, Verb::Watch, what);
      end.why = s.status == 410 ? WatchEnd::Why::Expired : WatchEnd::Why::Failed;
      return end;
    }
    if (reused && !stale_retried) {
      stale_retried = true;  // an idle connection the server had closed
      continue;
    }
    end.result.error = transport_cause(err) + ": " + what + " (" + pool_->url().base() + ")";
    return end;
  }
}

}  // namespace hostadm::kube
