#include "webhook/core/host_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "webhook/core/dom_fields.hpp"
#include "webhook/core/json_document.hpp"
#include "webhook/core/json_write.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {
namespace {

namespace dom = simdjson::dom;
using detail::dom_fields;
using detail::is_null;
using detail::set_text;
using detail::unblanked;

JsonType type_of(dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT:
      return JsonType::Object;
    case dom::element_type::ARRAY:
      return JsonType::Array;
    case dom::element_type::STRING:
      return JsonType::String;
    case dom::element_type::BOOL:
      return JsonType::Boolean;
    case dom::element_type::NULL_VALUE:
      return JsonType::Null;
    default:
      return JsonType::Number;
  }
}

bool is_string(const dom::element* e) {
  return e != nullptr && e->type() == dom::element_type::STRING;
}

// Calls visit(key, value) for an object's members sorted by key, the last of a duplicate key
// kept: the order and the values nlohmann's std::map gives, without building one. Objects from
// the apiserver come sorted and unique (Go writes maps that way), so the common case only checks
// that, and sorts nothing.
template <class Visit>
void for_each_sorted(dom::object object, Visit visit) {
  bool in_order = true;
  std::string_view previous;
  bool first = true;
  for (dom::key_value_pair m : object) {
    if (!first && !(previous < m.key)) {
      in_order = false;
      break;
    }
    previous = m.key;
    first = false;
  }
  if (in_order) {
    for (dom::key_value_pair m : object) visit(m.key, m.value);
    return;
  }
  std::vector<std::pair<std::string_view, dom::element>> members;
  members.reserve(object.size());
  for (dom::key_value_pair m : object) members.emplace_back(m.key, m.value);
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < members.size(); ++i)
    if (i + 1 == members.size() || members[i + 1].first != members[i].first)
      visit(members[i].first, members[i].second);
}

// The canonical text HostObject::spec_json compares: compact, keys sorted, numbers as their
// values (an integer's digits, a double's 17 significant digits).
void write_canonical(std::string& out, dom::element v, bool blanked) {
  switch (v.type()) {
    case dom::element_type::OBJECT: {
      out += '{';
      bool first = true;
      for_each_sorted(dom::object(v), [&](std::string_view key, dom::element value) {
        if (!first) out += ',';
        first = false;
        json_write::append_string(out, unblanked(key, blanked), json_write::InvalidUtf8::Replace);
        out += ':';
        write_canonical(out, value, blanked);
      });
      out += '}';
      return;
    }
    case dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      for (dom::element item : dom::array(v)) {
        if (!first) out += ',';
        first = false;
        write_canonical(out, item, blanked);
      }
      out += ']';
      return;
    }
    case dom::element_type::STRING:
      json_write::append_string(out, unblanked(std::string_view(v), blanked),
                                json_write::InvalidUtf8::Replace);
      return;
    case dom::element_type::INT64:
      out += std::to_string(int64_t(v));
      return;
    case dom::element_type::UINT64:
      out += std::to_string(uint64_t(v));
      return;
    case dom::element_type::DOUBLE: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", double(v));
      out += buf;
      return;
    }
    case dom::element_type::BOOL:
      out += bool(v) ? "true" : "false";
      return;
    case dom::element_type::NULL_VALUE:
      out += "null";
      return;
  }
}

// Absent, null, "" and {} are all "no spec", so a stored `spec: {}` and an omitted one match.
std::string spec_text(const dom::element* spec, bool blanked) {
  if (is_null(spec)) return "";
  if (spec->type() == dom::element_type::STRING && std::string_view(*spec).empty()) return "";
  if (spec->type() == dom::element_type::OBJECT && dom::object(*spec).size() == 0) return "";
  std::string out;
  write_canonical(out, *spec, blanked);
  return out;
}

class HostReader {
 public:
  HostReader(HostObject& out, const std::string* kept_annotation, bool blanked)
      : out_(out), kept_annotation_(kept_annotation), blanked_(blanked) {}

  void read(dom::element object, bool with_spec_json) {
    static constexpr std::string_view kKeys[] = {"metadata", "spec"};
    const auto f = dom_fields(dom::object(object), kKeys);
    read_metadata(f[0]);
    read_spec(f[1]);
    if (with_spec_json) out_.spec_json = spec_text(f[1], blanked_);
  }

 private:
  void problem(std::string text) { out_.problems.push_back(std::move(text)); }

  // A member that must be an object when set; nullptr when unset or wrongly typed (reported).
  const dom::element* object_member(const dom::element* e, const char* path) {
    if (is_null(e)) return nullptr;
    if (e->type() == dom::element_type::OBJECT) return e;
    problem(std::string(path) + " must be an object, got " + describe_json(*e));
    return nullptr;
  }

  // `to` = the string `e` holds.
  void assign(std::string& to, const dom::element& e) {
    set_text(to, unblanked(std::string_view(e), blanked_));
  }

  // A member that must be a string when set; left "" when unset or wrongly typed (reported).
  void string_member(const dom::element* e, const char* path, std::string& to) {
    if (is_null(e)) return;
    if (e->type() == dom::element_type::STRING) return assign(to, *e);
    problem(std::string(path) + " must be a string, got " + describe_json(*e));
  }

  void read_metadata(const dom::element* value) {
    const dom::element* meta = object_member(value, "metadata");
    if (!meta) return;
    out_.shape.set(Container::Metadata);
    static constexpr std::string_view kKeys[] = {
        "name", "generateName", "namespace", "annotations", "ownerReferences", "deletionTimestamp"};
    const auto f = dom_fields(dom::object(*meta), kKeys);
    if (is_string(f[0])) assign(out_.name, *f[0]);
    if (is_string(f[1])) assign(out_.generate_name, *f[1]);
    string_member(f[2], "metadata.namespace", out_.ns);
    read_annotations(f[3]);
    read_owner_references(f[4]);
    const dom::element* ts = f[5];
    out_.deleting = !is_null(ts) && !(is_string(ts) && std::string_view(*ts).empty());
  }

  void read_annotations(const dom::element* value) {
    const dom::element* annotations = object_member(value, "metadata.annotations");
    if (!annotations) return;
    const dom::object members(*annotations);
    if (!kept_annotation_) out_.annotations.reserve(members.size());
    for_each_sorted(members, [&](std::string_view key, dom::element v) {
      key = unblanked(key, blanked_);
      if (v.type() != dom::element_type::STRING)
        problem("metadata.annotations['" + text::shown_in_message(std::string(key)) +
                "'] must be a string, got " + describe_json(v));
      if (v.type() == dom::element_type::NULL_VALUE) return;
      if (kept_annotation_ && key != *kept_annotation_) return;
      Annotation& a = out_.annotations.emplace_back();
      set_text(a.key, key);
      a.type = type_of(v);
      if (a.type == JsonType::String) assign(a.value, v);
      a.empty_object = a.type == JsonType::Object && dom::object(v).size() == 0;
    });
  }

  void read_owner_references(const dom::element* refs) {
    if (is_null(refs)) return;
    if (refs->type() != dom::element_type::ARRAY) {
      problem("metadata.ownerReferences must be a list, got " + describe_json(*refs));
      return;
    }
    out_.shape.set(Container::OwnerReferences);
    static constexpr std::string_view kKeys[] = {"uid", "controller"};
    for (dom::element ref : dom::array(*refs)) {
      if (ref.type() != dom::element_type::OBJECT) continue;
      const auto f = dom_fields(dom::object(ref), kKeys);
      OwnerReference r;
      if (is_string(f[0])) assign(r.uid, *f[0]);
      r.controller = f[1] && f[1]->type() == dom::element_type::BOOL && bool(*f[1]);
      out_.owner_references.push_back(std::move(r));
    }
  }

  // provider and secret: {name, namespace}
  void read_ref(const dom::element* value, Container container, const char* path,
                const char* name_path, const char* ns_path, ObjectRef& ref) {
    const dom::element* obj = object_member(value, path);
    if (!obj) return;
    out_.shape.set(container);
    static constexpr std::string_view kKeys[] = {"name", "namespace"};
    const auto f = dom_fields(dom::object(*obj), kKeys);
    string_member(f[0], name_path, ref.name);
    string_member(f[1], ns_path, ref.ns);
  }

  void read_spec(const dom::element* value) {
    const dom::element* spec = object_member(value, "spec");
    if (!spec) return;
    out_.shape.set(Container::Spec);
    static constexpr std::string_view kKeys[] = {"provider", "id", "name", "ipAddress", "secret"};
    const auto f = dom_fields(dom::object(*spec), kKeys);
    HostObject::Spec& s = out_.spec;
    read_ref(f[0], Container::Provider, "spec.provider", "spec.provider.name",
             "spec.provider.namespace", s.provider);
    string_member(f[1], "spec.id", s.id);
    string_member(f[2], "spec.name", s.name);
    string_member(f[3], "spec.ipAddress", s.ip_address);
    read_ref(f[4], Container::Secret, "spec.secret", "spec.secret.name", "spec.secret.namespace",
             s.secret);
  }

  HostObject& out_;
  const std::string* kept_annotation_;  // nullptr: every annotation
  const bool blanked_;
};

}  // namespace

void read_host_object(const dom::element* value, bool with_spec_json, HostObject& out,
                      const std::string* kept_annotation, bool blanked) {
  if (is_null(value)) {
    out.type = value ? JsonType::Null : JsonType::Absent;
    out.problems.push_back("the object must be a JSON object, got null");
    return;
  }
  out.type = type_of(*value);
  if (out.type != JsonType::Object) {
    out.problems.push_back("the object must be a JSON object, got " + describe_json(*value));
    return;
  }
  HostReader(out, kept_annotation, blanked).read(*value, with_spec_json);
}

HostObject read_host_object(std::string_view json) {
  const JsonDocument doc(json);
  const dom::element root = doc.root();
  HostObject out;
  read_host_object(&root, /*with_spec_json=*/true, out);
  return out;
}

}  // namespace hostadm
