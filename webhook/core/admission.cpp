#include "webhook/core/admission.hpp"

#include <array>
#include <map>

#include "webhook/core/json_write.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {

using nlohmann::json;

namespace {

constexpr size_t kMaxWarningChars = 120;
constexpr size_t kMaxWarningsTotal = 4096;

std::string type_name(const json& v) {
  return v.type_name();
}

// A missing or null field reads as empty; any other non-string is the caller's bug to report.
std::string string_field(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  if (!it->is_string())
    throw ReviewError(where + "." + key + " must be a string, got " + type_name(*it));
  return it->get<std::string>();
}

const json* object_field(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  if (!it->is_object())
    throw ReviewError(where + "." + key + " must be an object, got " + type_name(*it));
  return &*it;
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string status_reason(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 422:
      return "Invalid";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    default:
      return code >= 500 ? "InternalError" : "Forbidden";
  }
}

namespace {

// Everything but object/oldObject; `request` is left pointing at review.request so the caller
// can copy or move those two, which are most of the review's size.
AdmissionRequest decode_request_fields(const json& review, const json*& request) {
  if (!review.is_object())
    throw ReviewError("the AdmissionReview must be a JSON object, got " + type_name(review));
  AdmissionRequest req;
  if (auto v = string_field(review, "apiVersion", "AdmissionReview"); !v.empty()) {
    if (v != "admission.k8s.io/v1" && v != "admission.k8s.io/v1beta1")
      throw ReviewError("AdmissionReview apiVersion '" + v +
                        "' is not supported: send admission.k8s.io/v1 (or v1beta1)");
    req.api_version = v;
  }
  if (auto k = string_field(review, "kind", "AdmissionReview"); !k.empty()) {
    if (k != "AdmissionReview")
      throw ReviewError("kind '" + k + "' is not an AdmissionReview: send kind AdmissionReview");
  }
  auto rit = review.find("request");
  if (rit == review.end() || rit->is_null())
    throw ReviewError("the AdmissionReview has no 'request': send {\"request\": {\"uid\": ...}}");
  if (!rit->is_object())
    throw ReviewError("AdmissionReview.request must be an object, got " + type_name(*rit));
  const json& r = *rit;
  const std::string where = "request";
  req.uid = string_field(r, "uid", where);
  if (req.uid.empty())
    throw ReviewError("request.uid is missing or empty: the response must echo it");
  if (const json* res = object_field(r, "resource", where)) {
    req.resource.group = string_field(*res, "group", "request.resource");
    req.resource.version = string_field(*res, "version", "request.resource");
    req.resource.resource = string_field(*res, "resource", "request.resource");
  }
  if (const json* kind = object_field(r, "kind", where)) {
    req.kind_group = string_field(*kind, "group", "request.kind");
    req.kind_version = string_field(*kind, "version", "request.kind");
    req.kind_kind = string_field(*kind, "kind", "request.kind");
  }
  req.sub_resource = string_field(r, "subResource", where);
  req.name = string_field(r, "name", where);
  req.ns = string_field(r, "namespace", where);
  req.operation = string_field(r, "operation", where);
  if (auto it = r.find("dryRun"); it != r.end() && !it->is_null()) {
    if (!it->is_boolean())
      throw ReviewError("request.dryRun must be a boolean, got " + type_name(*it));
    req.dry_run = it->get<bool>();
  }
  // Only for the log: a userInfo of an unexpected shape is no reason to refuse the review.
  if (auto ui = r.find("userInfo"); ui != r.end() && ui->is_object()) {
    if (auto u = ui->find("username"); u != ui->end() && u->is_string())
      req.username = u->get<std::string>();
  }
  request = &r;
  return req;
}

}  // namespace

// object and oldObject are carried as they are: judging the Host's shape is the decision core's
// job (`malformed`).
AdmissionRequest decode_review(const json& review) {
  const json* r = nullptr;
  AdmissionRequest req = decode_request_fields(review, r);
  if (auto it = r->find("object"); it != r->end()) req.object = *it;
  if (auto it = r->find("oldObject"); it != r->end()) req.old_object = *it;
  return req;
}

AdmissionRequest decode_review(json&& review) {
  const json* r = nullptr;
  AdmissionRequest req = decode_request_fields(review, r);
  json& request = review["request"];  // exists: decode_request_fields checked it
  if (auto it = request.find("object"); it != request.end()) req.object = std::move(*it);
  if (auto it = request.find("oldObject"); it != request.end()) req.old_object = std::move(*it);
  return req;
}

std::vector<std::string> clip_warnings(const std::vector<std::string>& warnings) {
  std::vector<std::string> out;
  size_t total = 0;
  size_t i = 0;
  for (; i < warnings.size(); ++i) {
    const std::string& w = warnings[i];
    if (w.empty()) continue;
    std::string clipped = w.size() <= kMaxWarningChars
                              ? w
                              : w.substr(0, text::utf8_cut(w, kMaxWarningChars - 3)) + "...";
    if (total + clipped.size() > kMaxWarningsTotal) break;
    total += clipped.size();
    out.push_back(std::move(clipped));
  }
  if (i == warnings.size()) return out;
  size_t dropped = 0;
  for (size_t j = i; j < warnings.size(); ++j) dropped += warnings[j].empty() ? 0 : 1;
  // The count note must fit too; make room by dropping kept warnings from the end.
  while (true) {
    std::string note =
        std::to_string(dropped) + " more warning" + (dropped == 1 ? "" : "s") + " not shown";
    if (total + note.size() <= kMaxWarningsTotal) {
      out.push_back(std::move(note));
      return out;
    }
    if (out.empty()) return out;
    total -= out.back().size();
    out.pop_back();
    ++dropped;
  }
}

bool valid_audit_key(const std::string& key) {
  if (key.empty() || key.size() > 63) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(key.front()) || !alnum(key.back())) return false;
  for (char c : key) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

namespace {

void append_json_string(std::string& out, std::string_view s) {
  json_write::append_string(out, s, json_write::InvalidUtf8::Replace);
}

}  // namespace

// Written directly, in the bytes nlohmann's dump(-1, ' ', false, replace) would give for the
// same document (keys sorted as its std::map sorts them): building a json tree first cost more
// than the rest of a /mutate answer (tests/unit/core_admission_test.cpp holds the writer to it).
// A patch on a denial is meaningless and a patch on a validating answer is an error, so only an
// allowed answer with a real patch carries one.
std::string encode_review_string(const AdmissionRequest& req, const AdmissionResponse& resp) {
  std::string patch;
  if (resp.allowed && !resp.patch.empty()) {
    patch.reserve(512);
    resp.patch.append_text(patch);
  }
  std::string out;
  out.reserve(512 + patch.size() / 3 * 4);
  out += "{\"apiVersion\":";
  append_json_string(out, req.api_version);
  out += ",\"kind\":";
  append_json_string(out, req.kind);
  out += ",\"response\":{\"allowed\":";
  out += resp.allowed ? "true" : "false";
  std::map<std::string_view, std::string_view> audit;  // sorted and last-wins, like a json object
  for (const auto& [key, value] : resp.audit_annotations)
    if (valid_audit_key(key)) audit[key] = value;
  if (!audit.empty()) {
    out += ",\"auditAnnotations\":{";
    bool first = true;
    for (const auto& [key, value] : audit) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, key);
      out += ':';
      append_json_string(out, value);
    }
    out += '}';
  }
  if (!patch.empty()) {
    out += ",\"patch\":\"";
    out += base64_encode(patch);  // base64 needs no escaping
    out += "\",\"patchType\":\"JSONPatch\"";
  }
  if (!resp.allowed) {
    int code = resp.code >= 400 ? resp.code : 403;
    out += ",\"status\":{\"code\":";
    out += std::to_string(code);
    out += ",\"message\":";
    append_json_string(out, resp.message);
    out += ",\"reason\":";
    append_json_string(out, resp.reason.empty() ? status_reason(code) : resp.reason);
    out += '}';
  }
  out += ",\"uid\":";
  append_json_string(out, resp.uid.empty() ? req.uid : resp.uid);
  auto warnings = clip_warnings(resp.warnings);
  if (!warnings.empty()) {
    out += ",\"warnings\":[";
    for (size_t i = 0; i < warnings.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, warnings[i]);
    }
    out += ']';
  }
  out += "}}";
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out((in.size() + 2) / 3 * 4, '=');
  char* o = out.data();
  auto byte = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(in[k])); };
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3, o += 4) {
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = kAlphabet[v & 63];
  }
  if (const size_t rest = in.size() - i; rest > 0) {  // the '=' padding is already there
    const unsigned v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    if (rest == 2) o[2] = kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::string base64_decode(std::string_view in) {
  std::array<int, 256> value;
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kAlphabet[i])] = i;
  if (in.size() % 4 != 0)
    throw std::invalid_argument("base64: length " + std::to_string(in.size()) +
                                " is not a multiple of 4");
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    int pad = 0;
    unsigned v = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = in[i + j];
      if (c == '=' && last && j >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      int d = value[static_cast<unsigned char>(c)];
      if (d < 0 || pad > 0)
        throw std::invalid_argument("base64: invalid character at offset " + std::to_string(i + j));
      v = (v << 6) | static_cast<unsigned>(d);
    }
    // Non-zero bits under the padding mean the text was not produced by an encoder.
    if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0))
      throw std::invalid_argument("base64: non-canonical padding at offset " + std::to_string(i));
    out += static_cast<char>((v >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(v & 0xFF);
  }
  return out;
}

}  // namespace hostadm
