#include "harness/pipeline.hpp"

#include <exception>
#include <utility>

#include "harness/fast_yaml.hpp"
#include "webhook/core/admission_path.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

using nlohmann::json;

namespace {

constexpr const char* kHostApiVersion = "forklift.konveyor.io/v1beta1";
// Not a rule of the webhook: the apiserver's own schema step, keyed like a rule so suites and
// CI output can name it.
constexpr const char* kSchemaRule = "schema";

std::string string_field(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

void add_unique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& s : from) {
    bool seen = false;
    for (const auto& t : to) seen = seen || t == s;
    if (!seen) to.push_back(s);
  }
}

void fill_identity(DocResult& r, const json& object, const AdmissionRequest& req) {
  const json* meta = nullptr;
  if (object.is_object()) {
    auto it = object.find("metadata");
    if (it != object.end() && it->is_object()) meta = &*it;
  }
  r.ns = meta ? string_field(*meta, "namespace") : "";
  if (r.ns.empty()) r.ns = req.ns;
  r.name = meta ? string_field(*meta, "name") : "";
  if (r.name.empty()) r.name = req.name;
}

void deny(DocResult& r, int code, const std::string& rule, const std::string& message) {
  r.allowed = false;
  r.code = code;
  add_unique(r.rules, {rule});
  r.message = message;
}

std::string type_name(const json& v) {
  return v.is_null() ? "null" : v.type_name();
}

}  // namespace

namespace {

// A List's items are the documents to check. kubectl's `List` carries each item's apiVersion
// and kind; a `HostList` from the API may leave them to the list, so they are filled in.
void add_document(std::vector<InputDoc>& out, const std::string& file, int index, int line,
                  json value) {
  const std::string kind = string_field(value, "kind");
  if (kind != "List" && kind != "HostList") {
    out.push_back({file, index, line, std::move(value)});
    return;
  }
  auto items = value.find("items");
  if (items == value.end() || items->is_null()) return;  // an empty list: nothing to check
  if (!items->is_array())
    throw InputError(file, line,
                     "a " + kind + "'s items must be a list of objects, got " +
                         std::string(items->type_name()) +
                         "; give the output of `kubectl get hosts -o yaml` unchanged");
  const std::string api_version = string_field(value, "apiVersion");
  for (size_t i = 0; i < items->size(); ++i) {
    json& item = (*items)[i];
    if (kind == "HostList" && item.is_object()) {
      if (!item.contains("apiVersion")) item["apiVersion"] = api_version;
      if (!item.contains("kind")) item["kind"] = "Host";
    }
    out.push_back({file, index, line, std::move(item), static_cast<int>(i)});
  }
}

}  // namespace

std::vector<InputDoc> read_documents(const std::vector<std::string>& paths) {
  std::vector<InputDoc> out;
  for (const auto& file : hostadm::expand_paths(paths)) {
    std::string text = hostadm::read_input(file);
    // The fast reader covers plain manifests; anything else takes the full YAML reader, which
    // also gives the FILE:LINE error.
    if (auto fast = parse_fast_yaml(text)) {
      out.reserve(out.size() + fast->size());
      for (size_t i = 0; i < fast->size(); ++i)
        add_document(out, file, static_cast<int>(i), (*fast)[i].line, std::move((*fast)[i].value));
      continue;
    }
    auto docs = hostadm::load_yaml_text(text, file);
    out.reserve(out.size() + docs.size());
    for (size_t i = 0; i < docs.size(); ++i)
      add_document(out, file, static_cast<int>(i), docs[i].line, std::move(docs[i].value));
  }
  return out;
}

DocKind classify(const json& doc, std::string* why) {
  if (!doc.is_object()) return DocKind::NotMapping;
  std::string kind = string_field(doc, "kind");
  if (kind == "AdmissionReview") return DocKind::Review;
  std::string api_version = string_field(doc, "apiVersion");
  if (kind == "Host" && api_version == kHostApiVersion) return DocKind::Host;
  if (why) {
    if (kind.empty()) {
      *why = "no kind";
    } else if (kind == "Host") {
      *why = "kind Host with apiVersion '" + api_version + "' (expected " + kHostApiVersion + ")";
    } else {
      *why = "kind " + kind;
    }
  }
  return DocKind::Other;
}

json host_review(json host, const std::string& default_ns, const std::string& uid,
                 const json& old_host) {
  std::string ns;
  if (host.is_object()) {
    auto meta = host.find("metadata");
    if (meta != host.end() && meta->is_object()) ns = string_field(*meta, "namespace");
  }
  if (ns.empty()) ns = default_ns.empty() ? "default" : default_ns;

  // The apiserver fills metadata.namespace from the request path before any webhook runs.
  auto set_ns = [&ns](json& obj) {
    if (!obj.is_object()) return;
    json& meta = obj["metadata"];
    if (meta.is_null()) meta = json::object();
    if (!meta.is_object()) return;  // left for the core to report as malformed
    auto it = meta.find("namespace");
    if (it == meta.end() || it->is_null() ||
        (it->is_string() && it->get_ref<const std::string&>().empty()))
      meta["namespace"] = ns;
  };
  set_ns(host);
  const std::string name =
      host.is_object() && host.contains("metadata") ? string_field(host["metadata"], "name") : "";
  const bool update = !old_host.is_null();
  const json gvk = {{"group", "forklift.konveyor.io"}, {"version", "v1beta1"}, {"kind", "Host"}};
  const json gvr = {
      {"group", "forklift.konveyor.io"}, {"version", "v1beta1"}, {"resource", "hosts"}};
  json request = {
      {"uid", uid},
      {"kind", gvk},
      {"resource", gvr},
      {"requestKind", gvk},
      {"requestResource", gvr},
      {"name", name},
      {"namespace", ns},
      {"operation", update ? "UPDATE" : "CREATE"},
      {"userInfo", {{"username", "host-harness"}, {"groups", {"system:authenticated"}}}},
      {"object", std::move(host)},
      {"oldObject", old_host},
      {"dryRun", false},
      {"options",
       {{"apiVersion", "meta.k8s.io/v1"}, {"kind", update ? "UpdateOptions" : "CreateOptions"}}}};
  set_ns(request["oldObject"]);
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request", std::move(request)}};
}

std::string review_text(const json& review) {
  return review.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string schema_message(const std::string& name, const std::vector<std::string>& missing) {
  // kube renders one field error as "field: Required value", several as "[a, b]".
  std::vector<std::string> errors;
  for (const auto& pointer : missing) {
    std::string field;
    for (char c : pointer) field += c == '/' ? '.' : c;
    if (!field.empty() && field[0] == '.') field.erase(0, 1);
    errors.push_back(field + ": Required value");
  }
  std::string msg = "Host.forklift.konveyor.io \"" + name + "\" is invalid: ";
  if (errors.size() == 1) return msg + errors[0];
  msg += "[";
  for (size_t i = 0; i < errors.size(); ++i) msg += (i ? ", " : "") + errors[i];
  return msg + "]";
}

DocResult malformed_result(const std::string& source, const std::string& message) {
  DocResult r;
  r.source = source;
  r.operation = "CREATE";
  deny(r, 400, "malformed", message);
  r.object = nullptr;
  return r;
}

// As the webhook would wait for the inventory: a fixture provider whose 206 comes later than
// inventoryTimeout is a timeout.
Pipeline::Pipeline(std::shared_ptr<const Fixture> fixture, Policy policy)
    : Pipeline(ViewSource([fixture = std::move(fixture),
                           timeout = policy.inventory_timeout]() -> std::unique_ptr<InventoryView> {
                 return std::make_unique<FixtureInventory>(fixture, timeout);
               }),
               std::move(policy)) {}

Pipeline::Pipeline(ViewSource views, Policy policy)
    : views_(std::move(views)), policy_(std::move(policy)) {}

namespace {

// The answer's message for a refusal, as the user reads it.
std::string refusal_message(const AdmissionAnswer& a) {
  if (!a.response.message.empty() || a.status != 503) return a.response.message;
  return "inventory-unavailable: deferred to the webhook's failurePolicy (HTTP 503)";
}

void internal(DocResult& r, const AdmissionAnswer& a) {
  // The core promises not to fail; if it does, the document is reported, not the run lost.
  deny(r, 500, "internal", "internal: the decision core failed: " + a.problem);
}

// The mutating answer: its rules and warnings, and its patch applied to `object`. False: the
// document's result is decided (an error, a denial, a patch that does not apply) and `object`
// is left as sent.
bool apply_mutation(DocResult& r, const AdmissionAnswer& m, json& object) {
  if (m.outcome == Outcome::Error) {
    internal(r, m);
    return false;
  }
  add_unique(r.rules, m.rules);
  add_unique(r.warnings, m.response.warnings);
  if (!m.response.allowed) {
    deny(r, m.response.code, r.rules.empty() ? "inventory-unavailable" : r.rules.front(),
         refusal_message(m));
    return false;
  }
  r.patch = m.response.patch.to_json();
  // The apiserver applies the patch itself: a patch that does not apply is the webhook's bug.
  try {
    if (!r.patch.empty()) object = object.patch(r.patch);
  } catch (const std::exception& e) {
    deny(r, 500, "patch",
         std::string("patch: the mutating answer's JSON Patch does not apply: ") + e.what());
    return false;  // patch() leaves the object untouched on failure
  }
  return true;
}

// The validating answer decides the document.
void record_validation(DocResult& r, const AdmissionAnswer& v) {
  if (v.outcome == Outcome::Error) {
    internal(r, v);
    return;
  }
  add_unique(r.rules, v.rules);
  add_unique(r.warnings, v.response.warnings);
  if (!v.response.allowed) {
    r.allowed = false;
    r.code = v.response.code;
    r.message = refusal_message(v);
    return;
  }
  r.allowed = true;
  r.code = 200;
}

}  // namespace

DocResult Pipeline::run_review(json review, const std::string& source, ClusterView* cluster) const {
  DocResult r;
  r.source = source;
  const std::unique_ptr<InventoryView> inventory = views_();
  AdmissionAnswer m = admit(review_text(review), Phase::Mutate, *inventory, policy_, cluster);
  if (!m.decoded) {
    if (m.outcome == Outcome::Error) return malformed_result(source, "internal: " + m.problem);
    return malformed_result(source, "malformed: not a usable AdmissionReview: " + m.problem);
  }
  r.answer = m.body;
  json& request = review["request"];  // an object: the review was decoded
  json object = request.contains("object") ? std::move(request["object"]) : json();
  r.operation = m.request.operation;
  fill_identity(r, object, m.request);
  if (!apply_mutation(r, m, object)) {
    r.object = std::move(object);
    return r;
  }
  fill_identity(r, object, m.request);
  // DELETE, status updates and other resources: the webhook let them through untouched, and
  // neither the Host schema nor the Host rules apply to them.
  if (!m.in_scope) {
    r.allowed = true;
    r.object = std::move(object);
    return r;
  }
  auto missing = missing_required_fields(object);
  if (!missing.empty()) {
    deny(r, 422, kSchemaRule, schema_message(r.name, missing));
    r.object = std::move(object);
    return r;
  }
  // The validating webhook sees the same request with the final (patched) object.
  request["object"] = std::move(object);
  AdmissionAnswer v = admit(review_text(review), Phase::Validate, *inventory, policy_, cluster);
  r.object = std::move(request["object"]);
  record_validation(r, v);
  return r;
}

DocResult Pipeline::run(const InputDoc& doc, const std::string& default_ns, int seq,
                        ClusterView* cluster) const {
  return run(InputDoc(doc), default_ns, seq, cluster);
}

DocResult Pipeline::run(InputDoc&& doc, const std::string& default_ns, int seq,
                        ClusterView* cluster) const {
  std::string why;
  switch (classify(doc.value, &why)) {
    case DocKind::NotMapping:
      return malformed_result(doc.source(), "malformed: the document is " + type_name(doc.value) +
                                                ", not a mapping; expected a Kubernetes object "
                                                "(apiVersion, kind, metadata, spec)");
    case DocKind::Other: {
      DocResult r;
      r.source = doc.source();
      r.skipped = true;
      r.skip_reason = why;
      r.allowed = true;
      r.object = nullptr;
      const auto meta = doc.value.find("metadata");
      if (meta != doc.value.end()) {
        r.ns = string_field(*meta, "namespace");
        r.name = string_field(*meta, "name");
      }
      return r;
    }
    case DocKind::Review:
      return run_review(std::move(doc.value), doc.source(), cluster);
    case DocKind::Host:
      break;
  }
  const auto meta = doc.value.find("metadata");
  if (meta != doc.value.end() && meta->is_object()) {
    auto ns = meta->find("namespace");
    if (ns != meta->end() && !ns->is_null() && !ns->is_string()) {
      DocResult r = malformed_result(
          doc.source(), "malformed: metadata.namespace must be a string, got " + type_name(*ns));
      r.name = string_field(*meta, "name");
      return r;
    }
  }
  return run_review(host_review(std::move(doc.value), default_ns, "replay-" + std::to_string(seq)),
                    doc.source(), cluster);
}

}  // namespace hostadm::harness
