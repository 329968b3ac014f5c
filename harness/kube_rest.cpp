#include "harness/kube_rest.hpp"

#include <fstream>
#include <sstream>

#include "harness/kube_status.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::kubemock {

using nlohmann::json;

namespace {

constexpr size_t kMaxLoggedRequests = 100000;

KubeResponse status_response(const status::Body& s) {
  KubeResponse out;
  out.status = s.value("code", 500);
  out.body = s.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

KubeResponse from_answer(const Answer& a) {
  KubeResponse out;
  out.status = a.code;
  out.body = a.body;
  return out;
}

std::string query_value(const KubeRequest& r, const char* key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? "" : it->second;
}

bool is_true(const std::string& v) {
  return v == "1" || v == "true";
}

bool digits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
}

// The answer a status fault gives, with the body the API server would write for that code.
KubeResponse fault_answer(const FaultHit& hit, const KindInfo* k, const std::string& verb,
                          const std::string& ns, const std::string& name, const std::string& user) {
  KubeResponse out;
  const int retry_after = hit.retry_after >= 0 ? hit.retry_after : hit.status == 429 ? 1 : -1;
  if (hit.text_body) {
    out.status = hit.status;
    out.content_type = "text/plain; charset=utf-8";
    out.body = hit.status == 429 ? "Too many requests, please try again later.\n"
                                 : "injected fault " + std::to_string(hit.status) + "\n";
  } else if (hit.status == 403 && k) {
    out = status_response(status::forbidden(*k, name, user, verb, ns));
  } else if (hit.status == 404 && k) {
    out = status_response(status::not_found(*k, name));
  } else if (hit.status == 409 && k) {
    out = status_response(status::conflict(
        *k, name,
        "the object has been modified; please apply your changes to the latest version and try "
        "again"));
  } else if (hit.status == 410) {
    out = status_response(status::expired("too old resource version"));
  } else if (hit.status == 429) {
    out = status_response(status::too_many_requests(retry_after));
  } else {
    out = status_response(status::for_code(hit.status, "injected by host-harness serve-kube"));
  }
  if (retry_after >= 0) out.headers["Retry-After"] = std::to_string(retry_after);
  return out;
}

bool json_content(const std::string& content_type) {
  const std::string t = std::string(text::trim(content_type.substr(0, content_type.find(';'))));
  return t.empty() || t == "application/json";
}

}  // namespace

std::string verb_of(const std::string& method, bool has_name, bool watch) {
  if (method == "GET") return watch ? "watch" : has_name ? "get" : "list";
  if (method == "POST") return has_name ? "" : "create";
  if (method == "PUT") return has_name ? "update" : "";
  if (method == "PATCH") return has_name ? "patch" : "";
  if (method == "DELETE") return has_name ? "delete" : "deletecollection";
  return "";
}

KubeApi::KubeApi(KubeApiOptions options) : options_(std::move(options)), store_(options_.history) {}

bool KubeApi::authenticated(const std::string& authorization) {
  if (options_.tokens.empty() && options_.token_file.empty()) return true;
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.compare(0, kBearer.size(), kBearer) != 0) return false;
  const std::string token = authorization.substr(kBearer.size());
  if (token.empty()) return false;
  for (const auto& t : options_.tokens)
    if (token == t) return true;
  if (options_.token_file.empty()) return false;
  // The file is read again whenever it changes: a test rotates the token by rewriting it.
  std::lock_guard<std::mutex> lk(mu_);
  const FileStamp now = FileStamp::of(options_.token_file);
  if (now != token_stamp_) {
    std::ifstream in(options_.token_file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    file_token_ = std::string(text::trim(ss.str()));
    token_stamp_ = now;
  }
  return !file_token_.empty() && token == file_token_;
}

void KubeApi::record(const std::string& verb, const std::string& resource, const std::string& ns,
                     const std::string& name, const KubeRequest& r, int code) {
  std::string query;
  for (const auto& [k, v] : r.query) query += (query.empty() ? "" : "&") + k + "=" + v;
  std::lock_guard<std::mutex> lk(mu_);
  if (log_.size() >= kMaxLoggedRequests) return;
  log_.push_back({{"verb", verb},
                  {"resource", resource},
                  {"namespace", ns},
                  {"name", name},
                  {"method", r.method},
                  {"path", r.path},
                  {"query", query},
                  {"code", code}});
}

json KubeApi::requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  return log_;
}

void KubeApi::reset_requests() {
  std::lock_guard<std::mutex> lk(mu_);
  log_ = json::array();
}

KubeResponse KubeApi::handle(const KubeRequest& r) {
  const ApiPath p = parse_api_path(r.path);
  const bool watch = is_true(query_value(r, "watch"));
  const std::string verb = verb_of(r.method, !p.name.empty(), watch);
  const std::string resource = p.kind ? p.kind->resource : "";
  const FaultHit hit = faults_.hit(verb, resource, p.ns, p.name);
  KubeResponse out;
  if (hit.drop) {
    out.drop = true;
  } else if (!authenticated(r.authorization)) {
    out = status_response(status::unauthorized());
  } else if (hit.status != 0) {
    out = fault_answer(hit, p.kind, verb, p.ns, p.name, options_.user);
  } else if (!p.kind || !p.subresource.empty() ||
             (p.kind->namespaced && !p.name.empty() && p.ns.empty())) {
    out = status_response(status::no_such_resource());
  } else if (verb.empty() || verb == "deletecollection") {
    out = status_response(status::method_not_supported(*p.kind, verb.empty() ? r.method : verb));
  } else {
    out = serve(r, *p.kind, verb, p.ns, p.name);
  }
  out.delay = std::chrono::milliseconds(hit.latency_ms);
  record(verb, resource, p.ns, p.name, r, out.drop ? 0 : out.status);
  return out;
}

KubeResponse KubeApi::serve(const KubeRequest& r, const KindInfo& k, const std::string& verb,
                            const std::string& ns, const std::string& name) {
  if (verb == "get") return from_answer(store_.get(k, ns, name));
  if (verb == "watch") return serve_watch(r, k, ns, name);
  if (verb == "list") {
    ListQuery q;
    try {
      q.labels = LabelSelector::parse(query_value(r, "labelSelector"));
      q.fields = FieldSelector::parse(query_value(r, "fieldSelector"), k.qualified());
    } catch (const SelectorError& e) {
      return status_response(status::bad_request(e.what()));
    }
    const std::string limit = query_value(r, "limit");
    if (!limit.empty() && !digits(limit))
      return status_response(status::bad_request("limit must be a non-negative integer"));
    q.limit = limit.empty() ? 0 : std::stoll(limit);
    q.continue_token = query_value(r, "continue");
    return from_answer(store_.list(k, ns, q));
  }
  if (verb == "patch") return from_answer(store_.patch(k, ns, name, r.content_type, r.body));
  if ((verb == "create" || verb == "update") && !json_content(r.content_type))
    return status_response(status::failure(415, "UnsupportedMediaType",
                                           "the body of the request was in an unknown format - "
                                           "accepted media types include: application/json"));
  json body = r.body.empty() ? json() : json::parse(r.body, nullptr, false);
  if (body.is_discarded())
    return status_response(status::bad_request("the body of the request is not valid JSON"));
  if (verb == "create") return from_answer(store_.create(k, ns, std::move(body)));
  if (verb == "update") return from_answer(store_.update(k, ns, name, std::move(body)));
  return from_answer(store_.remove(k, ns, name, body));
}

KubeResponse KubeApi::serve_watch(const KubeRequest& r, const KindInfo& k, const std::string& ns,
                                  const std::string& name) {
  LabelSelector labels;
  FieldSelector fields;
  // A watch of one object's path (.../secrets/NAME?watch=1) is a watch of its collection with
  // metadata.name=NAME, as the API server reads it.
  std::string field_selector = query_value(r, "fieldSelector");
  if (!name.empty())
    field_selector += (field_selector.empty() ? "" : ",") + std::string("metadata.name=") + name;
  try {
    labels = LabelSelector::parse(query_value(r, "labelSelector"));
    fields = FieldSelector::parse(field_selector, k.qualified());
  } catch (const SelectorError& e) {
    return status_response(status::bad_request(e.what()));
  }
  const std::string rv = query_value(r, "resourceVersion");
  if (!rv.empty() && !digits(rv))
    return status_response(status::bad_request("invalid resource version \"" + rv + "\""));
  const std::string timeout = query_value(r, "timeoutSeconds");
  if (!timeout.empty() && !digits(timeout))
    return status_response(status::bad_request("timeoutSeconds must be a non-negative integer"));
  KubeResponse out;
  out.watch = store_.watch(k, ns, std::move(labels), std::move(fields), rv,
                           is_true(query_value(r, "allowWatchBookmarks")));
  out.watch_timeout_seconds = timeout.empty() ? 0 : std::stoi(timeout);
  return out;
}

}  // namespace hostadm::kubemock
