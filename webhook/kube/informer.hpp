// A watch cache ("informer") of one resource: what ListWatch lists and watches, projected by the
// caller into a small struct and kept by namespace and name, with add/update/delete callbacks.
// Only the projection is stored, so 5,000 Hosts cost 5,000 small structs, not 5,000 documents.
//
//   struct HostRef { std::string provider, id; };
//   Informer<HostRef> hosts(client, {resources::kHosts},
//                           [](const nlohmann::json& o) -> std::optional<HostRef> { ... });
//   hosts.start();
//   ... if (hosts.has_synced()) for (const auto& [name, h] : hosts.list("demo")) ...
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/kube/list_watch.hpp"

namespace hostadm::kube {

// metadata.namespace, metadata.name and metadata.resourceVersion of an object ("" when absent).
struct ObjectKey {
  std::string ns, name, resource_version;
  static ObjectKey of(const nlohmann::json& object);
};

template <class T>
class Informer : private ListWatchSink {
 public:
  // Returns what to keep of an object, or nothing to keep nothing of it (filtered out).
  using Projection = std::function<std::optional<T>(const nlohmann::json& object)>;
  // Called on the informer's thread, after the store changed, outside its lock (a handler may
  // read the store). On a relist, objects that changed while no watch ran are reported too.
  struct Handlers {
    std::function<void(const std::string& ns, const std::string& name, const T&)> on_add;
    std::function<void(const std::string& ns, const std::string& name, const T& before,
                       const T& after)>
        on_update;
    std::function<void(const std::string& ns, const std::string& name, const T&)> on_delete;
  };
  using Namespace = std::map<std::string, T>;  // by name

  Informer(Client& client, InformerOptions options, Projection project, Handlers handlers = {})
      : project_(std::move(project)),
        handlers_(std::move(handlers)),
        lw_(client, std::move(options), *this) {}
  ~Informer() override { lw_.stop(); }

  void start() { lw_.start(); }
  void stop() { lw_.stop(); }
  // For readiness: true once the first list is stored.
  bool has_synced() const { return lw_.has_synced(); }
  std::string last_error() const { return lw_.last_error(); }
  std::string resource_version() const { return lw_.resource_version(); }
  const InformerOptions& options() const { return lw_.options(); }

  std::optional<T> get(const std::string& ns, const std::string& name) const {
    std::shared_lock<std::shared_mutex> lk(mu_);
    auto n = store_.find(ns);
    if (n == store_.end()) return std::nullopt;
    auto it = n->second.find(name);
    if (it == n->second.end()) return std::nullopt;
    return *it->second.value;
  }
  // A copy of one namespace's objects ("" for a cluster-scoped resource).
  Namespace list(const std::string& ns) const {
    Namespace out;
    std::shared_lock<std::shared_mutex> lk(mu_);
    auto n = store_.find(ns);
    if (n != store_.end())
      for (const auto& [name, e] : n->second) out.emplace(name, *e.value);
    return out;
  }
  // Visits one namespace's objects under the read lock: no copies; `visit` must not call back
  // into this informer's writers (it may call get/list).
  template <class Visit>
  void for_each(const std::string& ns, Visit visit) const {
    std::shared_lock<std::shared_mutex> lk(mu_);
    auto n = store_.find(ns);
    if (n != store_.end())
      for (const auto& [name, e] : n->second) visit(name, *e.value);
  }
  size_t size() const {
    std::shared_lock<std::shared_mutex> lk(mu_);
    size_t total = 0;
    for (const auto& [ns, objects] : store_) total += objects.size();
    return total;
  }

 private:
  struct Entry {
    std::string resource_version;
    std::shared_ptr<const T> value;
  };
  using Store = std::map<std::string, std::map<std::string, Entry>>;  // namespace -> name

  // Every change, applied under the lock, reported after it.
  struct Change {
    EventType type;
    std::string ns, name;
    std::shared_ptr<const T> before, after;
  };

  void report(const std::vector<Change>& changes) {
    for (const auto& c : changes) {
      if (c.before && c.after) {
        if (handlers_.on_update) handlers_.on_update(c.ns, c.name, *c.before, *c.after);
      } else if (c.after) {
        if (handlers_.on_add) handlers_.on_add(c.ns, c.name, *c.after);
      } else if (c.before && handlers_.on_delete) {
        handlers_.on_delete(c.ns, c.name, *c.before);
      }
    }
  }

  void replace_begin() override { pending_.clear(); }
  void replace_item(const nlohmann::json& object) override {
    ObjectKey k = ObjectKey::of(object);
    if (k.name.empty()) return;
    std::optional<T> v = project_(object);
    if (!v) return;
    pending_[k.ns][k.name] = {std::move(k.resource_version),
                              std::make_shared<const T>(std::move(*v))};
  }
  void replace_abort() override { pending_.clear(); }
  void replace_end() override {
    std::vector<Change> changes;
    {
      std::unique_lock<std::shared_mutex> lk(mu_);
      for (const auto& [ns, objects] : pending_) {
        auto old_ns = store_.find(ns);
        for (const auto& [name, e] : objects) {
          const Entry* old = nullptr;
          if (old_ns != store_.end()) {
            auto it = old_ns->second.find(name);
            if (it != old_ns->second.end()) old = &it->second;
          }
          if (!old)
            changes.push_back({EventType::Added, ns, name, nullptr, e.value});
          else if (old->resource_version != e.resource_version)
            changes.push_back({EventType::Modified, ns, name, old->value, e.value});
        }
      }
      for (const auto& [ns, objects] : store_) {
        auto new_ns = pending_.find(ns);
        for (const auto& [name, e] : objects)
          if (new_ns == pending_.end() || !new_ns->second.count(name))
            changes.push_back({EventType::Deleted, ns, name, e.value, nullptr});
      }
      store_.swap(pending_);
    }
    pending_.clear();
    report(changes);
  }
  void event(EventType type, const nlohmann::json& object) override {
    ObjectKey k = ObjectKey::of(object);
    if (k.name.empty()) return;
    std::optional<T> v;
    if (type != EventType::Deleted) v = project_(object);
    Change c{type, k.ns, k.name, nullptr, nullptr};
    {
      std::unique_lock<std::shared_mutex> lk(mu_);
      auto& objects = store_[k.ns];
      auto it = objects.find(k.name);
      if (it != objects.end()) c.before = it->second.value;
      if (v) {
        c.after = std::make_shared<const T>(std::move(*v));
        objects[k.name] = {k.resource_version, c.after};
      } else if (it != objects.end()) {
        objects.erase(it);  // deleted, or no longer kept by the projection
      }
      if (objects.empty()) store_.erase(k.ns);
    }
    if (c.before || c.after) report({c});
  }

  Projection project_;
  Handlers handlers_;
  mutable std::shared_mutex mu_;
  Store store_;
  Store pending_;  // the list being received; only the list-watch thread touches it
  ListWatch lw_;   // last: its thread starts after, and stops before, everything above
};

}  // namespace hostadm::kube
