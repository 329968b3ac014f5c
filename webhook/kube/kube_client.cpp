#include "webhook/kube/kube_client.hpp"

#include <signal.h>

#include <mutex>
#include <thread>

#include <httplib.h>

#include "webhook/kube/connection_pool.hpp"

namespace hostadm::kube {

namespace {

using std::chrono::milliseconds;

// poll() counts whole milliseconds and truncates: round up so that a timeout never fires before
// the deadline it stands for.
milliseconds timeout_until(Deadline deadline) {
  return std::chrono::ceil<milliseconds>(deadline - SteadyClock::now()) + milliseconds(1);
}

const char* content_type(PatchType t) {
  switch (t) {
    case PatchType::Merge:
      return "application/merge-patch+json";
    case PatchType::Json:
      return "application/json-patch+json";
    case PatchType::StrategicMerge:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

std::string metadata_string(const nlohmann::json& object, const char* key) {
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return "";
  auto v = md->find(key);
  return v != md->end() && v->is_string() ? v->get<std::string>() : "";
}

// cpp-httplib writes without MSG_NOSIGNAL, and ends TLS connections with a close_notify even when
// the server has already closed them: a process that kept SIGPIPE's default action would die the
// first time the API server dropped a connection. Both binaries ignore SIGPIPE already; any other
// program using the client gets it ignored, unless it installed a handler of its own.
void ignore_sigpipe_unless_handled() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
      ::signal(SIGPIPE, SIG_IGN);
  });
}

// "get secrets demo/x", "list hosts.forklift.konveyor.io in demo".
std::string what_of(Verb verb, const Resource& r, const std::string& ns, const std::string& name) {
  std::string out = std::string(to_string(verb)) + " " + r.qualified();
  if (name.empty()) return ns.empty() ? out : out + " in " + ns;
  return out + " " + (ns.empty() ? name : ns + "/" + name);
}

}  // namespace

// One API call, as the retry loop sees it.
struct Client::Call {
  Call(Verb v, const Resource& r, const char* m, std::string p, std::string w)
      : verb(v), resource(r), method(m), path(std::move(p)), what(std::move(w)) {}
  Verb verb;
  const Resource& resource;
  const char* method;
  std::string path;  // with the query
  std::string what;  // "get secrets demo/x", for messages
  std::string body;
  const char* content_type = nullptr;  // nullptr: no body
  Cancel* cancel = nullptr;            // a list_all being stopped
};

// One request sent, before its answer is decoded.
struct Client::Attempt {
  int code = 0;
  std::string body;
  std::string retry_after;
  httplib::Error error = httplib::Error::Success;
  bool reused = false;
  bool too_large = false;
};

void Cancel::cancel() {
  std::lock_guard<std::mutex> lk(mu_);
  cancelled_ = true;
  if (active_) active_->stop();
  cv_.notify_all();
}

bool Cancel::wait_for(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lk(mu_);
  return !cv_.wait_for(lk, d, [this] { return cancelled_.load(); });
}

bool Cancel::attach(httplib::ClientImpl* c) {
  std::lock_guard<std::mutex> lk(mu_);
  if (cancelled_) return false;
  active_ = c;
  return true;
}

void Cancel::detach() {
  std::lock_guard<std::mutex> lk(mu_);
  active_ = nullptr;
}

Client::Client(KubeConfig config, ClientOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      pool_(std::make_unique<ConnectionPool>(config_, options_.max_idle_connections)),
      limiter_(options_.qps, options_.burst),
      token_(config_.token, config_.token_file),
      rng_(std::random_device{}()) {
  ignore_sigpipe_unless_handled();
}

Client::~Client() = default;

double Client::random01() {
  std::lock_guard<std::mutex> lk(rng_mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void Client::observe(Verb verb, const Resource& r, int code, SteadyClock::time_point started) {
  if (!options_.observer) return;
  options_.observer->request(to_string(verb), r.resource, code,
                             std::chrono::duration<double>(SteadyClock::now() - started).count());
}

bool Client::wait_for_slot(Deadline deadline, Result& out) {
  const auto go = limiter_.reserve(SteadyClock::now(), deadline);
  if (!go) {
    out.error = "the client-side rate limit (" + std::to_string(static_cast<int>(limiter_.qps())) +
                " requests/s, burst " + std::to_string(limiter_.burst()) +
                ") has no slot before the deadline";
    out.timed_out = true;
    return false;
  }
  std::this_thread::sleep_until(*go);
  return true;
}

Client::Attempt Client::send_once(const Call& c, const std::string& token, Deadline deadline) {
  Attempt a;
  auto lease = pool_->take();
  a.reused = lease.reused;
  const milliseconds budget = timeout_until(deadline);
  lease.client->set_connection_timeout(budget);
  lease.client->set_read_timeout(budget);
  lease.client->set_write_timeout(budget);

  httplib::Request req;
  req.method = c.method;
  req.path = pool_->url().prefix + c.path;
  req.headers.emplace("Accept", "application/json");
  req.headers.emplace("User-Agent", options_.user_agent);
  if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
  if (c.content_type) {
    req.headers.emplace("Content-Type", c.content_type);
    req.body = c.body;
  }
  const size_t limit = options_.max_body_bytes;
  req.content_receiver = [&a, limit](const char* data, size_t n, uint64_t, uint64_t) {
    if (a.body.size() + n > limit) {
      a.too_large = true;
      return false;
    }
    a.body.append(data, n);
    return true;
  };
  // A slow trickle of bytes would reset the read timeout on every one: the deadline is checked
  // as the body arrives too.
  req.progress = [deadline](uint64_t, uint64_t) { return SteadyClock::now() < deadline; };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  if (send_cancellable(*lease.client, req, res, err, c.cancel)) {
    a.code = res.status;
    a.retry_after = res.get_header_value("Retry-After");
  } else {
    a.error = err;
  }
  pool_->give_back(std::move(lease));
  return a;
}

bool Client::send_cancellable(httplib::ClientImpl& client, httplib::Request& req,
                              httplib::Response& res, httplib::Error& err, Cancel* cancel) {
  if (cancel && !cancel->attach(&client)) {
    err = httplib::Error::Canceled;
    return false;
  }
  const bool sent = client.send(req, res, err);
  if (cancel) cancel->detach();
  return sent;
}

Result Client::finish(const Call& c, Attempt&& a) {
  Result out;
  out.code = a.code;
  if (a.code >= 200 && a.code < 300) {
    if (!a.body.empty()) {
      out.object = nlohmann::json::parse(a.body, nullptr, false);
      if (out.object.is_discarded()) {
        out.code = 0;
        out.object = nullptr;
        out.error = "the API server answered " + c.what + " with " + std::to_string(a.code) +
                    " and a body that is not JSON (" + std::to_string(a.body.size()) + " bytes)";
      }
    }
    return out;
  }
  out.status = status_from_answer(a.code, a.body, c.verb, c.what);
  return out;
}

// Why a request got no answer, as the call's result.
Result Client::no_answer(const Call& c, const Attempt& a, Deadline deadline) const {
  Result out;
  if (a.too_large) {
    out.error = "the answer to " + c.what + " is larger than " +
                std::to_string(options_.max_body_bytes >> 20) + " MiB";
  } else if (SteadyClock::now() + milliseconds(5) >= deadline) {
    out.error = "deadline exceeded: no answer to " + c.what + " from " + pool_->url().base();
    out.timed_out = true;
  } else {
    out.error = transport_cause(a.error) + ": " + c.what + " (" + pool_->url().base() + ")";
  }
  return out;
}

// How long to wait before sending an answered call again; nothing when the answer is the
// call's (not worth retrying, no try left, or no time left before the deadline).
std::optional<milliseconds> Client::retry_delay(const Call& c, const Attempt& a, int retries) {
  const auto retry_after = parse_retry_after(a.retry_after);
  if (!retryable_answer(c.verb, a.code, retry_after.has_value()) ||
      retries + 1 >= options_.max_attempts)
    return std::nullopt;
  return retry_after ? std::chrono::duration_cast<milliseconds>(*retry_after)
                     : backoff_delay(options_.retry_backoff, retries, random01());
}

Result Client::call(const Call& c, Deadline deadline) {
  Result out;
  bool token_reread = false, stale_retried = false;
  int retries = 0;
  while (true) {
    if (c.cancel && c.cancel->cancelled()) {
      out.error = c.what + ": canceled";
      return out;
    }
    if (SteadyClock::now() >= deadline) {
      out.error = "deadline exceeded before " + c.what + " could be sent";
      out.timed_out = true;
      return out;
    }
    if (!wait_for_slot(deadline, out)) return out;
    std::string token_error;
    const std::string token = token_.current(token_error);
    if (!token_error.empty()) {
      out.error = token_error;
      return out;
    }
    const auto started = SteadyClock::now();
    Attempt a = send_once(c, token, deadline);
    const int attempts = ++out.attempts;
    observe(c.verb, c.resource, a.code, started);
    if (a.code == 0) {
      // An idle connection the server closed: resend when that cannot apply the call twice.
      const bool stale = a.error == httplib::Error::Read || a.error == httplib::Error::Write;
      if (a.reused && stale && !stale_retried &&
          retryable_stale_connection(c.verb, a.error == httplib::Error::Write)) {
        stale_retried = true;
        continue;
      }
      out = no_answer(c, a, deadline);
    } else if (a.code == 401 && !token_reread && token_.reread()) {
      token_reread = true;  // a rotated token: read the file again and try once more
      continue;
    } else if (const auto delay = retry_delay(c, a, retries);
               delay && SteadyClock::now() + *delay < deadline) {
      if (c.cancel)
        c.cancel->wait_for(*delay);
      else
        std::this_thread::sleep_for(*delay);
      ++retries;
      continue;
    } else {
      out = finish(c, std::move(a));
    }
    out.attempts = attempts;
    return out;
  }
}

Result Client::get(const Resource& r, const std::string& ns, const std::string& name,
                   Deadline deadline) {
  return call(
      Call(Verb::Get, r, "GET", resource_path(r, ns, name), what_of(Verb::Get, r, ns, name)),
      deadline);
}

Result Client::list(const Resource& r, const std::string& ns, const ListOptions& options,
                    Deadline deadline) {
  return list_page(r, ns, options, deadline, nullptr);
}

Result Client::list_page(const Resource& r, const std::string& ns, const ListOptions& options,
                         Deadline deadline, Cancel* cancel) {
  Call c(Verb::List, r, "GET", resource_path(r, ns) + list_query(options),
         what_of(Verb::List, r, ns, ""));
  c.cancel = cancel;
  return call(c, deadline);
}

PagedList Client::list_all(const Resource& r, const std::string& ns, ListOptions options,
                           Deadline deadline,
                           const std::function<bool(nlohmann::json&& item)>& on_item,
                           const std::function<void()>& on_restart, Cancel* cancel) {
  constexpr int kMaxRestarts = 3;
  PagedList out;
  if (options.limit <= 0) options.limit = 500;
  options.continue_token.clear();
  while (true) {
    out.result = list_page(r, ns, options, deadline, cancel);
    ++out.pages;
    if (out.result.code == 410 && !options.continue_token.empty() && out.restarts < kMaxRestarts) {
      // The continue token outlived the server's history (compaction): the pages received no
      // longer make one consistent list.
      ++out.restarts;
      options.continue_token.clear();
      if (on_restart) on_restart();
      continue;
    }
    if (!out.result.ok()) return out;
    auto& list = out.result.object;
    if (auto items = list.find("items"); items != list.end() && items->is_array()) {
      for (auto& item : *items)
        if (!on_item(std::move(item))) return out;
      list.erase("items");
    }
    const std::string next = metadata_string(list, "continue");
    if (next.empty()) {
      out.resource_version = metadata_string(list, "resourceVersion");
      return out;
    }
    options.continue_token = next;
  }
}

Result Client::create(const Resource& r, const std::string& ns, const nlohmann::json& object,
                      Deadline deadline) {
  std::string name = metadata_string(object, "name");
  if (name.empty()) name = metadata_string(object, "generateName") + "*";
  Call c(Verb::Create, r, "POST", resource_path(r, ns), what_of(Verb::Create, r, ns, name));
  c.body = object.dump();
  c.content_type = "application/json";
  return call(c, deadline);
}

Result Client::update(const Resource& r, const std::string& ns, const nlohmann::json& object,
                      Deadline deadline) {
  const std::string name = metadata_string(object, "name");
  if (name.empty()) {
    Result out;
    out.error = "update " + r.qualified() + ": the object has no metadata.name";
    return out;
  }
  Call c(Verb::Update, r, "PUT", resource_path(r, ns, name), what_of(Verb::Update, r, ns, name));
  c.body = object.dump();
  c.content_type = "application/json";
  return call(c, deadline);
}

Result Client::patch(const Resource& r, const std::string& ns, const std::string& name,
                     PatchType type, const nlohmann::json& patch, Deadline deadline) {
  Call c(Verb::Patch, r, "PATCH", resource_path(r, ns, name), what_of(Verb::Patch, r, ns, name));
  c.body = patch.dump();
  c.content_type = content_type(type);
  return call(c, deadline);
}

Result Client::remove(const Resource& r, const std::string& ns, const std::string& name,
                      Deadline deadline, const DeleteOptions& options) {
  Call c(Verb::Delete, r, "DELETE", resource_path(r, ns, name), what_of(Verb::Delete, r, ns, name));
  nlohmann::json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.precondition_resource_version.empty())
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (body.size() > 2) {
    c.body = body.dump();
    c.content_type = "application/json";
  }
  return call(c, deadline);
}

}  // namespace hostadm::kube
