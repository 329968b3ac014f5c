// blank_escapes (json_escapes.hpp): which escapes it blanks, wherever they fall against its
// sixteen-byte blocks, and the property the reader stands on: a blanked text parses exactly when
// the text does.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <random>
#include <string>

#include "unit/testlib/source_file.hpp"
#include "webhook/core/json_escapes.hpp"

namespace hostadm::testing {
namespace {

std::string blanked(std::string text, size_t* count = nullptr) {
  const size_t n = blank_escapes(text.data(), text.size());
  if (count) *count = n;
  return text;
}

// The rule spelled out one byte at a time: a backslash escapes the byte after it, and the pair
// is blanked when that byte is one of the eight simple escapes.
std::string reference(std::string text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '\\') continue;
    if (std::string_view("\"\\/bfnrt").find(text[i + 1]) != std::string_view::npos) {
      text[i] = kBlank[0];
      text[i + 1] = kBlank[1];
    }
    ++i;  // the escaped byte, blanked or not
  }
  return text;
}

struct Row {
  const char* name;
  std::string text;
  std::string want;
  size_t count;
};

const std::string B(kBlank);

TEST(BlankEscapes, BlanksTheSimpleEscapesAndLeavesTheRest) {
  const std::vector<Row> rows = {
      {"an escaped quote", R"("a\"b")", "\"a" + B + "b\"", 1},
      {"every simple escape", R"(\"\\\/\b\f\n\r\t)", B + B + B + B + B + B + B + B, 8},
      {"an escaped backslash before a quote ends the string", R"("a\\")", "\"a" + B + "\"", 1},
      {"three backslashes and a quote: two escapes", R"(\\\")", B + B, 2},
      {"\\u escapes are the parser's", R"("\u0041\u00e9")", R"("\u0041\u00e9")", 0},
      {"an escaped backslash before u is not a \\u escape", R"(\\u0041)", B + "u0041", 1},
      {"an invalid escape is left for the parser to refuse", R"("\q\x")", R"("\q\x")", 0},
      {"a backslash at the end escapes nothing", "ab\\", "ab\\", 0},
      {"no escape", R"({"a":"b"})", R"({"a":"b"})", 0},
      {"empty", "", "", 0},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    size_t count = 0;
    EXPECT_EQ(blanked(r.text, &count), r.want);
    EXPECT_EQ(count, r.count);
    EXPECT_EQ(reference(r.text), r.want);
  }
}

// The blocks of sixteen and of 64: an escape at every offset across five block boundaries,
// alone, after an escaped backslash, and as the start of a run of backslashes.
TEST(BlankEscapes, AnEscapeReadsTheSameAtEveryOffset) {
  for (const std::string escape : {"\\\"", "\\\\", "\\\\\\\"", "\\\\\\\\\\", "\\u0041", "\\q"}) {
    for (size_t at = 0; at < 80; ++at) {
      std::string text = std::string(at, 'x') + escape + std::string(40, 'y') + "\\n";
      SCOPED_TRACE("escape " + escape + " at " + std::to_string(at));
      EXPECT_EQ(blanked(text), reference(text));
    }
  }
}

// Random texts of the bytes escapes are made of, against the rule spelled out.
TEST(BlankEscapes, MatchesTheRuleOnRandomTexts) {
  std::mt19937 random(7);
  const std::string alphabet = "\\\"/nu0xq";
  for (int i = 0; i < 5000; ++i) {
    std::string text(random() % 150, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    EXPECT_EQ(blanked(text), reference(text)) << text;
  }
}

bool parses(const std::string& text) {
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(text).get(root) == simdjson::SUCCESS;
}

// The property the reader stands on: a review from kubectl apply, broken at random places with
// the bytes of escapes and of JSON's structure, parses blanked exactly when it parses as it is.
TEST(BlankEscapes, ABlankedTextParsesExactlyWhenTheTextDoes) {
  const std::string review = source_file("/bench/review-apply.json");
  ASSERT_FALSE(review.empty());
  ASSERT_TRUE(parses(blanked(review)));
  std::mt19937 random(11);
  const std::string bytes = "\\\"/{}[]:,ntu0 ";
  int valid = 0, invalid = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text = review;
    for (int edits = 1 + random() % 3; edits > 0; --edits) {
      const size_t at = random() % text.size();
      const char byte = bytes[random() % bytes.size()];
      if (random() % 2)
        text[at] = byte;
      else
        text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte);
    }
    const bool ok = parses(text);
    (ok ? valid : invalid)++;
    ASSERT_EQ(parses(blanked(text)), ok) << text;
  }
  // Both sides were tried: edits inside the last-applied string mostly keep the text valid.
  EXPECT_GT(valid, 200);
  EXPECT_GT(invalid, 200);
}

// One byte of it is enough: a message cut to its length may keep only half of a blank.
TEST(HasBlank, FindsAByteOfABlank) {
  EXPECT_TRUE(has_blank("a" + B + "b"));
  EXPECT_TRUE(has_blank("cut at a\x7F"));
  EXPECT_FALSE(has_blank("plain \xC3\xA9"));
  EXPECT_FALSE(has_blank(""));
}

}  // namespace
}  // namespace hostadm::testing
