#include "webhook/core/host_fields.hpp"

#include "webhook/core/decision.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {

using nlohmann::json;

namespace detail {

bool unset(const json* v) {
  return v == nullptr || v->is_null() ||
         (v->is_string() && v->get_ref<const std::string&>().empty()) ||
         (v->is_object() && v->empty());
}

const json* find(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

namespace {

// Collects every wrong-typed field so a user fixes them all in one round.
class ShapeCheck {
 public:
  std::vector<std::string> problems;

  const json* object(const json& parent, const char* key, const std::string& path) {
    const json* v = find(parent, key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_object()) {
      problems.push_back(path + " must be an object, got " + describe(*v));
      return nullptr;
    }
    return v;
  }

  std::string string(const json* parent, const char* key, const std::string& path) {
    if (parent == nullptr) return "";
    const json* v = find(*parent, key);
    if (v == nullptr || v->is_null()) return "";
    if (!v->is_string()) {
      problems.push_back(path + " must be a string, got " + describe(*v));
      return "";
    }
    return v->get<std::string>();
  }

  static std::string describe(const json& v) {
    if (v.is_null()) return "null";
    std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return std::string(v.type_name()) + " " + text;
  }
};

}  // namespace

std::string object_namespace(const json& object) {
  const json* meta = find(object, "metadata");
  const json* ns = meta ? find(*meta, "namespace") : nullptr;
  if (ns && ns->is_string()) return ns->get<std::string>();
  return "";
}

std::optional<HostFields> read_host(const json& object, const std::string& ns,
                                    const std::string& annotation, std::string& problem) {
  if (!object.is_object()) {
    problem = "the object must be a JSON object, got " + ShapeCheck::describe(object) +
              "; send a Host manifest";
    return std::nullopt;
  }
  ShapeCheck check;
  HostFields h;
  h.ns = ns;
  const json* meta = check.object(object, "metadata", "metadata");
  check.string(meta, "namespace", "metadata.namespace");
  if (const json* ann =
          meta ? check.object(*meta, "annotations", "metadata.annotations") : nullptr) {
    for (const auto& [key, value] : ann->items()) {
      if (!value.is_string())
        check.problems.push_back("metadata.annotations['" + text::shown_in_message(key) +
                                 "'] must be a string, got " + ShapeCheck::describe(value));
    }
    // The loop above already reported a non-string adapter annotation, under its key.
    if (auto it = ann->find(annotation); it != ann->end() && it->is_string())
      h.adapter = it->get<std::string>();
  }
  if (const json* refs = meta ? find(*meta, "ownerReferences") : nullptr;
      refs && !refs->is_null()) {
    if (!refs->is_array()) {
      check.problems.push_back("metadata.ownerReferences must be a list, got " +
                               ShapeCheck::describe(*refs));
    } else {
      for (const auto& r : *refs) {
        if (!r.is_object()) continue;
        if (auto uid = r.find("uid"); uid != r.end() && uid->is_string())
          h.owner_uids.push_back(uid->get<std::string>());
        if (auto c = r.find("controller"); c != r.end() && *c == true)
          h.has_controller_owner = true;
      }
    }
  }
  const json* spec = check.object(object, "spec", "spec");
  h.spec_present = spec != nullptr;
  const json* provider = spec ? check.object(*spec, "provider", "spec.provider") : nullptr;
  h.provider_present = !unset(provider);
  h.provider_name = check.string(provider, "name", "spec.provider.name");
  h.provider_ns = check.string(provider, "namespace", "spec.provider.namespace");
  h.id = check.string(spec, "id", "spec.id");
  h.name = check.string(spec, "name", "spec.name");
  h.ip = check.string(spec, "ipAddress", "spec.ipAddress");
  const json* secret = spec ? check.object(*spec, "secret", "spec.secret") : nullptr;
  h.secret_present = !unset(secret);
  h.secret_name = check.string(secret, "name", "spec.secret.name");
  h.secret_ns = check.string(secret, "namespace", "spec.secret.namespace");
  if (!check.problems.empty()) {
    problem = text::join(check.problems) + "; fix " +
              (check.problems.size() == 1 ? "this field" : "these fields") + " in the manifest";
    return std::nullopt;
  }
  return h;
}

}  // namespace detail

using detail::find;
using detail::unset;

json decision_view(const json& object) {
  if (!object.is_object()) return object;
  json out = json::object();
  for (const char* key : kObjectKeysRead) {
    auto it = object.find(key);
    if (it != object.end()) out[key] = *it;
  }
  auto meta = out.find("metadata");
  if (meta == out.end() || !meta->is_object()) return out;
  json kept = json::object();
  for (const char* key : kMetadataKeysRead) {
    auto it = meta->find(key);
    if (it != meta->end()) kept[key] = std::move(*it);
  }
  *meta = std::move(kept);
  return out;
}

std::vector<std::string> missing_required_fields(const json& host) {
  std::vector<std::string> out;
  const json* spec = find(host, "spec");
  for (const char* key : {"ipAddress", "provider", "secret"}) {
    const json* v = spec && spec->is_object() ? find(*spec, key) : nullptr;
    if (unset(v)) out.push_back(std::string("/spec/") + key);
  }
  return out;
}

}  // namespace hostadm
