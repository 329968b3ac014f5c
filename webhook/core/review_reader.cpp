#include "webhook/core/review_reader.hpp"

#include <memory>
#include <mutex>
#include <vector>

#include <simdjson.h>

#include "webhook/core/decision.hpp"
#include "webhook/core/simdjson_convert.hpp"

namespace hostadm {
namespace {

namespace dom = simdjson::dom;
using nlohmann::json;

// Parsers keep their buffers between documents, which is the point; a pool (not one per
// thread) keeps their number at the number of reviews parsed at once, not the 64 workers.
class ParserPool {
 public:
  std::unique_ptr<dom::parser> take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        auto p = std::move(free_.back());
        free_.pop_back();
        return p;
      }
    }
    auto p = std::make_unique<dom::parser>(kFastReviewMaxBytes);
    if (p->allocate(4096, kSimdjsonMaxDepth) != simdjson::SUCCESS) return nullptr;
    return p;
  }
  void give(std::unique_ptr<dom::parser> p) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kKept) free_.push_back(std::move(p));
  }

 private:
  static constexpr size_t kKept = 16;
  std::mutex mu_;
  std::vector<std::unique_ptr<dom::parser>> free_;
};

ParserPool& pool() {
  static ParserPool* p = new ParserPool;  // never destroyed: workers may outlive static teardown
  return *p;
}

struct Decline {};  // the body is not one this reader handles; nothing is reported

// The values of N keys of an object; fields[i] is nullptr when keys[i] is absent.
template <size_t N>
struct Fields {
  dom::element value[N];
  bool found[N] = {};
  const dom::element* operator[](size_t i) const { return found[i] ? &value[i] : nullptr; }
};

// JSON keeps the last of duplicate keys, as the nlohmann path does.
template <size_t N>
Fields<N> last_fields(dom::object obj, const char* const (&keys)[N]) {
  std::string_view names[N];  // measured once, not once per field of the object
  for (size_t i = 0; i < N; ++i) names[i] = keys[i];
  Fields<N> out;
  for (dom::key_value_pair field : obj) {
    for (size_t i = 0; i < N; ++i) {
      if (field.key == names[i]) {
        out.value[i] = field.value;
        out.found[i] = true;
        break;  // the names are distinct
      }
    }
  }
  return out;
}

// The decision quotes wrong-typed values back, so a number where it looks declines.
json to_json(dom::element e) {
  try {
    return to_nlohmann(e, /*numbers=*/false);
  } catch (const NumberDeclined&) {
    throw Decline{};
  }
}

bool is_null(dom::element e) {
  return e.type() == dom::element_type::NULL_VALUE;
}

// string_field of admission.cpp: absent or null is "", a string is itself, anything else declines.
std::string string_of(const dom::element* e) {
  if (e == nullptr || is_null(*e)) return "";
  if (e->type() != dom::element_type::STRING) throw Decline{};
  return std::string(std::string_view(*e));
}

// object_field of admission.cpp: absent or null is "no object", a non-object declines.
std::optional<dom::object> object_of(const dom::element* e) {
  if (e == nullptr || is_null(*e)) return std::nullopt;
  if (e->type() != dom::element_type::OBJECT) throw Decline{};
  return dom::object(*e);
}

// decision_view() of an object, built from the simdjson DOM.
json view_of(dom::element object) {
  if (object.type() != dom::element_type::OBJECT) return to_json(object);
  const auto parts = last_fields(dom::object(object), kObjectKeysRead);
  json out = json::object();
  for (size_t i = 0; i < std::size(kObjectKeysRead); ++i) {
    const dom::element* part = parts[i];
    if (!part) continue;
    if (kObjectKeysRead[i] != std::string_view("metadata") ||
        part->type() != dom::element_type::OBJECT) {
      out[kObjectKeysRead[i]] = to_json(*part);
      continue;
    }
    const auto meta = last_fields(dom::object(*part), kMetadataKeysRead);
    json kept = json::object();
    for (size_t j = 0; j < std::size(kMetadataKeysRead); ++j)
      if (meta[j]) kept[kMetadataKeysRead[j]] = to_json(*meta[j]);
    out[kObjectKeysRead[i]] = std::move(kept);
  }
  return out;
}

AdmissionRequest read(dom::element root) {
  if (root.type() != dom::element_type::OBJECT) throw Decline{};
  static const char* const kReviewKeys[] = {"apiVersion", "kind", "request"};
  const auto top = last_fields(dom::object(root), kReviewKeys);

  AdmissionRequest req;
  if (auto v = string_of(top[0]); !v.empty()) {
    if (v != "admission.k8s.io/v1" && v != "admission.k8s.io/v1beta1") throw Decline{};
    req.api_version = v;
  }
  if (auto k = string_of(top[1]); !k.empty() && k != "AdmissionReview") throw Decline{};
  auto request = object_of(top[2]);
  if (!request) throw Decline{};

  static const char* const kRequestKeys[] = {"uid",    "resource",  "kind",      "subResource",
                                             "name",   "namespace", "operation", "dryRun",
                                             "object", "oldObject", "userInfo"};
  const auto f = last_fields(*request, kRequestKeys);

  req.uid = string_of(f[0]);
  if (req.uid.empty()) throw Decline{};
  static const char* const kResourceKeys[] = {"group", "version", "resource"};
  static const char* const kKindKeys[] = {"group", "version", "kind"};
  if (auto res = object_of(f[1])) {
    const auto g = last_fields(*res, kResourceKeys);
    req.resource.group = string_of(g[0]);
    req.resource.version = string_of(g[1]);
    req.resource.resource = string_of(g[2]);
  }
  if (auto kind = object_of(f[2])) {
    const auto g = last_fields(*kind, kKindKeys);
    req.kind_group = string_of(g[0]);
    req.kind_version = string_of(g[1]);
    req.kind_kind = string_of(g[2]);
  }
  req.sub_resource = string_of(f[3]);
  req.name = string_of(f[4]);
  req.ns = string_of(f[5]);
  req.operation = string_of(f[6]);
  if (const dom::element* dry = f[7]; dry && !is_null(*dry)) {
    if (dry->type() != dom::element_type::BOOL) throw Decline{};
    req.dry_run = bool(*dry);
  }
  // As decode_review: a userInfo or username of another type is ignored, not declined.
  if (const dom::element* ui = f[10]; ui && ui->type() == dom::element_type::OBJECT) {
    static const char* const kUserKeys[] = {"username"};
    const auto u = last_fields(dom::object(*ui), kUserKeys);
    if (u[0] && u[0]->type() == dom::element_type::STRING)
      req.username = std::string(std::string_view(*u[0]));
  }
  if (const dom::element* o = f[8]) req.object = view_of(*o);
  if (const dom::element* o = f[9]) req.old_object = view_of(*o);
  return req;
}

}  // namespace

std::optional<AdmissionRequest> read_review_fast(std::string_view body) noexcept {
  if (body.size() > kFastReviewMaxBytes) return std::nullopt;
  try {
    auto parser = pool().take();
    if (!parser) return std::nullopt;
    std::optional<AdmissionRequest> out;
    dom::element root;
    if (parser->parse(body.data(), body.size()).get(root) == simdjson::SUCCESS) {
      try {
        out = read(root);
      } catch (const Decline&) {
      }
    }
    pool().give(std::move(parser));
    return out;
  } catch (...) {  // bad_alloc, or a json exception: the nlohmann path will tell
    return std::nullopt;
  }
}

}  // namespace hostadm
