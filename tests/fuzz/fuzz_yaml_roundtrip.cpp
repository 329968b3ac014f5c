// The manifest reader: parse_yaml_stream on any bytes, then to_yaml on every document must read
// back as the same value. `host-harness replay -o yaml` output is applied with kubectl, so a
// string that comes back as a number or a bool would silently change a Host.
#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/fuzz/fuzz_common.hpp"
#include "webhook/core/yaml.hpp"

using nlohmann::json;
namespace fz = hostadm::fuzz;

namespace {

// json's operator== says NaN != NaN; YAML's .nan must still round-trip.
bool same(const json& a, const json& b) {
  if (a.is_number_float() && b.is_number_float() && std::isnan(a.get<double>()) &&
      std::isnan(b.get<double>()))
    return true;
  if (a.type() != b.type() && !(a.is_number() && b.is_number())) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !same(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<hostadm::YamlDoc> docs = fz::yaml_docs_or_none(data, size);
  for (const auto& doc : docs) {
    if (doc.value.is_null()) continue;  // an empty document is skipped on the way back in
    std::string text;
    fz::no_throw("to_yaml", [&] { text = hostadm::to_yaml(doc.value); });
    hostadm::YamlDoc back;
    try {
      back = hostadm::parse_yaml_one(text);
    } catch (const std::exception& e) {
      fz::fail("round trip", std::string("to_yaml output does not parse: ") + e.what() +
                                 "\n--- to_yaml output ---\n" + text);
    }
    if (!same(doc.value, back.value))
      fz::fail("round trip",
               "value changed: " + doc.value.dump(-1, ' ', false, json::error_handler_t::replace) +
                   " -> " + back.value.dump(-1, ' ', false, json::error_handler_t::replace) +
                   "\n--- to_yaml output ---\n" + text);
  }
  return 0;
}
