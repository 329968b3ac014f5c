#include "webhook/core/admission.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>

#include "webhook/core/json_write.hpp"
#include "webhook/core/text.hpp"

namespace hostadm {

namespace {

constexpr size_t kMaxWarningChars = 120;
constexpr size_t kMaxWarningsTotal = 4096;

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

void AdmissionRequest::reset() {
  api_version.assign(kApiVersion);
  kind.assign(kKind);
  for (std::string* s :
       {&uid, &resource.group, &resource.version, &resource.resource, &sub_resource, &kind_group,
        &kind_version, &kind_kind, &name, &ns, &operation, &username})
    s->clear();
  dry_run = false;
  object.reset();
  old_object.reset();
}

void AdmissionResponse::reset() {
  uid.clear();
  allowed = true;
  code = 200;
  reason.clear();
  message.clear();
  warnings.clear();
  patch = JsonPatch();
  audit_annotations.clear();
}

const std::string& AdmissionRequest::display_name() const {
  if (!name.empty()) return name;
  if (!object.display_name().empty()) return object.display_name();
  return old_object.display_name();
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

// Sorted by key, the last of a duplicate key kept (as a json object would hold them), and only
// the keys the apiserver keeps.
void append_audit_annotations(std::string& out,
                              const std::vector<std::pair<std::string, std::string>>& audit) {
  // The webhook's own answers carry two; a list is kept for more.
  size_t inline_kept[4];
  std::vector<size_t> more;
  size_t* kept = inline_kept;
  if (audit.size() > std::size(inline_kept)) {
    more.resize(audit.size());
    kept = more.data();
  }
  size_t n = 0;
  for (size_t i = 0; i < audit.size(); ++i)
    if (valid_audit_key(audit[i].first)) kept[n++] = i;
  if (n == 0) return;
  // Insertion sort: stable, and for the few keys an answer carries it needs no buffer
  // (std::stable_sort allocates one, on every answer).
  for (size_t k = 1; k < n; ++k) {
    const size_t moving = kept[k];
    size_t j = k;
    for (; j > 0 && audit[moving].first < audit[kept[j - 1]].first; --j) kept[j] = kept[j - 1];
    kept[j] = moving;
  }
  out += ",\"auditAnnotations\":{";
  bool first = true;
  for (size_t k = 0; k < n; ++k) {
    const auto& [key, value] = audit[kept[k]];
    if (k + 1 < n && audit[kept[k + 1]].first == key) continue;  // a later one wins
    if (!first) out += ',';
    first = false;
    append_json_string(out, key);
    out += ':';
    append_json_string(out, value);
  }
  out += '}';
}

// clip_warnings() written out; the common answer's few short warnings go in without a copy.
void append_warnings(std::string& out, const std::vector<std::string>& warnings) {
  size_t total = 0, kept = 0;
  bool as_given = true;
  for (const auto& w : warnings) {
    as_given = as_given && w.size() <= kMaxWarningChars;
    total += w.size();
    kept += w.empty() ? 0 : 1;
  }
  if (kept == 0) return;
  out += ",\"warnings\":[";
  bool first = true;
  auto add = [&](const std::string& w) {
    if (w.empty()) return;
    if (!first) out += ',';
    first = false;
    append_json_string(out, w);
  };
  if (as_given && total <= kMaxWarningsTotal) {
    for (const auto& w : warnings) add(w);
  } else {
    for (const auto& w : clip_warnings(warnings)) add(w);
  }
  out += ']';
}

// The patch's text, base64-encoded in place: the apiserver wants base64 of the JSON array.
void append_patch(std::string& out, const JsonPatch& patch) {
  out += ",\"patch\":\"";
  base64_append(out, patch.text());  // base64 needs no escaping
  out += "\",\"patchType\":\"JSONPatch\"";
}

}  // namespace

// Written directly, in the bytes nlohmann's dump(-1, ' ', false, replace) would give for the
// same document (keys sorted as its std::map sorts them): building a json tree first cost more
// than the rest of a /mutate answer (tests/unit/core_admission_test.cpp holds the writer to it).
// A patch on a denial is meaningless and a patch on a validating answer is an error, so only an
// allowed answer with a real patch carries one.
void encode_review(std::string& out, const AdmissionRequest& req, const AdmissionResponse& resp) {
  out += "{\"apiVersion\":";
  append_json_string(out, req.api_version);
  out += ",\"kind\":";
  append_json_string(out, req.kind);
  out += ",\"response\":{\"allowed\":";
  out += resp.allowed ? "true" : "false";
  append_audit_annotations(out, resp.audit_annotations);
  if (resp.allowed && !resp.patch.empty()) append_patch(out, resp.patch);
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
  append_warnings(out, resp.warnings);
  out += "}}";
}

std::string encode_review_string(const AdmissionRequest& req, const AdmissionResponse& resp) {
  std::string out;
  out.reserve(1024);
  encode_review(out, req, resp);
  return out;
}

namespace {

// Every 12-bit group as its two base64 characters: two lookups per 3 bytes of input.
struct Base64Pairs {
  char pair[4096][2];
  constexpr Base64Pairs() : pair() {
    for (int i = 0; i < 4096; ++i) {
      pair[i][0] = kAlphabet[i >> 6];
      pair[i][1] = kAlphabet[i & 63];
    }
  }
};
constexpr Base64Pairs kPairs;

}  // namespace

void base64_append(std::string& out, std::string_view in) {
  const size_t start = out.size();
  out.resize(start + (in.size() + 2) / 3 * 4, '=');
  char* o = out.data() + start;
  const auto* b = reinterpret_cast<const unsigned char*>(in.data());
  size_t i = 0;
  // Six bytes (four 12-bit groups) per step from one 64-bit load while eight can be read.
  for (; i + 8 <= in.size(); i += 6, o += 8) {
    uint64_t v;
    std::memcpy(&v, b + i, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);  // the first byte in the top bits
#endif
    std::memcpy(o, kPairs.pair[(v >> 52) & 0xFFF], 2);
    std::memcpy(o + 2, kPairs.pair[(v >> 40) & 0xFFF], 2);
    std::memcpy(o + 4, kPairs.pair[(v >> 28) & 0xFFF], 2);
    std::memcpy(o + 6, kPairs.pair[(v >> 16) & 0xFFF], 2);
  }
  for (; i + 2 < in.size(); i += 3, o += 4) {
    const unsigned v = unsigned(b[i]) << 16 | unsigned(b[i + 1]) << 8 | b[i + 2];
    std::memcpy(o, kPairs.pair[v >> 12], 2);
    std::memcpy(o + 2, kPairs.pair[v & 0xFFF], 2);
  }
  if (const size_t rest = in.size() - i; rest > 0) {  // the '=' padding is already there
    const unsigned v = unsigned(b[i]) << 16 | (rest == 2 ? unsigned(b[i + 1]) << 8 : 0);
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    if (rest == 2) o[2] = kAlphabet[(v >> 6) & 63];
  }
}

std::string base64_encode(std::string_view in) {
  std::string out;
  base64_append(out, in);
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
