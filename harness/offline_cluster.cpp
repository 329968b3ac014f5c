#include "harness/offline_cluster.hpp"

#include <algorithm>
#include <stdexcept>

#include "webhook/core/address.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/core/standards.hpp"
#include "webhook/core/text.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

using nlohmann::json;

namespace {

// The label the apiserver gives every Namespace: selectors may use it.
constexpr const char* kNameLabel = "kubernetes.io/metadata.name";

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string text_at(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

std::string kind_of(const json& doc) {
  return text_at(doc, "apiVersion") == "v1" ? text_at(doc, "kind") : "";
}

// Where a manifest lives: its own namespace, else the one replay applies it to.
std::string namespace_of(const json& meta, const std::string& default_ns) {
  std::string ns = text_at(meta, "namespace");
  if (ns.empty()) ns = default_ns.empty() ? "default" : default_ns;
  return ns;
}

// A Secret manifest as the API would describe it to the webhook: key names and the one setting.
SecretFacts secret_manifest(const InputDoc& doc, const std::string& label) {
  SecretFacts f;
  f.state = SecretState::Present;
  const json meta = member(doc.value, "metadata") ? doc.value["metadata"] : json::object();
  f.resource_version = text_at(meta, "resourceVersion");
  if (f.resource_version.empty()) f.resource_version = "1";
  for (const char* field : {"data", "stringData"}) {
    const json* map = member(doc.value, field);
    if (map == nullptr) continue;
    if (!map->is_object())
      throw InputError(doc.file, doc.line,
                       label + ": `" + field + "` must be a map of key names to values");
    for (const auto& [key, value] : map->items()) {
      if (std::find(f.keys.begin(), f.keys.end(), key) == f.keys.end()) f.keys.push_back(key);
      if (key != "insecureSkipVerify" || !value.is_string()) continue;
      std::string decoded;
      try {
        decoded =
            field[0] == 'd' ? base64_decode(value.get<std::string>()) : value.get<std::string>();
      } catch (const std::invalid_argument&) {
        // The value is not shown: it is a Secret's.
        throw InputError(doc.file, doc.line,
                         label +
                             ": data.insecureSkipVerify is not base64; write it under "
                             "stringData, or encode it (echo -n true | base64)");
      }
      f.insecure_skip_verify = skips_tls_verification(decoded);
    }
  }
  return f;
}

SecretFacts fixture_secret(const FixtureSecret& s) {
  SecretFacts f;
  f.resource_version = "1";
  if (!s.unreadable.empty()) {
    f.state = SecretState::Unreadable;
    f.error = s.unreadable;
    return f;
  }
  f.state = SecretState::Present;
  f.keys = s.keys;
  f.insecure_skip_verify = s.insecure_skip_verify;
  return f;
}

std::string address_key(const std::string& address) {
  return unbracketed(address);
}

}  // namespace

OfflineCluster::OfflineCluster(const ClusterFacts& facts, const std::vector<InputDoc>& docs,
                               const std::string& default_ns) {
  for (const auto& s : facts.secrets) secrets_[{s.ns, s.name}] = fixture_secret(s);
  hosts_ = facts.hosts;
  for (const auto& e : facts.endpoints) endpoints_[address_key(e.address)] = e;
  for (const auto& n : facts.namespaces) {
    Labels& labels = namespaces_[n.name];
    labels = n.labels;
    labels.emplace(kNameLabel, n.name);
  }
  for (const auto& doc : docs) add_manifest(doc, default_ns);
}

void OfflineCluster::add_manifest(const InputDoc& doc, const std::string& default_ns) {
  const json* meta = member(doc.value, "metadata");
  if (meta == nullptr) return;
  const std::string name = text_at(*meta, "name");
  if (name.empty()) return;  // generateName: the API would name it; nothing can refer to it
  if (classify(doc.value) == DocKind::Host) {
    const json* spec = member(doc.value, "spec");
    const json* provider = spec ? member(*spec, "provider") : nullptr;
    FixtureClusterHost h;
    h.ns = namespace_of(*meta, default_ns);
    h.name = name;
    h.provider = provider ? text_at(*provider, "name") : "";
    h.id = spec ? text_at(*spec, "id") : "";
    h.deleting = member(*meta, "deletionTimestamp") != nullptr;
    if (!h.provider.empty() && !h.id.empty()) hosts_.push_back(std::move(h));
    return;
  }
  const std::string kind = kind_of(doc.value);
  if (kind == "Secret") {
    const std::string ns = namespace_of(*meta, default_ns);
    secrets_[{ns, name}] = secret_manifest(doc, "Secret " + ns + "/" + name);
  } else if (kind == "Namespace") {
    Labels& labels = namespaces_[name];
    if (const json* given = member(*meta, "labels"); given && given->is_object())
      for (const auto& [key, value] : given->items())
        if (value.is_string()) labels[key] = value.get<std::string>();
    labels[kNameLabel] = name;
  }
}

const Labels* OfflineCluster::namespace_labels(const std::string& ns) {
  auto it = namespaces_.find(ns);
  return it == namespaces_.end() ? nullptr : &it->second;
}

SecretFacts OfflineCluster::secret(const std::string& ns, const std::string& name) {
  auto it = secrets_.find({ns, name});
  if (it != secrets_.end()) return it->second;
  SecretFacts none;
  none.state = SecretState::NotFound;
  return none;
}

ClusterView::Duplicates OfflineCluster::hosts_with(const std::string& ns,
                                                   const std::string& provider,
                                                   const std::string& host_id,
                                                   const std::string& self) {
  Duplicates d;
  for (const auto& h : hosts_)
    if (h.ns == ns && h.provider == provider && h.id == host_id && h.name != self && !h.deleting &&
        std::find(d.names.begin(), d.names.end(), h.name) == d.names.end())
      d.names.push_back(h.name);
  return d;
}

// The answers the server's endpoint check gives, from the fixture entry instead of a dial.
EndpointAnswer OfflineCluster::endpoint(const EndpointQuestion& q) {
  auto it = endpoints_.find(address_key(q.address));
  if (it == endpoints_.end()) return {};
  const FixtureEndpoint& e = it->second;
  const std::string where = text::shown_in_message(q.address) + ":443";
  if (!e.unreachable.empty())
    return {EndpointFinding::Unreachable,
            "no TLS connection to " + where + ": " + text::shown_in_message(e.unreachable)};
  if (!q.thumbprint.empty() && !e.thumbprint.empty() && e.thumbprint != q.thumbprint)
    return {EndpointFinding::ThumbprintMismatch,
            "the certificate at " + where + " has thumbprint " + e.thumbprint +
                ", but the inventory lists " + q.thumbprint + " for this host"};
  // Credentials go only to an endpoint pinned by the inventory's thumbprint.
  if (q.mode != EndpointCheck::Login || q.thumbprint.empty() || e.login == "ok") return {};
  const std::string what = "vSphere Login to https://" + text::shown_in_message(q.address) + "/sdk";
  if (e.login == "invalid")
    return {EndpointFinding::LoginFailed,
            what + " with the Secret's user and password was refused: InvalidLogin"};
  return {EndpointFinding::LoginFailed, what + " failed: " + text::shown_in_message(e.login)};
}

bool gives_cluster_facts(const ClusterFacts& facts, const std::vector<InputDoc>& docs) {
  if (!facts.empty()) return true;
  return std::any_of(docs.begin(), docs.end(), [](const InputDoc& d) {
    const std::string kind = kind_of(d.value);
    return kind == "Secret" || kind == "Namespace";
  });
}

std::unique_ptr<OfflineCluster> offline_cluster(const ClusterFacts& facts,
                                                const std::vector<InputDoc>& docs,
                                                const std::string& default_ns) {
  if (!gives_cluster_facts(facts, docs)) return nullptr;
  return std::make_unique<OfflineCluster>(facts, docs, default_ns);
}

}  // namespace hostadm::harness
