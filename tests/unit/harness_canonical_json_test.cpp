#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/canonical_json.hpp"

namespace hostadm::harness {
namespace {

using nlohmann::json;

// What the text must equal: nlohmann's tree of the list, `selfLink` erased, dumped.
std::vector<std::string> by_nlohmann(const std::string& body) {
  std::vector<std::string> out;
  for (json item : json::parse(body)) {
    if (item.is_object()) item.erase("selfLink");
    out.push_back(item.dump());
  }
  return out;
}

// A recording must not depend on which reader wrote a host: the simdjson writer and the
// nlohmann fallback give the same bytes, whatever the key order, escapes or numbers.
TEST(CanonicalJson, WritesWhatNlohmannWrites) {
  const std::vector<std::string> bodies = {
      R"([{"name": "b", "id": "h", "selfLink": "providers/vsphere/u/hosts/h", "a": {"z": 1, "y": [2, {"d": null, "c": true}]}}])",
      R"([{"s": "quote \" slash \\ \/ tab \t nl \n cr \r bs \b ff \f ctl \u0001 \u001f del \u007f"}])",
      R"([{"u": "é ü 中 😀 \u00e9 \ud83d\ude00", "é": 1, "e": 2, "Z": 3, "": 4}])",
      R"([{"n": [0, -0, 1, -1, 9223372036854775807, -9223372036854775808, 18446744073709551615]}])",
      R"([{"f": [1.0, 1.5, -2.25, 1e3, 1E-7, 0.1, 123456789.123456789, 5e-324, 1.7976931348623157e308]}])",
      R"([{"dup": 1, "dup": 2, "x": {"k": "a", "k": "b"}}])",
      R"([{"selfLink": "only"}, "scalar", 3, null, [{"selfLink": "kept inside a list"}]])",
      R"([])",
  };
  for (const auto& body : bodies)
    EXPECT_EQ(canonical_items(body, "selfLink"), by_nlohmann(body)) << body;
}

// What simdjson declines takes the nlohmann path, with the same result or its precise error.
TEST(CanonicalJson, WhatSimdjsonDeclinesGoesThroughNlohmann) {
  const std::string deep = "[" + std::string(200, '[') + std::string(200, ']') + "]";
  EXPECT_EQ(canonical_items(deep, "selfLink"), by_nlohmann(deep));
  const std::string bigint = R"([{"n": 123456789012345678901234567890}])";
  EXPECT_EQ(canonical_items(bigint, "selfLink"), by_nlohmann(bigint));
  EXPECT_THROW(canonical_items("[1,", "selfLink"), json::parse_error);
  EXPECT_THROW(canonical_items("\"\xff\"", "selfLink"), json::parse_error);
  EXPECT_THAT([] { canonical_items(R"({"a": 1})", "selfLink"); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  ::testing::HasSubstr("expected a list of hosts")));
}

}  // namespace
}  // namespace hostadm::harness
