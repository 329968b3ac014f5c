// A Kubernetes API client for the webhook's cluster features: get, list (paged), watch, create,
// update, patch and delete of any resource, JSON in and out. Every call is bounded by the
// caller's deadline, including the wait for the client-side rate limit and any retry; see
// docs/design/kube-client.md for what it does on each failure.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "webhook/kube/api_result.hpp"
#include "webhook/kube/bearer_token.hpp"
#include "webhook/kube/kube_config.hpp"
#include "webhook/kube/kube_observer.hpp"
#include "webhook/kube/rate_limiter.hpp"
#include "webhook/kube/resource.hpp"
#include "webhook/kube/retry.hpp"
#include "webhook/kube/watch_stream.hpp"

namespace httplib {
class ClientImpl;
struct Request;
struct Response;
enum class Error;
}  // namespace httplib

namespace hostadm::kube {

class ConnectionPool;

struct ClientOptions {
  double qps = 20;                // --kube-api-qps; 0 turns the client-side limit off
  int burst = 40;                 // --kube-api-burst
  BackoffPolicy retry_backoff{};  // between retries of an answered call, when no Retry-After
  int max_attempts = 5;           // requests per call, retries included
  size_t max_idle_connections = 8;
  size_t max_body_bytes = 64u << 20;  // a larger answer is refused, not read into memory
  std::string user_agent = "forklift-host-webhook";
  std::chrono::milliseconds watch_connect_timeout{10000};
  std::shared_ptr<KubeObserver> observer;
};

enum class PatchType {
  Merge,           // application/merge-patch+json (RFC 7386)
  Json,            // application/json-patch+json (RFC 6902)
  StrategicMerge,  // application/strategic-merge-patch+json (built-in kinds only)
};

struct DeleteOptions {
  std::string precondition_resource_version;  // delete only this version (409 otherwise)
  std::string precondition_uid;
  std::string propagation_policy;  // Foreground | Background | Orphan
};

// Stops a running watch or paged list from another thread: the call returns promptly (a watch
// as Stopped, a list with an error). One-shot: once cancelled, every later call given it stops.
class Cancel {
 public:
  void cancel();
  bool cancelled() const { return cancelled_.load(); }
  // Waits `d` unless cancelled first; false when cancelled.
  bool wait_for(std::chrono::milliseconds d);

 private:
  friend class Client;
  bool attach(httplib::ClientImpl* c);  // false when already cancelled
  void detach();
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> cancelled_{false};
  httplib::ClientImpl* active_ = nullptr;
};

// Why a watch returned.
struct WatchEnd {
  enum class Why {
    Closed,   // the stream ended: the server's timeoutSeconds, or the connection dropped after
              // the watch began; resume from the last resourceVersion
    Stopped,  // the callback returned false, or Cancel
    Expired,  // 410: the version to resume from is gone (HTTP 410 or an ERROR event); list again
    Failed,   // no watch: an HTTP error, an ERROR event other than 410, a transport failure
  };
  Why why = Why::Failed;
  Result result;   // the answer or the ERROR event's Status (Expired, Failed); error text (Closed)
  int events = 0;  // events delivered, bookmarks included
};

// The outcome of list_all.
struct PagedList {
  Result result;                 // the last page's answer (object without items), or the failure
  std::string resource_version;  // the list's resourceVersion: watch from here
  int pages = 0;
  int restarts = 0;  // 410 for an expired continue token: started again from the first page
};

class Client {
 public:
  // Throws KubeConfigError when the CA or client certificate cannot be loaded. Sets SIGPIPE to
  // be ignored when the process left it at its default action (see kube_client.cpp).
  explicit Client(KubeConfig config, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result get(const Resource& r, const std::string& ns, const std::string& name, Deadline deadline);
  // One page (or everything when options.limit is 0); the body is the List object.
  Result list(const Resource& r, const std::string& ns, const ListOptions& options,
              Deadline deadline);
  // Every object, page by page (limit 500 unless set), following `continue`. A 410 for an
  // expired continue token calls `on_restart` (drop what was received) and lists again from the
  // first page, up to 3 times. `on_item` returns false to stop; so does `cancel`.
  PagedList list_all(const Resource& r, const std::string& ns, ListOptions options,
                     Deadline deadline, const std::function<bool(nlohmann::json&& item)>& on_item,
                     const std::function<void()>& on_restart = {}, Cancel* cancel = nullptr);
  // POST; the name comes from metadata.name or metadata.generateName.
  Result create(const Resource& r, const std::string& ns, const nlohmann::json& object,
                Deadline deadline);
  // PUT to metadata.name; a metadata.resourceVersion in the object makes it conditional (409
  // Conflict when the stored object has moved on).
  Result update(const Resource& r, const std::string& ns, const nlohmann::json& object,
                Deadline deadline);
  Result patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
               const nlohmann::json& patch, Deadline deadline);
  Result remove(const Resource& r, const std::string& ns, const std::string& name,
                Deadline deadline, const DeleteOptions& options = {});

  // Streams the events after options.resource_version to `on_event` (never ERROR: an ERROR
  // event ends the watch as Expired or Failed) until the server ends the stream, `on_event`
  // returns false, or `cancel` is cancelled. `on_open` is called once the server has accepted
  // the watch (200). Blocks; not bounded by a deadline but by options.timeout_seconds.
  WatchEnd watch(const Resource& r, const std::string& ns, const WatchOptions& options,
                 const std::function<bool(WatchEvent&&)>& on_event, Cancel* cancel = nullptr,
                 const std::function<void()>& on_open = {});

  const KubeConfig& config() const { return config_; }
  // The namespace of the kubeconfig's context, or the pod's own.
  const std::string& default_namespace() const { return config_.ns; }
  KubeObserver* observer() const { return options_.observer.get(); }
  // A number in [0, 1) for backoff jitter, shared by the client and its watch caches.
  double random01();

 private:
  struct Call;
  struct Attempt;
  struct WatchStream;
  Result call(const Call& c, Deadline deadline);
  Attempt send_once(const Call& c, const std::string& token, Deadline deadline);
  Result no_answer(const Call& c, const Attempt& a, Deadline deadline) const;
  std::optional<std::chrono::milliseconds> retry_delay(const Call& c, const Attempt& a,
                                                       int retries);
  Result list_page(const Resource& r, const std::string& ns, const ListOptions& options,
                   Deadline deadline, Cancel* cancel);
  Result finish(const Call& c, Attempt&& a);
  void watch_request(const std::string& path, const WatchOptions& o, const std::string& token,
                     const std::string& what, const std::function<bool(WatchEvent&&)>& on_event,
                     const std::function<void()>& on_open, Cancel* cancel, WatchStream& s);
  static std::optional<WatchEnd> ending(const WatchStream& s, bool cancelled,
                                        const std::string& what);
  // Sends on `client`, which `cancel` (when given) may stop from another thread meanwhile.
  static bool send_cancellable(httplib::ClientImpl& client, httplib::Request& req,
                               httplib::Response& res, httplib::Error& err, Cancel* cancel);
  bool wait_for_slot(Deadline deadline, Result& out);
  void observe(Verb verb, const Resource& r, int code,
               std::chrono::steady_clock::time_point started);

  KubeConfig config_;
  ClientOptions options_;
  std::unique_ptr<ConnectionPool> pool_;
  TokenBucket limiter_;
  BearerToken token_;
  std::mutex rng_mu_;
  std::minstd_rand rng_;
};

}  // namespace hostadm::kube
