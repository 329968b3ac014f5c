// The fixture's cluster keys (secrets, clusterHosts, endpoints, namespaces), checked key by key.
#include "webhook/core/fixture_cluster.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "webhook/core/document_error.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {

using nlohmann::json;

namespace {

// One map of a cluster list: its pointer, what it is called in messages, and its accepted keys.
class Entry {
 public:
  Entry(const json& value, std::string pointer, const char* what,
        const std::vector<std::string>& accepted)
      : value_(value), pointer_(std::move(pointer)), what_(what) {
    if (!value.is_object())
      throw DocumentError(
          pointer_, std::string("a ") + what + " must be a map {" + text::join(accepted) + "}");
    check_fixture_keys(value, pointer_, what, accepted);
  }

  // A string; `required` ones must be non-empty.
  std::string text(const char* key, bool required, std::string dflt = "") const {
    const json* v = find(key);
    if (v == nullptr) {
      if (required) throw at(key, std::string("needs `") + key + "` (a non-empty string)");
      return dflt;
    }
    if (!v->is_string() || (required && v->get_ref<const std::string&>().empty()))
      throw at(key, std::string("`") + key + "` must be a non-empty string");
    return v->get<std::string>();
  }

  bool flag(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) return false;
    if (!v->is_boolean()) throw at(key, std::string("`") + key + "` must be true or false");
    return v->get<bool>();
  }

  std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> out;
    const json* v = find(key);
    if (v == nullptr) return out;
    if (!v->is_array()) throw at(key, std::string("`") + key + "` must be a list of names");
    for (const auto& item : *v) {
      if (!item.is_string())
        throw at(key, std::string("`") + key + "` must be a list of names (strings)");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  Labels labels(const char* key) const {
    Labels out;
    const json* v = find(key);
    if (v == nullptr) return out;
    if (!v->is_object()) throw at(key, std::string("`") + key + "` must be a map of strings");
    for (const auto& [name, value] : v->items()) {
      if (!value.is_string())
        throw DocumentError(text::json_pointer_child(pointer_ + "/" + key, name),
                            "label values are strings: quote " + name + "'s value");
      out.emplace(name, value.get<std::string>());
    }
    return out;
  }

  DocumentError at(const char* key, const std::string& message) const {
    return DocumentError(text::json_pointer_child(pointer_, key),
                         std::string(what_) + " " + message);
  }

 private:
  const json* find(const char* key) const {
    auto it = value_.find(key);
    return it == value_.end() || it->is_null() ? nullptr : &*it;
  }

  const json& value_;
  std::string pointer_;
  const char* what_;
};

// Calls `read(entry, pointer)` for each item of the list at `key`, if there is one.
template <typename Read>
void each(const json& doc, const char* key, Read read) {
  auto list = doc.find(key);
  if (list == doc.end() || list->is_null()) return;
  const std::string pointer = std::string("/") + key;
  if (!list->is_array()) throw DocumentError(pointer, std::string("`") + key + "` must be a list");
  for (size_t i = 0; i < list->size(); ++i) read((*list)[i], pointer + "/" + std::to_string(i));
}

// Each (namespace, name) once: two entries for one object would leave the answer to chance.
void check_unique(std::set<std::string>& seen, const std::string& key, const std::string& pointer,
                  const std::string& what) {
  if (!seen.insert(key).second)
    throw DocumentError(pointer, "duplicate " + what + " " + key + "; list each one once");
}

}  // namespace

void check_fixture_keys(const json& obj, const std::string& pointer, const char* what,
                        const std::vector<std::string>& accepted) {
  for (const auto& [key, value] : obj.items()) {
    (void)value;
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end())
      throw DocumentError(
          text::json_pointer_child(pointer, key),
          "unknown key '" + key + "' in " + what + "; accepted: " + text::join(accepted));
  }
}

ClusterFacts parse_cluster_facts(const json& doc) {
  ClusterFacts out;
  if (!doc.is_object()) return out;
  std::set<std::string> seen;
  each(doc, "secrets", [&](const json& v, const std::string& ptr) {
    Entry e(v, ptr, "secret", {"namespace", "name", "keys", "insecureSkipVerify", "unreadable"});
    FixtureSecret s;
    s.ns = e.text("namespace", false, "default");
    s.name = e.text("name", true);
    s.keys = e.strings("keys");
    s.insecure_skip_verify = e.flag("insecureSkipVerify");
    s.unreadable = e.text("unreadable", false);
    check_unique(seen, s.ns + "/" + s.name, ptr + "/name", "secret");
    out.secrets.push_back(std::move(s));
  });
  seen.clear();
  each(doc, "clusterHosts", [&](const json& v, const std::string& ptr) {
    Entry e(v, ptr, "cluster host", {"namespace", "name", "provider", "id", "deleting"});
    FixtureClusterHost h;
    h.ns = e.text("namespace", false, "default");
    h.name = e.text("name", true);
    h.provider = e.text("provider", true);
    h.id = e.text("id", true);
    h.deleting = e.flag("deleting");
    check_unique(seen, h.ns + "/" + h.name, ptr + "/name", "cluster host");
    out.hosts.push_back(std::move(h));
  });
  seen.clear();
  each(doc, "endpoints", [&](const json& v, const std::string& ptr) {
    Entry e(v, ptr, "endpoint", {"address", "thumbprint", "unreachable", "login"});
    FixtureEndpoint p;
    p.address = e.text("address", true);
    p.thumbprint = e.text("thumbprint", false);
    p.unreachable = e.text("unreachable", false);
    p.login = e.text("login", false, "ok");
    if (p.login.empty()) throw e.at("login", "`login` is ok, invalid, or the error a login gets");
    check_unique(seen, p.address, ptr + "/address", "endpoint");
    out.endpoints.push_back(std::move(p));
  });
  seen.clear();
  each(doc, "namespaces", [&](const json& v, const std::string& ptr) {
    Entry e(v, ptr, "namespace", {"name", "labels"});
    FixtureNamespace n{e.text("name", true), e.labels("labels")};
    check_unique(seen, n.name, ptr + "/name", "namespace");
    out.namespaces.push_back(std::move(n));
  });
  return out;
}

}  // namespace hostadm
