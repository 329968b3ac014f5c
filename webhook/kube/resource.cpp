#include "webhook/kube/resource.hpp"

#include "webhook/inventory/http_url.hpp"

namespace hostadm::kube {

std::string Resource::qualified() const {
  return group.empty() ? resource : resource + "." + group;
}

std::string resource_path(const Resource& r, const std::string& ns, const std::string& name) {
  std::string p = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (r.namespaced && !ns.empty()) p += "/namespaces/" + url_encode(ns);
  p += "/" + r.resource;
  if (!name.empty()) p += "/" + url_encode(name);
  return p;
}

namespace {

void add(std::string& q, const char* key, const std::string& value) {
  if (value.empty()) return;
  q += q.empty() ? '?' : '&';
  q += key;
  q += '=';
  q += url_encode(value);
}

}  // namespace

std::string list_query(const ListOptions& o) {
  std::string q;
  add(q, "labelSelector", o.label_selector);
  add(q, "fieldSelector", o.field_selector);
  if (o.limit > 0) add(q, "limit", std::to_string(o.limit));
  add(q, "continue", o.continue_token);
  add(q, "resourceVersion", o.resource_version);
  return q;
}

std::string watch_query(const WatchOptions& o) {
  std::string q = "?watch=1";
  add(q, "labelSelector", o.label_selector);
  add(q, "fieldSelector", o.field_selector);
  add(q, "resourceVersion", o.resource_version);
  if (o.bookmarks) add(q, "allowWatchBookmarks", "true");
  if (o.timeout_seconds > 0) add(q, "timeoutSeconds", std::to_string(o.timeout_seconds));
  return q;
}

}  // namespace hostadm::kube
