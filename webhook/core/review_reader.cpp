#include "webhook/core/review_reader.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "webhook/core/dom_fields.hpp"
#include "webhook/core/host_reader.hpp"
#include "webhook/core/json_document.hpp"
#include "webhook/core/json_escapes.hpp"

namespace hostadm {
namespace {

namespace dom = simdjson::dom;
using detail::dom_fields;
using detail::is_null;
using detail::set_text;
using detail::unblanked;

// A missing or null field reads as empty; any other non-string makes the review unusable. The
// view is into the parsed document.
std::string_view string_field(const dom::element* e, std::string_view where, std::string_view key,
                              bool blanked) {
  if (is_null(e)) return {};
  if (e->type() != dom::element_type::STRING)
    throw ReviewError(std::string(where) + "." + std::string(key) + " must be a string, got " +
                      json_type_name(*e));
  return unblanked(std::string_view(*e), blanked);
}

void read_envelope(dom::element root, AdmissionRequest& req, dom::element& request, bool blanked) {
  if (root.type() != dom::element_type::OBJECT)
    throw ReviewError(std::string("the AdmissionReview must be a JSON object, got ") +
                      json_type_name(root));
  static constexpr std::string_view kKeys[] = {"apiVersion", "kind", "request"};
  const auto f = dom_fields(dom::object(root), kKeys);
  if (auto v = string_field(f[0], "AdmissionReview", "apiVersion", blanked); !v.empty()) {
    if (v != "admission.k8s.io/v1" && v != "admission.k8s.io/v1beta1")
      throw ReviewError("AdmissionReview apiVersion '" + std::string(v) +
                        "' is not supported: send admission.k8s.io/v1 (or v1beta1)");
    set_text(req.api_version, v);
  }
  if (auto k = string_field(f[1], "AdmissionReview", "kind", blanked); !k.empty()) {
    if (k != "AdmissionReview")
      throw ReviewError("kind '" + std::string(k) +
                        "' is not an AdmissionReview: send kind AdmissionReview");
  }
  if (is_null(f[2]))
    throw ReviewError("the AdmissionReview has no 'request': send {\"request\": {\"uid\": ...}}");
  if (f[2]->type() != dom::element_type::OBJECT)
    throw ReviewError(std::string("AdmissionReview.request must be an object, got ") +
                      json_type_name(*f[2]));
  request = *f[2];
}

// request.resource {group, version, resource} and request.kind {group, version, kind}
void read_triple(const dom::element* e, const char* where, std::string_view third,
                 std::string& group, std::string& version, std::string& name, bool blanked) {
  if (is_null(e)) return;
  if (e->type() != dom::element_type::OBJECT)
    throw ReviewError(std::string(where) + " must be an object, got " + json_type_name(*e));
  const std::string_view keys[] = {"group", "version", third};
  const auto f = dom_fields(dom::object(*e), keys);
  set_text(group, string_field(f[0], where, "group", blanked));
  set_text(version, string_field(f[1], where, "version", blanked));
  set_text(name, string_field(f[2], where, third, blanked));
}

// `blanked`: the document was parsed from a blanked text (json_escapes.hpp); a string read from it
// that held an escape throws detail::BlankedString.
void read_request(dom::element root, AdmissionRequest& req, const std::string* kept_annotation,
                  bool blanked) {
  dom::element request;
  read_envelope(root, req, request, blanked);

  static constexpr std::string_view kKeys[] = {"uid",    "resource",  "kind",      "subResource",
                                               "name",   "namespace", "operation", "dryRun",
                                               "object", "oldObject", "userInfo"};
  const auto f = dom_fields(dom::object(request), kKeys);
  set_text(req.uid, string_field(f[0], "request", "uid", blanked));
  if (req.uid.empty())
    throw ReviewError("request.uid is missing or empty: the response must echo it");
  read_triple(f[1], "request.resource", "resource", req.resource.group, req.resource.version,
              req.resource.resource, blanked);
  read_triple(f[2], "request.kind", "kind", req.kind_group, req.kind_version, req.kind_kind,
              blanked);
  set_text(req.sub_resource, string_field(f[3], "request", "subResource", blanked));
  set_text(req.name, string_field(f[4], "request", "name", blanked));
  set_text(req.ns, string_field(f[5], "request", "namespace", blanked));
  set_text(req.operation, string_field(f[6], "request", "operation", blanked));
  if (!is_null(f[7])) {
    if (f[7]->type() != dom::element_type::BOOL)
      throw ReviewError(std::string("request.dryRun must be a boolean, got ") +
                        json_type_name(*f[7]));
    req.dry_run = bool(*f[7]);
  }
  // Only for the log: a userInfo of an unexpected shape is no reason to refuse the review.
  if (f[10] && f[10]->type() == dom::element_type::OBJECT) {
    static constexpr std::string_view kUser[] = {"username"};
    const auto u = dom_fields(dom::object(*f[10]), kUser);
    if (u[0] && u[0]->type() == dom::element_type::STRING)
      set_text(req.username, unblanked(std::string_view(*u[0]), blanked));
  }
  // Judging the objects' shape is the decision's job (`malformed`); only an UPDATE compares them.
  const bool both = f[8] && f[9] && f[8]->type() == dom::element_type::OBJECT &&
                    f[9]->type() == dom::element_type::OBJECT;
  read_host_object(f[8], both, req.object, kept_annotation, blanked);
  read_host_object(f[9], both, req.old_object, kept_annotation, blanked);
}

}  // namespace

// The checks, their order and their messages are the review's contract with its sender: the
// first problem is the one reported.
AdmissionRequest read_review(std::string_view body) {
  AdmissionRequest req;
  read_review(body, req);
  return req;
}

// The blanked text first: a review from `kubectl apply` holds its last-applied configuration, a
// hundred escapes the parser need not unescape. A string the request needs that held an escape,
// a refusal, and a problem that may quote a blanked value send the reader back to the text as it
// is.
void read_review(std::string_view body, AdmissionRequest& req, const std::string* kept_annotation) {
  {
    const JsonDocument doc(body, JsonDocument::Escapes::Blank);
    if (!doc.blanked()) return read_request(doc.root(), req, kept_annotation, false);
    const auto quotes_blank = [](const std::vector<std::string>& problems) {
      return std::any_of(problems.begin(), problems.end(),
                         [](const std::string& p) { return has_blank(p); });
    };
    try {
      read_request(doc.root(), req, kept_annotation, true);
      if (!quotes_blank(req.object.problems) && !quotes_blank(req.old_object.problems)) return;
    } catch (const ReviewError&) {
    } catch (const detail::BlankedString&) {
    }
  }
  req.reset();
  const JsonDocument doc(body);
  read_request(doc.root(), req, kept_annotation, false);
}

}  // namespace hostadm
