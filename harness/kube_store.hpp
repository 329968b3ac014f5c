// The objects of the mock Kubernetes API and what the API server does with them: one increasing
// resourceVersion for every change, uid, creationTimestamp and generation set by the server,
// optimistic concurrency (409 on a stale resourceVersion), finalizers that hold a deleted object
// with its deletionTimestamp set, paged lists that stay consistent at the list's version, and
// watches fed from a window of recent events (410 Expired once a version has left it). No
// sockets: serve_kube.cpp serves it, the tests call it directly.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/kube_kinds.hpp"
#include "harness/kube_selector.hpp"

namespace hostadm::kubemock {

// An answer: the HTTP code and the JSON body (the object, a List, or a Status).
struct Answer {
  int code = 200;
  std::string body;
};

struct ListQuery {
  LabelSelector labels;
  FieldSelector fields;
  long long limit = 0;  // 0: everything
  std::string continue_token;
};

// The event lines of one watch, as the server writes them, waiting to be sent.
class WatchFeed {
 public:
  // The next line (with its newline), waiting at most `wait`; nothing when none came or the
  // feed is closed (see closed()).
  std::optional<std::string> next(std::chrono::milliseconds wait);
  bool closed() const;
  void close();
  bool wants_bookmarks() const { return bookmarks_; }
  static constexpr size_t kMaxQueued = 10000;  // lines waiting before a slow watch is ended

 private:
  friend class KubeStore;
  void push(std::string line);

  const KindInfo* kind_ = nullptr;
  std::string ns_;
  LabelSelector labels_;
  FieldSelector fields_;
  bool bookmarks_ = false;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> lines_;
  bool closed_ = false;
};

class KubeStore {
 public:
  // `history`: how many past events are kept for watches and paged lists to resume from.
  explicit KubeStore(size_t history = 1000);

  Answer get(const KindInfo& k, const std::string& ns, const std::string& name) const;
  Answer list(const KindInfo& k, const std::string& ns, const ListQuery& q) const;
  Answer create(const KindInfo& k, const std::string& ns, nlohmann::json object);
  Answer update(const KindInfo& k, const std::string& ns, const std::string& name,
                nlohmann::json object);
  // `content_type`: application/merge-patch+json, application/json-patch+json, or
  // application/strategic-merge-patch+json (built-in kinds only; applied as a merge patch).
  Answer patch(const KindInfo& k, const std::string& ns, const std::string& name,
               const std::string& content_type, const std::string& body);
  // `options`: a DeleteOptions body (preconditions), or null.
  Answer remove(const KindInfo& k, const std::string& ns, const std::string& name,
                const nlohmann::json& options);

  // A watch from `resource_version` ("" or "0": the current objects as ADDED first). When the
  // version is older than the kept events, the feed holds one ERROR event (410 Expired) and is
  // closed, as the API server answers.
  std::shared_ptr<WatchFeed> watch(const KindInfo& k, const std::string& ns, LabelSelector labels,
                                   FieldSelector fields, const std::string& resource_version,
                                   bool bookmarks);

  // Test controls. upsert: creates or replaces an object named by its apiVersion and kind (its
  // namespace is created when missing); returns an error message, "" when done.
  std::string upsert(const nlohmann::json& object);
  void compact();        // forget every past event: older versions answer 410 from now on
  void close_watches();  // end every watch, as an API server restart would
  void bookmark();       // a BOOKMARK now on every watch that asked for them
  int64_t resource_version() const;
  size_t watch_count() const;

 private:
  struct Event {
    int64_t rv;
    std::string key;
    const KindInfo* kind;
    std::string type;  // ADDED | MODIFIED | DELETED
    nlohmann::json object;
    nlohmann::json before;  // null for ADDED
  };

  std::string key(const KindInfo& k, const std::string& ns, const std::string& name) const;
  int64_t next_rv();
  void record(const KindInfo& k, const std::string& key, const char* type,
              const nlohmann::json& obj, nlohmann::json before);
  void publish(const Event& e);
  void feed_event(WatchFeed& f, const Event& e) const;
  Answer store_new(const KindInfo& k, const std::string& ns, nlohmann::json object);
  Answer store_update(const KindInfo& k, const std::string& key, nlohmann::json object);
  Answer delete_now(const KindInfo& k, const std::string& key);
  void delete_namespace_contents(const std::string& ns);
  std::map<std::string, const nlohmann::json*> state_at(const KindInfo& k, int64_t rv) const;
  Answer missing_namespace(const KindInfo& k, const std::string& ns, const std::string& name) const;

  mutable std::mutex mu_;
  const size_t history_limit_;
  int64_t rv_ = 0;
  int64_t compacted_ = 0;  // events at or below this version are gone
  std::map<std::string, nlohmann::json> objects_;
  std::deque<Event> history_;
  std::vector<std::shared_ptr<WatchFeed>> feeds_;
};

}  // namespace hostadm::kubemock
