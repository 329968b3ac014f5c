// The server's fast way to read an AdmissionReview body. The nlohmann path
// (parse_json_bounded + decode_review) builds a DOM of the whole 3 KiB review, managedFields
// included, and that alone cost more than the HTTP server around it. This reader validates the
// whole body with simdjson and builds only the request fields and decision_view() of object and
// oldObject. It reads exactly what the nlohmann path would, or declines.
#pragma once

#include <optional>
#include <string_view>

#include "webhook/core/admission.hpp"

namespace hostadm {

// Bodies above this are left to the nlohmann path: simdjson's working memory grows with the
// largest document a parser has seen, and real Host reviews are a few KiB.
inline constexpr size_t kFastReviewMaxBytes = 64 * 1024;

// The review with object/oldObject cut to decision_view(), or nullopt when the body is anything
// but a plain, well-formed review (invalid or too deep JSON, wrong types, no uid, a number
// inside the parts the decision reads, ...). On nullopt the caller takes the nlohmann path,
// which gives the same answer or the precise error; this function never throws.
std::optional<AdmissionRequest> read_review_fast(std::string_view body) noexcept;

}  // namespace hostadm
