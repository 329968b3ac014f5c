// Pieces of the output formats (results.hpp) that `test` reuses for its own reports.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/results.hpp"

namespace hostadm::harness {

// One entry of the `results` array of `-o json`.
nlohmann::json result_json(const DocResult& r);

// Text safe inside an XML attribute or element: markup escaped, and characters XML 1.0
// forbids (control characters, invalid UTF-8) replaced, so a hostile manifest cannot break
// the report a CI system parses.
std::string xml_escape(std::string_view text);

// JSON text that never throws on invalid UTF-8 in user strings (replaced by U+FFFD).
std::string dump_json(const nlohmann::json& value, int indent = 2);

// Colour only for people: stdout is a terminal and NO_COLOR is unset or empty.
bool want_color();

}  // namespace hostadm::harness
