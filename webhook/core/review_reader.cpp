#include "webhook/core/review_reader.hpp"

#include <memory>
#include <mutex>
#include <vector>

#include <simdjson.h>

#include "webhook/core/decision.hpp"
#include "webhook/core/json_limits.hpp"
#include "webhook/core/simdjson_convert.hpp"

namespace hostadm {
namespace {

namespace dom = simdjson::dom;
using nlohmann::json;

// Below kMaxJsonDepth, so whatever simdjson accepts the depth check accepts too; bodies between
// the two take the nlohmann path and get its answer.
constexpr size_t kFastMaxDepth = kMaxJsonDepth / 2;

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
    if (p->allocate(4096, kFastMaxDepth) != simdjson::SUCCESS) return nullptr;
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

// JSON keeps the last of duplicate keys, as the nlohmann path does.
template <size_t N>
void last_fields(dom::object obj, const char* const (&keys)[N], dom::element (&out)[N],
                 bool (&found)[N]) {
  for (size_t i = 0; i < N; ++i) found[i] = false;
  for (dom::key_value_pair field : obj) {
    for (size_t i = 0; i < N; ++i) {
      if (field.key == keys[i]) {
        out[i] = field.value;
        found[i] = true;
      }
    }
  }
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

json view_of(dom::element object) {
  if (object.type() != dom::element_type::OBJECT) return to_json(object);
  dom::element parts[2];
  bool found[2];
  last_fields(dom::object(object), kObjectKeysRead, parts, found);
  json out = json::object();
  for (size_t i = 0; i < 2; ++i) {
    if (!found[i]) continue;
    if (i == 0 && parts[i].type() == dom::element_type::OBJECT) {
      dom::element meta[5];
      bool has[5];
      last_fields(dom::object(parts[i]), kMetadataKeysRead, meta, has);
      json kept = json::object();
      for (size_t j = 0; j < 5; ++j)
        if (has[j]) kept[kMetadataKeysRead[j]] = to_json(meta[j]);
      out[kObjectKeysRead[i]] = std::move(kept);
    } else {
      out[kObjectKeysRead[i]] = to_json(parts[i]);
    }
  }
  return out;
}

static_assert(std::size(kObjectKeysRead) == 2 && std::size(kMetadataKeysRead) == 5);

AdmissionRequest read(dom::element root) {
  if (root.type() != dom::element_type::OBJECT) throw Decline{};
  static const char* const kReviewKeys[] = {"apiVersion", "kind", "request"};
  dom::element top[3];
  bool has_top[3];
  last_fields(dom::object(root), kReviewKeys, top, has_top);

  AdmissionRequest req;
  if (auto v = string_of(has_top[0] ? &top[0] : nullptr); !v.empty()) {
    if (v != "admission.k8s.io/v1" && v != "admission.k8s.io/v1beta1") throw Decline{};
    req.api_version = v;
  }
  if (auto k = string_of(has_top[1] ? &top[1] : nullptr); !k.empty() && k != "AdmissionReview")
    throw Decline{};
  auto request = object_of(has_top[2] ? &top[2] : nullptr);
  if (!request) throw Decline{};

  static const char* const kRequestKeys[] = {"uid",    "resource",  "kind",      "subResource",
                                             "name",   "namespace", "operation", "dryRun",
                                             "object", "oldObject"};
  dom::element f[10];
  bool has[10];
  last_fields(*request, kRequestKeys, f, has);
  auto field = [&](size_t i) { return has[i] ? &f[i] : nullptr; };

  req.uid = string_of(field(0));
  if (req.uid.empty()) throw Decline{};
  static const char* const kResourceKeys[] = {"group", "version", "resource"};
  static const char* const kKindKeys[] = {"group", "version", "kind"};
  dom::element g[3];
  bool has_g[3];
  if (auto res = object_of(field(1))) {
    last_fields(*res, kResourceKeys, g, has_g);
    req.resource.group = string_of(has_g[0] ? &g[0] : nullptr);
    req.resource.version = string_of(has_g[1] ? &g[1] : nullptr);
    req.resource.resource = string_of(has_g[2] ? &g[2] : nullptr);
  }
  if (auto kind = object_of(field(2))) {
    last_fields(*kind, kKindKeys, g, has_g);
    req.kind_group = string_of(has_g[0] ? &g[0] : nullptr);
    req.kind_version = string_of(has_g[1] ? &g[1] : nullptr);
    req.kind_kind = string_of(has_g[2] ? &g[2] : nullptr);
  }
  req.sub_resource = string_of(field(3));
  req.name = string_of(field(4));
  req.ns = string_of(field(5));
  req.operation = string_of(field(6));
  if (const dom::element* dry = field(7); dry && !is_null(*dry)) {
    if (dry->type() != dom::element_type::BOOL) throw Decline{};
    req.dry_run = bool(*dry);
  }
  if (const dom::element* o = field(8)) req.object = view_of(*o);
  if (const dom::element* o = field(9)) req.old_object = view_of(*o);
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
