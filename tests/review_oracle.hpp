// What an AdmissionReview means, worked out the slow way from nlohmann's tree: the reference the
// webhook's reader (read_review, simdjson straight into AdmissionRequest) is held to, field by
// field and message by message, by core.review_reader and the fuzz target fuzz_review_decide.
#pragma once

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "webhook/core/admission.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::testing {

namespace oracle {

using nlohmann::json;

inline std::string describe(const json& v) {
  if (v.is_null()) return "null";
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return std::string(v.type_name()) + " " + text;
}

inline const json* find(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

inline JsonType type_of(const json& v) {
  if (v.is_object()) return JsonType::Object;
  if (v.is_array()) return JsonType::Array;
  if (v.is_string()) return JsonType::String;
  if (v.is_boolean()) return JsonType::Boolean;
  if (v.is_null()) return JsonType::Null;
  return JsonType::Number;
}

// The Host's fields and shape problems, in the order and words a user reads them.
inline HostObject host(const json* value, bool with_spec_json) {
  HostObject h;
  if (value == nullptr || value->is_null()) {
    h.type = value ? JsonType::Null : JsonType::Absent;
    h.problems.push_back("the object must be a JSON object, got null");
    return h;
  }
  h.type = type_of(*value);
  if (!value->is_object()) {
    h.problems.push_back("the object must be a JSON object, got " + describe(*value));
    return h;
  }
  auto object = [&](const json* parent, const char* key, const std::string& path) -> const json* {
    const json* v = parent ? find(*parent, key) : nullptr;
    if (v == nullptr || v->is_null()) return nullptr;
    if (v->is_object()) return v;
    h.problems.push_back(path + " must be an object, got " + describe(*v));
    return nullptr;
  };
  auto string = [&](const json* parent, const char* key, const std::string& path) {
    const json* v = parent ? find(*parent, key) : nullptr;
    if (v == nullptr || v->is_null()) return std::string();
    if (v->is_string()) return v->get<std::string>();
    h.problems.push_back(path + " must be a string, got " + describe(*v));
    return std::string();
  };
  const json* meta = object(value, "metadata", "metadata");
  if (meta) {
    h.shape.set(Container::Metadata);
    if (const json* n = find(*meta, "name"); n && n->is_string()) h.name = n->get<std::string>();
    if (const json* n = find(*meta, "generateName"); n && n->is_string())
      h.generate_name = n->get<std::string>();
    h.ns = string(meta, "namespace", "metadata.namespace");
    if (const json* ann = object(meta, "annotations", "metadata.annotations")) {
      for (const auto& [key, v] : ann->items()) {
        if (!v.is_string())
          h.problems.push_back("metadata.annotations['" + text::shown_in_message(key) +
                               "'] must be a string, got " + describe(v));
        if (v.is_null()) continue;
        Annotation a;
        a.key = key;
        a.type = type_of(v);
        if (v.is_string()) a.value = v.get<std::string>();
        a.empty_object = v.is_object() && v.empty();
        h.annotations.push_back(std::move(a));
      }
    }
    if (const json* refs = find(*meta, "ownerReferences"); refs && !refs->is_null()) {
      if (!refs->is_array()) {
        h.problems.push_back("metadata.ownerReferences must be a list, got " + describe(*refs));
      } else {
        h.shape.set(Container::OwnerReferences);
        for (const auto& r : *refs) {
          if (!r.is_object()) continue;
          OwnerReference o;
          if (const json* uid = find(r, "uid"); uid && uid->is_string())
            o.uid = uid->get<std::string>();
          if (const json* c = find(r, "controller"); c && *c == true) o.controller = true;
          h.owner_references.push_back(std::move(o));
        }
      }
    }
    const json* ts = find(*meta, "deletionTimestamp");
    h.deleting = ts && !ts->is_null() && !(ts->is_string() && ts->get<std::string>().empty());
  }
  const json* spec = object(value, "spec", "spec");
  if (spec) h.shape.set(Container::Spec);
  const json* provider = object(spec, "provider", "spec.provider");
  if (provider) h.shape.set(Container::Provider);
  h.spec.provider.name = string(provider, "name", "spec.provider.name");
  h.spec.provider.ns = string(provider, "namespace", "spec.provider.namespace");
  h.spec.id = string(spec, "id", "spec.id");
  h.spec.name = string(spec, "name", "spec.name");
  h.spec.ip_address = string(spec, "ipAddress", "spec.ipAddress");
  const json* secret = object(spec, "secret", "spec.secret");
  if (secret) h.shape.set(Container::Secret);
  h.spec.secret.name = string(secret, "name", "spec.secret.name");
  h.spec.secret.ns = string(secret, "namespace", "spec.secret.namespace");
  if (with_spec_json) {
    const json* s = find(*value, "spec");
    const bool unset = s == nullptr || s->is_null() ||
                       (s->is_string() && s->get<std::string>().empty()) ||
                       (s->is_object() && s->empty());
    h.spec_json = unset ? "" : s->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return h;
}

inline std::string string_field(const json& obj, const char* key, const std::string& where) {
  const json* v = find(obj, key);
  if (v == nullptr || v->is_null()) return "";
  if (!v->is_string())
    throw ReviewError(where + "." + key + " must be a string, got " + v->type_name());
  return v->get<std::string>();
}

inline const json* object_field(const json& obj, const char* key, const std::string& where) {
  const json* v = find(obj, key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_object())
    throw ReviewError(where + "." + key + " must be an object, got " + v->type_name());
  return v;
}

}  // namespace oracle

// The request read from nlohmann's tree of the review: throws ReviewError with read_review's
// message for a review that is not usable.
inline AdmissionRequest oracle_request(const nlohmann::json& review) {
  using namespace oracle;
  if (!review.is_object())
    throw ReviewError(std::string("the AdmissionReview must be a JSON object, got ") +
                      review.type_name());
  AdmissionRequest req;
  if (auto v = string_field(review, "apiVersion", "AdmissionReview"); !v.empty()) {
    if (v != "admission.k8s.io/v1" && v != "admission.k8s.io/v1beta1")
      throw ReviewError("AdmissionReview apiVersion '" + v +
                        "' is not supported: send admission.k8s.io/v1 (or v1beta1)");
    req.api_version = v;
  }
  if (auto k = string_field(review, "kind", "AdmissionReview");
      !k.empty() && k != "AdmissionReview")
    throw ReviewError("kind '" + k + "' is not an AdmissionReview: send kind AdmissionReview");
  const json* r = find(review, "request");
  if (r == nullptr || r->is_null())
    throw ReviewError("the AdmissionReview has no 'request': send {\"request\": {\"uid\": ...}}");
  if (!r->is_object())
    throw ReviewError(std::string("AdmissionReview.request must be an object, got ") +
                      r->type_name());
  req.uid = string_field(*r, "uid", "request");
  if (req.uid.empty())
    throw ReviewError("request.uid is missing or empty: the response must echo it");
  if (const json* res = object_field(*r, "resource", "request")) {
    req.resource.group = string_field(*res, "group", "request.resource");
    req.resource.version = string_field(*res, "version", "request.resource");
    req.resource.resource = string_field(*res, "resource", "request.resource");
  }
  if (const json* kind = object_field(*r, "kind", "request")) {
    req.kind_group = string_field(*kind, "group", "request.kind");
    req.kind_version = string_field(*kind, "version", "request.kind");
    req.kind_kind = string_field(*kind, "kind", "request.kind");
  }
  req.sub_resource = string_field(*r, "subResource", "request");
  req.name = string_field(*r, "name", "request");
  req.ns = string_field(*r, "namespace", "request");
  req.operation = string_field(*r, "operation", "request");
  if (const json* dry = find(*r, "dryRun"); dry && !dry->is_null()) {
    if (!dry->is_boolean())
      throw ReviewError(std::string("request.dryRun must be a boolean, got ") + dry->type_name());
    req.dry_run = dry->get<bool>();
  }
  if (const json* ui = find(*r, "userInfo"); ui && ui->is_object())
    if (const json* u = find(*ui, "username"); u && u->is_string())
      req.username = u->get<std::string>();
  const json* object = find(*r, "object");
  const json* old_object = find(*r, "oldObject");
  const bool both = object && old_object && object->is_object() && old_object->is_object();
  req.object = oracle::host(object, both);
  req.old_object = oracle::host(old_object, both);
  return req;
}

// What the server's reader keeps when told the one annotation its rules read (read_review's
// kept_annotation): the request oracle_request reads, without the other annotations.
inline AdmissionRequest oracle_request(const nlohmann::json& review,
                                       const std::string& kept_annotation) {
  AdmissionRequest req = oracle_request(review);
  for (HostObject* h : {&req.object, &req.old_object}) {
    auto& a = h->annotations;
    a.erase(std::remove_if(a.begin(), a.end(),
                           [&](const Annotation& x) { return x.key != kept_annotation; }),
            a.end());
  }
  return req;
}

// "" when the two read alike, else the first field that differs.
inline std::string host_difference(const HostObject& a, const HostObject& b) {
  auto annotations_equal = [](const std::vector<Annotation>& x, const std::vector<Annotation>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].key != y[i].key || x[i].value != y[i].value || x[i].type != y[i].type ||
          x[i].empty_object != y[i].empty_object)
        return false;
    return true;
  };
  auto owners_equal = [](const std::vector<OwnerReference>& x,
                         const std::vector<OwnerReference>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].uid != y[i].uid || x[i].controller != y[i].controller) return false;
    return true;
  };
  // spec_json: the same value, whatever the text (the reader's numbers are its own).
  auto same_spec = [](const std::string& x, const std::string& y) {
    if (x.empty() || y.empty()) return x.empty() && y.empty();
    return nlohmann::json::parse(x) == nlohmann::json::parse(y);
  };
  for (int c = 0; c < static_cast<int>(kContainerCount); ++c)
    if (a.shape.has[c] != b.shape.has[c]) return "shape " + std::to_string(c);
  if (a.type != b.type) return "type";
  if (a.name != b.name) return "metadata.name";
  if (a.generate_name != b.generate_name) return "metadata.generateName";
  if (a.ns != b.ns) return "metadata.namespace";
  if (!annotations_equal(a.annotations, b.annotations)) return "metadata.annotations";
  if (!owners_equal(a.owner_references, b.owner_references)) return "metadata.ownerReferences";
  if (a.deleting != b.deleting) return "metadata.deletionTimestamp";
  if (!(a.spec.provider == b.spec.provider)) return "spec.provider";
  if (a.spec.id != b.spec.id) return "spec.id";
  if (a.spec.name != b.spec.name) return "spec.name";
  if (a.spec.ip_address != b.spec.ip_address) return "spec.ipAddress";
  if (!(a.spec.secret == b.spec.secret)) return "spec.secret";
  if (!same_spec(a.spec_json, b.spec_json))
    return "spec (" + a.spec_json + " vs " + b.spec_json + ")";
  if (a.problems != b.problems)
    return "problems: '" + text::join(a.problems, "' '") + "' vs '" +
           text::join(b.problems, "' '") + "'";
  return "";
}

inline std::string request_difference(const AdmissionRequest& a, const AdmissionRequest& b) {
  auto differ = [](const std::string& what, const auto& x, const auto& y) -> std::string {
    return x == y ? "" : what;
  };
  for (const std::string& d :
       {differ("apiVersion", a.api_version, b.api_version), differ("kind", a.kind, b.kind),
        differ("uid", a.uid, b.uid), differ("resource.group", a.resource.group, b.resource.group),
        differ("resource.version", a.resource.version, b.resource.version),
        differ("resource.resource", a.resource.resource, b.resource.resource),
        differ("subResource", a.sub_resource, b.sub_resource),
        differ("kind.group", a.kind_group, b.kind_group),
        differ("kind.version", a.kind_version, b.kind_version),
        differ("kind.kind", a.kind_kind, b.kind_kind), differ("name", a.name, b.name),
        differ("namespace", a.ns, b.ns), differ("operation", a.operation, b.operation),
        differ("dryRun", a.dry_run, b.dry_run),
        differ("userInfo.username", a.username, b.username)}) {
    if (!d.empty()) return d;
  }
  if (auto d = host_difference(a.object, b.object); !d.empty()) return "object " + d;
  if (auto d = host_difference(a.old_object, b.old_object); !d.empty()) return "oldObject " + d;
  return "";
}

}  // namespace hostadm::testing
