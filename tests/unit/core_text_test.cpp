// The shared text helpers: every caller (denial messages, warnings, fixture and policy errors,
// log lines, -o json/junit output) relies on these exact rules.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "webhook/core/text.hpp"

namespace hostadm::text {
namespace {

TEST(Join, WritesItemsWithTheSeparator) {
  struct Case {
    std::vector<std::string> items;
    std::string sep, want;
  };
  const Case cases[] = {
      {{}, ", ", ""},
      {{"a"}, ", ", "a"},
      {{"a", "b", "c"}, ", ", "a, b, c"},
      {{"a", "", "c"}, ",", "a,,c"},
      {{"x", "y"}, "\n", "x\ny"},
  };
  for (const auto& c : cases) EXPECT_EQ(join(c.items, c.sep), c.want) << c.want;
  EXPECT_EQ(join(std::vector<std::string>{"p", "q"}), "p, q");  // default separator
  std::initializer_list<const char*> literals = {"openshift", "vsphere"};
  EXPECT_EQ(join(literals), "openshift, vsphere");
}

TEST(Trim, DropsOnlyTheGivenCharactersAtBothEnds) {
  struct Case {
    std::string in, chars, want;
  };
  const Case cases[] = {
      {"  token\n", " \t\r\n", "token"},
      {"\t a b \t", " \t", "a b"},
      {"a\n", " \t", "a\n"},  // '\n' is not in the set
      {"   ", " ", ""},
      {"", " ", ""},
      {"x", " ", "x"},
  };
  for (const auto& c : cases) EXPECT_EQ(trim(c.in, c.chars), c.want) << "'" << c.in << "'";
  EXPECT_EQ(trim("\r\n tok \r\n"), "tok");  // default: spaces, tabs and line ends
}

TEST(JsonPointer, EscapesTildeThenSlash) {
  struct Case {
    std::string key, token;
  };
  const Case cases[] = {
      {"plain", "plain"},
      {"a/b", "a~1b"},
      {"m~n", "m~0n"},
      {"~1", "~01"},
      {"/~", "~1~0"},
      {"", ""},
      {"k8s.io/name", "k8s.io~1name"},
  };
  for (const auto& c : cases) EXPECT_EQ(json_pointer_token(c.key), c.token) << c.key;
  EXPECT_EQ(json_pointer_child("/metadata/annotations", "a/b"), "/metadata/annotations/a~1b");
  EXPECT_EQ(json_pointer_child("", "spec"), "/spec");
}

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("address-not-allowed", "address-not-allowed"), 0u);
  EXPECT_EQ(edit_distance("adress-not-allowed", "address-not-allowed"), 1u);    // insertion
  EXPECT_EQ(edit_distance("addresss-not-allowed", "address-not-allowed"), 1u);  // deletion
  EXPECT_EQ(edit_distance("address-not-alloweb", "address-not-allowed"), 1u);   // substitution
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("policy", "polciy"), 2u);  // a swap is two edits
}

TEST(Utf8, ValidityFollowsRfc3629) {
  struct Case {
    std::string bytes;
    bool valid;
    const char* what;
  };
  const Case cases[] = {
      {"", true, "empty"},
      {"plain ascii", true, "ascii"},
      {"caf\xC3\xA9", true, "2-byte"},
      {"\xE2\x82\xAC", true, "3-byte euro"},
      {"\xF0\x9F\x98\x80", true, "4-byte emoji"},
      {"\xF4\x8F\xBF\xBF", true, "U+10FFFF"},
      {"\x80", false, "stray continuation byte"},
      {"\xC3", false, "truncated 2-byte"},
      {"\xE2\x82", false, "truncated 3-byte"},
      {"\xC3\x28", false, "bad continuation"},
      {"\xC0\xAF", false, "overlong 2-byte"},
      {"\xE0\x80\xAF", false, "overlong 3-byte"},
      {"\xF0\x80\x80\xAF", false, "overlong 4-byte"},
      {"\xED\xA0\x80", false, "surrogate"},
      {"\xF4\x90\x80\x80", false, "past U+10FFFF"},
      {"\xFF", false, "never in UTF-8"},
      {"ok\xFEok", false, "0xFE inside ascii"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(utf8_valid(c.bytes), c.valid) << c.what;
    // The byte-wise decoder agrees with the bulk check.
    bool decoded = true;
    for (size_t i = 0, len = 0; decoded && i < c.bytes.size(); i += len) {
      len = utf8_sequence(c.bytes, i);
      decoded = len > 0;
    }
    EXPECT_EQ(decoded, c.valid) << c.what;
  }
}

TEST(Utf8, SequenceReportsLengthAndCodePoint) {
  uint32_t cp = 0;
  EXPECT_EQ(utf8_sequence("A", 0, &cp), 1u);
  EXPECT_EQ(cp, 0x41u);
  EXPECT_EQ(utf8_sequence("x\xC3\xA9", 1, &cp), 2u);
  EXPECT_EQ(cp, 0xE9u);
  EXPECT_EQ(utf8_sequence("\xEF\xBF\xBF", 0, &cp), 3u);
  EXPECT_EQ(cp, 0xFFFFu);
  EXPECT_EQ(utf8_sequence("\xF0\x9F\x98\x80", 0, &cp), 4u);
  EXPECT_EQ(cp, 0x1F600u);
  EXPECT_EQ(utf8_sequence("abc", 3), 0u);  // past the end
}

TEST(Utf8, CutNeverSplitsACodePoint) {
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  struct Case {
    std::string s;
    size_t budget, want;
  };
  const Case cases[] = {
      {"abcdef", 3, 3},
      {"abc", 10, 3},  // fits: whole length
      {"abc", 3, 3},
      {"a" + euro, 1, 1},  // cut before the euro
      {"a" + euro, 2, 1},  // inside the euro: back to its start
      {"a" + euro, 3, 1},
      {"a" + euro, 4, 4},        // fits exactly
      {"a" + euro + "b", 4, 4},  // right after it
      {euro, 0, 0},
      {euro + euro, 5, 3},
      {"\xF0\x9F\x98\x80z", 3, 0},  // a 4-byte sequence as the first character
      {"\xF0\x9F\x98\x80z", 4, 4},
  };
  for (const auto& c : cases) {
    const size_t cut = utf8_cut(c.s, c.budget);
    EXPECT_EQ(cut, c.want) << "budget " << c.budget;
    EXPECT_TRUE(utf8_valid(c.s.substr(0, cut))) << "budget " << c.budget;
  }
}

TEST(ShownInMessage, KeepsShortTextAndCutsLongTextWithItsLength) {
  EXPECT_EQ(shown_in_message("esxi-1"), "esxi-1");
  const std::string exact(kMessageQuoteBytes, 'x');
  EXPECT_EQ(shown_in_message(exact), exact);
  const std::string long_text(4 * 1024 * 1024, 'y');
  EXPECT_EQ(shown_in_message(long_text),
            std::string(kMessageQuoteBytes, 'y') + "... (4194304 bytes)");
  // A multi-byte character straddling the budget is dropped whole, never split.
  const std::string straddling = std::string(kMessageQuoteBytes - 1, 'a') + "\xC3\xA9" + "tail";
  EXPECT_EQ(shown_in_message(straddling), std::string(kMessageQuoteBytes - 1, 'a') + "... (" +
                                              std::to_string(straddling.size()) + " bytes)");
  // Message text is the user's own: control characters and non-ASCII are kept as they are.
  EXPECT_EQ(shown_in_message("a\tb caf\xC3\xA9"), "a\tb caf\xC3\xA9");
}

TEST(ShownInLog, PrintableAsciiWithoutQueryAndBounded) {
  struct Case {
    std::string in, want;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1", "GET / HTTP/1.1"},
      {"/validate?token=secret", "/validate..."},  // nothing after '?' ever reaches a log
      {"?", "..."},
      {"a\r\nb\x01\x7f", "a..b.."},
      {"caf\xC3\xA9", "caf.."},
      {std::string(kLogQuoteBytes, 'z'), std::string(kLogQuoteBytes, 'z')},
      {std::string(kLogQuoteBytes + 1, 'z'), std::string(kLogQuoteBytes, 'z') + "..."},
  };
  for (const auto& c : cases) EXPECT_EQ(shown_in_log(c.in), c.want) << c.in;
}

}  // namespace
}  // namespace hostadm::text
