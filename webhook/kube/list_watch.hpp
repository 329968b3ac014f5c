// The engine of a watch cache: list a resource (paged), then watch it from the list's
// resourceVersion, resume each watch from the last version seen (bookmarks included), list again
// on 410 Gone, back off on errors. It keeps no objects: it hands the list's items and the watch's
// events to a sink (informer.hpp projects and stores them).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "webhook/kube/kube_client.hpp"

namespace hostadm::kube {

struct InformerOptions {
  Resource resource;
  std::string ns;  // "" for all namespaces (or a cluster-scoped resource)
  std::string label_selector;
  std::string field_selector;
  int page_size = 500;
  // Each watch asks the server to end it after this long, plus up to as much again at random
  // (client-go's 5 to 10 minutes), so that replicas do not all re-watch at once.
  int watch_timeout_seconds = 300;
  std::chrono::seconds list_timeout{60};  // one whole list, every page
  BackoffPolicy backoff{std::chrono::milliseconds(800), 2.0, std::chrono::milliseconds(30000), 0.2};
};

// Called on the list-watch thread, one call at a time.
class ListWatchSink {
 public:
  virtual ~ListWatchSink() = default;
  virtual void replace_begin() = 0;
  virtual void replace_item(const nlohmann::json& object) = 0;
  // The list is complete: it replaces everything (what it lacks was deleted meanwhile).
  virtual void replace_end() = 0;
  // The list failed part way (or restarted): drop what replace_item collected.
  virtual void replace_abort() = 0;
  // ADDED, MODIFIED or DELETED.
  virtual void event(EventType type, const nlohmann::json& object) = 0;
};

class ListWatch {
 public:
  // `client` and `sink` must outlive this object.
  ListWatch(Client& client, InformerOptions options, ListWatchSink& sink);
  ~ListWatch();
  ListWatch(const ListWatch&) = delete;
  ListWatch& operator=(const ListWatch&) = delete;

  void start();  // runs on a thread of its own until stop()
  void stop();   // returns once the thread has ended; in-flight requests are cut short

  // True once the first list has been stored; stays true through later failures (the cache
  // still answers, with what it last saw).
  bool has_synced() const { return synced_.load(); }
  std::string resource_version() const;
  // The last failure, "" once a list or a watch succeeds again; for logs and readiness details.
  std::string last_error() const;
  uint64_t lists() const { return lists_.load(); }  // completed lists, the first included
  const InformerOptions& options() const { return options_; }

 private:
  enum class Next { Watch, List, Stop };
  void run();
  bool list_once(std::string& error);
  WatchEnd watch_once();
  Next after(const WatchEnd& end, bool healthy);
  bool back_off(int failures);  // false when stopping
  void fail(const std::string& error, int failures);
  std::string describe() const;  // "hosts.forklift.konveyor.io in demo"

  Client& client_;
  const InformerOptions options_;
  ListWatchSink& sink_;
  Cancel cancel_;
  std::thread thread_;
  std::atomic<bool> synced_{false};
  std::atomic<uint64_t> lists_{0};
  mutable std::mutex mu_;
  std::string rv_;
  std::string last_error_;
  // Only the list-watch thread reads these.
  int failures_ = 0;          // in a row: how long the next backoff is
  int expired_in_a_row_ = 0;  // 410s with no working watch between them
};

}  // namespace hostadm::kube
