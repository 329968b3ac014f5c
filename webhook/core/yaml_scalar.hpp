// How a plain (unquoted, untagged) YAML scalar is typed under the YAML 1.2 core schema: null,
// boolean, integer (decimal, 0x, 0o), float, else a string. The full reader, the writer (which
// quotes a string that would read back as another type) and the harness's fast replay reader
// all type scalars here, so the three can never disagree.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace hostadm::yaml_scalar {

// "", "~", null, Null, NULL.
bool is_null_word(std::string_view s);
// true/True/TRUE, false/False/FALSE; sets *out.
bool bool_word(std::string_view s, bool* out);
// [-+]? ( . digits | digits ( . digits? )? ) ( [eE] [-+]? digits )?
bool looks_float(std::string_view s);
// Decimal, 0x or 0o with an optional sign. Out of int64/uint64 range: a double for decimal
// text (it stays a number, as a JSON reader would keep it), not an integer at all otherwise.
bool parse_int(std::string_view s, nlohmann::json* out);
// A finite float (an overflowing literal stays the text the user wrote).
bool parse_float(std::string_view s, nlohmann::json* out);
// The value of a plain scalar: null, bool, number, or the text itself (.inf, .nan, ...).
nlohmann::json resolve_plain(std::string_view s);

}  // namespace hostadm::yaml_scalar
