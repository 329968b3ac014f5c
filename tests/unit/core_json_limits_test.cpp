#include "webhook/core/json_limits.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hostadm {
namespace {

std::string nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonLimits, AcceptsUpToTheLimit) {
  EXPECT_NO_THROW(check_json_depth(nested(kMaxJsonDepth)));
  EXPECT_EQ(parse_json_bounded(R"({"a":[{"b":1}]})")["a"][0]["b"], 1);
}

TEST(JsonLimits, RefusesOneLevelMoreAndNamesTheByte) {
  try {
    check_json_depth(nested(kMaxJsonDepth + 1));
    FAIL() << "no exception";
  } catch (const JsonTooDeep& e) {
    EXPECT_EQ(e.byte, kMaxJsonDepth);
    EXPECT_NE(std::string(e.what()).find("deeper than 256"), std::string::npos);
  }
}

TEST(JsonLimits, RefusesTheStackOverflowInputQuickly) {
  EXPECT_THROW(parse_json_bounded(nested(100000)), JsonTooDeep);
  EXPECT_THROW(parse_json_bounded("{\"a\":" + std::string(100000, '{')), JsonTooDeep);
}

TEST(JsonLimits, BracketsInsideStringsDoNotCount) {
  const std::string text =
      "{\"s\":\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}";
  EXPECT_NO_THROW(check_json_depth(text));
  EXPECT_EQ(parse_json_bounded(text)["s"].get<std::string>().size(), 2001u);
}

TEST(JsonLimits, InvalidJsonStillFailsAsJson) {
  EXPECT_THROW(parse_json_bounded("{\"a\": "), nlohmann::json::parse_error);
  EXPECT_THROW(parse_json_bounded("]]]]"), nlohmann::json::parse_error);
}

}  // namespace
}  // namespace hostadm
