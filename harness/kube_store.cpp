#include "harness/kube_store.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <ctime>
#include <random>

#include "harness/kube_status.hpp"

namespace hostadm::kubemock {

using nlohmann::json;

namespace {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Answer answer(const status::Body& s) {
  return {s.value("code", 500), s.dump(-1, ' ', false, json::error_handler_t::replace)};
}

Answer answer(int code, const json& object) {
  return {code, dump(object)};
}

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::mt19937_64& rng() {
  static thread_local std::mt19937_64 r{std::random_device{}()};
  return r;
}

std::string new_uid() {
  static const char* hex = "0123456789abcdef";
  std::string u = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : u) {
    if (c == 'x') c = hex[rng()() % 16];
    if (c == 'y') c = hex[8 + rng()() % 4];
  }
  return u;
}

// The API server's generateName suffix: five characters without vowels or look-alikes.
std::string name_suffix() {
  static const std::string alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  for (int i = 0; i < 5; ++i) s += alphabet[rng()() % alphabet.size()];
  return s;
}

json& meta(json& o) {
  if (!o.contains("metadata") || !o["metadata"].is_object()) o["metadata"] = json::object();
  return o["metadata"];
}

std::string meta_string(const json& o, const char* key) {
  auto md = o.find("metadata");
  if (md == o.end() || !md->is_object()) return "";
  auto v = md->find(key);
  return v != md->end() && v->is_string() ? v->get<std::string>() : "";
}

bool has_finalizers(const json& o) {
  auto md = o.find("metadata");
  if (md == o.end() || !md->is_object()) return false;
  auto f = md->find("finalizers");
  return f != md->end() && f->is_array() && !f->empty();
}

// What `generation` counts: everything but metadata and status.
json spec_part(json o) {
  o.erase("metadata");
  o.erase("status");
  return o;
}

// A continue token as the API server writes it: base64url (no padding) of
// {"v":"meta.k8s.io/v1","rv":N,"start":"KEY\u0000"}.
std::string encode_continue(int64_t rv, const std::string& start) {
  const std::string raw = json{{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", start}}.dump();
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

bool decode_continue(std::string token, int64_t& rv, std::string& start) {
  for (char& c : token) c = c == '-' ? '+' : c == '_' ? '/' : c;
  const size_t pad = (4 - token.size() % 4) % 4;
  if (pad == 3) return false;
  token.append(pad, '=');
  std::string raw(token.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                reinterpret_cast<const unsigned char*>(token.data()),
                                static_cast<int>(token.size()));
  if (n < 0) return false;
  raw.resize(static_cast<size_t>(n) - pad);
  const json j = json::parse(raw, nullptr, false);
  if (!j.is_object() || j.value("v", "") != "meta.k8s.io/v1") return false;
  auto r = j.find("rv");
  auto s = j.find("start");
  if (r == j.end() || !r->is_number_integer() || s == j.end() || !s->is_string()) return false;
  rv = r->get<int64_t>();
  start = s->get<std::string>();
  return rv > 0 && !start.empty();
}

}  // namespace

// ---- WatchFeed

std::optional<std::string> WatchFeed::next(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait_for(lk, wait, [this] { return !lines_.empty() || closed_; });
  if (lines_.empty()) return std::nullopt;
  std::string line = std::move(lines_.front());
  lines_.pop_front();
  return line;
}

bool WatchFeed::closed() const {
  std::lock_guard<std::mutex> lk(mu_);
  return closed_ && lines_.empty();
}

void WatchFeed::close() {
  std::lock_guard<std::mutex> lk(mu_);
  closed_ = true;
  cv_.notify_all();
}

void WatchFeed::push(std::string line) {
  std::lock_guard<std::mutex> lk(mu_);
  if (closed_) return;
  // A watcher that does not read is cut off, as the API server ends a watch whose buffer fills;
  // it resumes from the last version it saw.
  if (lines_.size() >= kMaxQueued) {
    closed_ = true;
    cv_.notify_all();
    return;
  }
  lines_.push_back(std::move(line));
  cv_.notify_all();
}

// ---- KubeStore: bookkeeping

KubeStore::KubeStore(size_t history) : history_limit_(std::max<size_t>(history, 1)) {}

std::string KubeStore::key(const KindInfo& k, const std::string& ns,
                           const std::string& name) const {
  return k.key_prefix() + ns + "/" + name;
}

int64_t KubeStore::next_rv() {
  return ++rv_;
}

int64_t KubeStore::resource_version() const {
  std::lock_guard<std::mutex> lk(mu_);
  return rv_;
}

size_t KubeStore::watch_count() const {
  std::lock_guard<std::mutex> lk(mu_);
  size_t n = 0;
  for (const auto& f : feeds_) n += f->closed() ? 0 : 1;
  return n;
}

void KubeStore::record(const KindInfo& k, const std::string& key, const char* type, const json& obj,
                       json before) {
  history_.push_back({rv_, key, &k, type, obj, std::move(before)});
  while (history_.size() > history_limit_) {
    compacted_ = history_.front().rv;
    history_.pop_front();
  }
  publish(history_.back());
}

void KubeStore::publish(const Event& e) {
  feeds_.erase(std::remove_if(feeds_.begin(), feeds_.end(),
                              [](const std::shared_ptr<WatchFeed>& f) { return f->closed(); }),
               feeds_.end());
  for (const auto& f : feeds_) feed_event(*f, e);
}

// A watch with a selector sees an object enter (ADDED) or leave (DELETED) its selection, as the
// API server's watch cache reports it.
void KubeStore::feed_event(WatchFeed& f, const Event& e) const {
  if (f.kind_ != e.kind) return;
  if (!f.ns_.empty() && meta_string(e.object, "namespace") != f.ns_) return;
  auto selected = [&f](const json& o) {
    return !o.is_null() && f.labels_.matches(o) && f.fields_.matches(o);
  };
  const bool now = selected(e.object), before = selected(e.before);
  std::string type = e.type;
  if (e.type == "DELETED") {
    if (!before) return;
  } else if (e.type == "MODIFIED") {
    if (!now && !before) return;
    if (now && !before) type = "ADDED";
    if (!now && before) type = "DELETED";
  } else if (!now) {
    return;
  }
  f.push(dump(json{{"type", type}, {"object", e.object}}) + "\n");
}

std::map<std::string, const json*> KubeStore::state_at(const KindInfo& k, int64_t rv) const {
  std::map<std::string, const json*> out;
  const std::string prefix = k.key_prefix();
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    out.emplace(it->first, &it->second);
  // Undo, newest first, what happened after `rv`.
  for (auto e = history_.rbegin(); e != history_.rend() && e->rv > rv; ++e) {
    if (e->kind != &k) continue;
    if (e->type == "ADDED")
      out.erase(e->key);
    else
      out[e->key] = &e->before;
  }
  return out;
}

Answer KubeStore::missing_namespace(const KindInfo& k, const std::string& ns,
                                    const std::string& name) const {
  const KindInfo& namespaces = *kind_by_resource("", "v1", "namespaces");
  auto it = objects_.find(key(namespaces, "", ns));
  if (it == objects_.end()) return answer(status::not_found(namespaces, ns));
  if (!meta_string(it->second, "deletionTimestamp").empty())
    return answer(status::forbidden_because(
        k, name,
        "unable to create new content in namespace " + ns + " because it is being terminated"));
  return {0, ""};
}

// ---- reads

Answer KubeStore::get(const KindInfo& k, const std::string& ns, const std::string& name) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = objects_.find(key(k, ns, name));
  if (it == objects_.end()) return answer(status::not_found(k, name));
  return answer(200, it->second);
}

Answer KubeStore::list(const KindInfo& k, const std::string& ns, const ListQuery& q) const {
  std::lock_guard<std::mutex> lk(mu_);
  int64_t list_rv = rv_;
  std::string start;
  if (!q.continue_token.empty()) {
    if (!decode_continue(q.continue_token, list_rv, start))
      return answer(status::bad_request("continue key is not valid"));
    if (list_rv < compacted_)
      return answer(status::expired(
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter."));
  }
  const auto state = state_at(k, list_rv);
  json items = json::array();
  std::string last_key;
  long long remaining = 0;
  const bool selective = !q.labels.empty() || !q.fields.empty();
  for (auto it = state.lower_bound(k.key_prefix() + start); it != state.end(); ++it) {
    const json& o = *it->second;
    if (!ns.empty() && meta_string(o, "namespace") != ns) continue;
    if (!q.labels.matches(o) || !q.fields.matches(o)) continue;
    if (q.limit > 0 && static_cast<long long>(items.size()) >= q.limit) {
      ++remaining;
      if (selective) break;  // the API server gives no count for a filtered list
      continue;
    }
    json item = o;
    if (k.builtin) {  // items of built-in kinds come without kind and apiVersion
      item.erase("kind");
      item.erase("apiVersion");
    }
    items.push_back(std::move(item));
    last_key = it->first.substr(k.key_prefix().size());
  }
  json md = {{"resourceVersion", std::to_string(list_rv)}};
  if (remaining > 0) {
    md["continue"] = encode_continue(list_rv, last_key + std::string(1, '\0'));
    if (!selective) md["remainingItemCount"] = remaining;
  }
  return answer(200, json{{"kind", k.list_kind()},
                          {"apiVersion", k.api_version()},
                          {"metadata", md},
                          {"items", std::move(items)}});
}

// ---- writes

Answer KubeStore::create(const KindInfo& k, const std::string& ns, json object) {
  if (!object.is_object()) return answer(status::bad_request("the body must be a JSON object"));
  const std::string api = object.value("apiVersion", k.api_version());
  if (api != k.api_version())
    return answer(status::bad_request("the API version in the data (" + api +
                                      ") does not match the expected API version (" +
                                      k.api_version() + ")"));
  object["apiVersion"] = k.api_version();
  object["kind"] = k.kind;
  json& md = meta(object);
  const std::string body_ns = meta_string(object, "namespace");
  if (k.namespaced && !body_ns.empty() && body_ns != ns)
    return answer(status::bad_request(
        "the namespace of the provided object does not match the namespace sent on the request"));
  if (k.namespaced) md["namespace"] = ns;
  std::lock_guard<std::mutex> lk(mu_);
  return store_new(k, ns, std::move(object));
}

// With the lock held.
Answer KubeStore::store_new(const KindInfo& k, const std::string& ns, json object) {
  json& md = meta(object);
  std::string name = meta_string(object, "name");
  const std::string generate = meta_string(object, "generateName");
  if (name.empty() && generate.empty())
    return answer(status::invalid(k, "", "metadata.name", "FieldValueRequired",
                                  "Required value: name or generateName is required"));
  if (!meta_string(object, "resourceVersion").empty())
    return answer(
        status::internal_error("resourceVersion should not be set on objects to be created"));
  if (k.namespaced) {
    Answer a = missing_namespace(k, ns, name.empty() ? generate : name);
    if (a.code != 0) return a;
  }
  for (int i = 0; name.empty() && i < 8; ++i) {
    const std::string candidate = generate + name_suffix();
    if (!objects_.count(key(k, ns, candidate))) name = candidate;
  }
  if (name.empty()) return answer(status::already_exists(k, generate));
  const std::string id = key(k, ns, name);
  if (objects_.count(id)) return answer(status::already_exists(k, name));
  md["name"] = name;
  md["uid"] = new_uid();
  md["creationTimestamp"] = now_rfc3339();
  md["generation"] = 1;
  md.erase("deletionTimestamp");
  md["resourceVersion"] = std::to_string(next_rv());
  objects_[id] = object;
  record(k, id, "ADDED", object, nullptr);
  return answer(201, object);
}

Answer KubeStore::update(const KindInfo& k, const std::string& ns, const std::string& name,
                         json object) {
  if (!object.is_object()) return answer(status::bad_request("the body must be a JSON object"));
  const std::string body_name = meta_string(object, "name");
  if (body_name != name)
    return answer(status::bad_request("the name of the object (" + body_name +
                                      ") does not match the name on the URL (" + name + ")"));
  const std::string body_ns = meta_string(object, "namespace");
  if (k.namespaced && !body_ns.empty() && body_ns != ns)
    return answer(status::bad_request(
        "the namespace of the provided object does not match the namespace sent on the request"));
  std::lock_guard<std::mutex> lk(mu_);
  const std::string id = key(k, ns, name);
  auto it = objects_.find(id);
  if (it == objects_.end()) return answer(status::not_found(k, name));
  const std::string rv = meta_string(object, "resourceVersion");
  if (rv.empty() && !k.builtin)
    return answer(status::invalid(k, name, "metadata.resourceVersion", "FieldValueInvalid",
                                  "Invalid value: 0x0: must be specified for an update"));
  if (!rv.empty() && rv != meta_string(it->second, "resourceVersion"))
    return answer(status::conflict(k, name,
                                   "the object has been modified; please apply your changes to "
                                   "the latest version and try again"));
  return store_update(k, id, std::move(object));
}

// With the lock held; the object exists. The server's own fields are kept from the stored
// object; an update that changes nothing keeps its resourceVersion, as the API server does.
Answer KubeStore::store_update(const KindInfo& k, const std::string& id, json object) {
  const json& old = objects_.at(id);
  const json& old_md = old.at("metadata");
  json& md = meta(object);
  object["apiVersion"] = k.api_version();
  object["kind"] = k.kind;
  for (const char* kept : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                           "deletionGracePeriodSeconds", "generation", "resourceVersion"}) {
    if (old_md.contains(kept))
      md[kept] = old_md[kept];
    else
      md.erase(kept);
  }
  if (old_md.contains("deletionTimestamp")) {
    const json old_f = old_md.value("finalizers", json::array());
    for (const auto& f : md.value("finalizers", json::array()))
      if (std::find(old_f.begin(), old_f.end(), f) == old_f.end())
        return answer(status::invalid(k, old_md.value("name", ""), "metadata.finalizers",
                                      "FieldValueForbidden",
                                      "Forbidden: no new finalizers can be added if the object "
                                      "is being deleted, found new finalizers [" +
                                          f.get<std::string>() + "]"));
  }
  if (object == old) return answer(200, old);
  if (spec_part(object) != spec_part(old)) md["generation"] = old_md.value("generation", 0) + 1;
  md["resourceVersion"] = std::to_string(next_rv());
  json before = old;
  objects_[id] = object;
  record(k, id, "MODIFIED", object, std::move(before));
  if (md.contains("deletionTimestamp") && !has_finalizers(object)) return delete_now(k, id);
  return answer(200, object);
}

Answer KubeStore::patch(const KindInfo& k, const std::string& ns, const std::string& name,
                        const std::string& content_type, const std::string& body) {
  const bool merge = content_type == "application/merge-patch+json" ||
                     (content_type == "application/strategic-merge-patch+json" && k.builtin);
  if (!merge && content_type != "application/json-patch+json")
    return answer(status::unsupported_media_type());
  const json p = json::parse(body, nullptr, false);
  if (p.is_discarded()) return answer(status::bad_request("the patch is not valid JSON"));
  std::lock_guard<std::mutex> lk(mu_);
  const std::string id = key(k, ns, name);
  auto it = objects_.find(id);
  if (it == objects_.end()) return answer(status::not_found(k, name));
  json patched = it->second;
  try {
    if (merge)
      patched.merge_patch(p);
    else
      patched = patched.patch(p);
  } catch (const json::exception& e) {
    return answer(
        status::failure(422, "Invalid",
                        "the server rejected our request due to an error in our request: " +
                            std::string(e.what())));
  }
  // A resourceVersion the patch sets is a precondition, as in an update.
  const std::string rv = meta_string(patched, "resourceVersion");
  if (!rv.empty() && rv != meta_string(it->second, "resourceVersion"))
    return answer(status::conflict(k, name,
                                   "the object has been modified; please apply your changes to "
                                   "the latest version and try again"));
  return store_update(k, id, std::move(patched));
}

// With the lock held.
Answer KubeStore::delete_now(const KindInfo& k, const std::string& id) {
  json object = objects_.at(id);
  json before = object;
  meta(object)["resourceVersion"] = std::to_string(next_rv());
  objects_.erase(id);
  record(k, id, "DELETED", object, std::move(before));
  return answer(200, object);
}

void KubeStore::delete_namespace_contents(const std::string& ns) {
  std::vector<std::pair<const KindInfo*, std::string>> doomed;
  for (const auto& [id, o] : objects_)
    if (meta_string(o, "namespace") == ns)
      if (const KindInfo* k = kind_by_object(o.value("apiVersion", ""), o.value("kind", "")))
        if (k->namespaced) doomed.emplace_back(k, id);
  for (const auto& [k, id] : doomed) delete_now(*k, id);
}

Answer KubeStore::remove(const KindInfo& k, const std::string& ns, const std::string& name,
                         const json& options) {
  std::lock_guard<std::mutex> lk(mu_);
  const std::string id = key(k, ns, name);
  auto it = objects_.find(id);
  if (it == objects_.end()) return answer(status::not_found(k, name));
  const json pre = options.is_object() ? options.value("preconditions", json::object()) : json();
  if (pre.is_object()) {
    const std::string uid = pre.value("uid", ""), rv = pre.value("resourceVersion", "");
    const std::string have_uid = meta_string(it->second, "uid");
    const std::string have_rv = meta_string(it->second, "resourceVersion");
    if (!uid.empty() && uid != have_uid)
      return answer(status::conflict(k, name,
                                     "Precondition failed: UID in precondition: " + uid +
                                         ", UID in object meta: " + have_uid));
    if (!rv.empty() && rv != have_rv)
      return answer(status::conflict(k, name,
                                     "Precondition failed: ResourceVersion in precondition: " + rv +
                                         ", ResourceVersion in meta: " + have_rv));
  }
  if (k.resource == "namespaces" && k.group.empty()) delete_namespace_contents(name);
  if (!has_finalizers(it->second)) return delete_now(k, id);
  // Finalizers hold the object: it stays, marked, until they are all removed.
  if (meta_string(it->second, "deletionTimestamp").empty()) {
    json before = it->second;
    json& md = meta(it->second);
    md["deletionTimestamp"] = now_rfc3339();
    md["deletionGracePeriodSeconds"] = 0;
    md["resourceVersion"] = std::to_string(next_rv());
    record(k, id, "MODIFIED", it->second, std::move(before));
  }
  return answer(200, it->second);
}

// ---- watches and test controls

std::shared_ptr<WatchFeed> KubeStore::watch(const KindInfo& k, const std::string& ns,
                                            LabelSelector labels, FieldSelector fields,
                                            const std::string& resource_version, bool bookmarks) {
  auto f = std::make_shared<WatchFeed>();
  f->kind_ = &k;
  f->ns_ = ns;
  f->labels_ = std::move(labels);
  f->fields_ = std::move(fields);
  f->bookmarks_ = bookmarks;
  std::lock_guard<std::mutex> lk(mu_);
  if (resource_version.empty() || resource_version == "0") {
    // No version: the current objects first, as ADDED events, then every change.
    for (const auto& [id, o] : state_at(k, rv_))
      feed_event(*f, Event{rv_, id, &k, "ADDED", *o, nullptr});
  } else {
    const int64_t from = std::stoll(resource_version);
    if (from < compacted_) {
      const auto s = status::expired("too old resource version: " + resource_version + " (" +
                                     std::to_string(compacted_) + ")");
      status::Body line;
      line["type"] = "ERROR";
      line["object"] = s;
      f->push(line.dump() + "\n");
      f->close();
      return f;
    }
    for (const auto& e : history_)
      if (e.rv > from) feed_event(*f, e);
  }
  feeds_.push_back(f);
  return f;
}

std::string KubeStore::upsert(const json& object) {
  if (!object.is_object()) return "an object must be a JSON object";
  const std::string api = object.value("apiVersion", ""), kind = object.value("kind", "");
  const KindInfo* k = kind_by_object(api, kind);
  if (!k) return "unknown apiVersion/kind '" + api + "/" + kind + "'";
  const std::string name = meta_string(object, "name");
  if (name.empty()) return kind + " without metadata.name";
  const std::string ns = k->namespaced ? meta_string(object, "namespace") : "";
  if (k->namespaced && ns.empty()) return kind + " " + name + " without metadata.namespace";
  std::lock_guard<std::mutex> lk(mu_);
  if (k->namespaced && !objects_.count(key(*kind_by_resource("", "v1", "namespaces"), "", ns)))
    store_new(*kind_by_resource("", "v1", "namespaces"), "",
              json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  json o = object;
  meta(o).erase("resourceVersion");
  const std::string id = key(*k, ns, name);
  const Answer a =
      objects_.count(id) ? store_update(*k, id, std::move(o)) : store_new(*k, ns, std::move(o));
  return a.code < 300 ? "" : json::parse(a.body).value("message", "refused");
}

void KubeStore::compact() {
  std::lock_guard<std::mutex> lk(mu_);
  history_.clear();
  compacted_ = rv_;
}

void KubeStore::close_watches() {
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& f : feeds_) f->close();
  feeds_.clear();
}

void KubeStore::bookmark() {
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& f : feeds_) {
    if (!f->bookmarks_ || f->closed()) continue;
    json object = {{"kind", f->kind_->kind},
                   {"apiVersion", f->kind_->api_version()},
                   {"metadata", {{"resourceVersion", std::to_string(rv_)}}}};
    f->push(dump(json{{"type", "BOOKMARK"}, {"object", object}}) + "\n");
  }
}

}  // namespace hostadm::kubemock
