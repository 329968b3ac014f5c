#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "webhook/core/yaml.hpp"

namespace hostadm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json one(const std::string& text) {
  return parse_yaml_one(text).value;
}

json value_of(const std::string& scalar) {
  return one("v: " + scalar)["v"];
}

TEST(YamlScalars, PlainScalarsFollowTheCoreSchema) {
  EXPECT_EQ(value_of("null"), json(nullptr));
  EXPECT_EQ(value_of("Null"), json(nullptr));
  EXPECT_EQ(value_of("NULL"), json(nullptr));
  EXPECT_EQ(value_of("~"), json(nullptr));
  EXPECT_EQ(value_of(""), json(nullptr));
  EXPECT_EQ(value_of("true"), json(true));
  EXPECT_EQ(value_of("True"), json(true));
  EXPECT_EQ(value_of("FALSE"), json(false));
  EXPECT_EQ(value_of("42"), json(42));
  EXPECT_EQ(value_of("-7"), json(-7));
  EXPECT_EQ(value_of("+7"), json(7));
  EXPECT_EQ(value_of("0x1F"), json(31));
  EXPECT_EQ(value_of("0o17"), json(15));
  EXPECT_EQ(value_of("10000"), json(10000));
  EXPECT_EQ(value_of("1.5"), json(1.5));
  EXPECT_EQ(value_of("-2.5e3"), json(-2500.0));
  EXPECT_EQ(value_of(".5"), json(0.5));
  EXPECT_EQ(value_of("9223372036854775807"), json(int64_t{9223372036854775807}));
  EXPECT_EQ(value_of("18446744073709551615"), json(uint64_t{18446744073709551615ULL}));
  EXPECT_TRUE(value_of("1.0").is_number_float());
  EXPECT_TRUE(value_of("12").is_number_integer());
}

TEST(YamlScalars, EverythingElseIsAString) {
  // YAML 1.1 booleans are strings in 1.2: a host named "yes" must stay "yes".
  EXPECT_EQ(value_of("yes"), json("yes"));
  EXPECT_EQ(value_of("on"), json("on"));
  EXPECT_EQ(value_of("192.168.1.10"), json("192.168.1.10"));
  EXPECT_EQ(value_of("8.0.2"), json("8.0.2"));
  EXPECT_EQ(value_of("host-10"), json("host-10"));
  EXPECT_EQ(value_of("Management Network"), json("Management Network"));
  EXPECT_EQ(value_of("0x"), json("0x"));
  EXPECT_EQ(value_of("1e"), json("1e"));
  // JSON cannot hold infinities or NaN: they keep their text.
  EXPECT_EQ(value_of(".inf"), json(".inf"));
  EXPECT_EQ(value_of("-.inf"), json("-.inf"));
  EXPECT_EQ(value_of(".nan"), json(".nan"));
  EXPECT_EQ(value_of("1e999"), json("1e999"));
}

TEST(YamlScalars, QuotedScalarsStayStrings) {
  EXPECT_EQ(value_of("\"true\""), json("true"));
  EXPECT_EQ(value_of("'123'"), json("123"));
  EXPECT_EQ(value_of("\"null\""), json("null"));
  EXPECT_EQ(value_of("''"), json(""));
  EXPECT_EQ(value_of("\"1.5\""), json("1.5"));
  EXPECT_EQ(value_of("|\n  line one\n  line two\n"), json("line one\nline two\n"));
  EXPECT_EQ(value_of(">-\n  folded\n  text"), json("folded text"));
}

TEST(YamlScalars, ExplicitTagsAreHonoured) {
  EXPECT_EQ(value_of("!!str 123"), json("123"));
  EXPECT_EQ(value_of("!!str true"), json("true"));
  EXPECT_EQ(value_of("!!int \"42\""), json(42));
  EXPECT_EQ(value_of("!!float 1"), json(1.0));
  EXPECT_TRUE(value_of("!!float 1").is_number_float());
  EXPECT_EQ(value_of("!!bool \"true\""), json(true));
  EXPECT_EQ(value_of("! 12"), json("12"));
  try {
    one("a: 1\nv: !!int abc\n");
    FAIL() << "a bad !!int must be refused";
  } catch (const YamlError& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_THAT(e.what(), HasSubstr("!!int"));
  }
}

TEST(YamlStructure, MapsSequencesAndAliases) {
  json v = one("a:\n  - 1\n  - {b: c}\nx: &anchor [1, 2]\ny: *anchor\n");
  EXPECT_EQ(v, json::parse(R"({"a":[1,{"b":"c"}],"x":[1,2],"y":[1,2]})"));
}

TEST(YamlStructure, KeysAreAlwaysStrings) {
  json v = one("1: one\ntrue: yes\n\"q\": 2\n");
  EXPECT_EQ(v, json::parse(R"({"1":"one","true":"yes","q":2})"));
}

TEST(YamlStructure, NonScalarKeysAreRefused) {
  try {
    one("a: 1\n? [x, y]\n: 2\n");
    FAIL() << "a list as key must be refused";
  } catch (const YamlError& e) {
    EXPECT_THAT(e.what(), HasSubstr("map key"));
  }
}

TEST(YamlStream, MultipleDocumentsSkippingEmptyOnes) {
  auto docs = parse_yaml_stream("---\na: 1\n---\n---\n# just a comment\n---\nb: 2\n---\nnull\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].value, json::parse(R"({"a":1})"));
  EXPECT_EQ(docs[1].value, json::parse(R"({"b":2})"));
  EXPECT_EQ(docs[0].line, 2);
  EXPECT_EQ(docs[1].line, 7);
  EXPECT_TRUE(parse_yaml_stream("").empty());
  EXPECT_TRUE(parse_yaml_stream("---\n---\n").empty());
  EXPECT_THROW(parse_yaml_one(""), YamlError);
  EXPECT_THROW(parse_yaml_one("a: 1\n---\nb: 2\n"), YamlError);
}

TEST(YamlStream, ReadsJson) {
  const std::string text =
      R"({"apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Host",
  "metadata": {"name": "h", "labels": {"a/b": "true"}},
  "spec": {"ipAddress": "10.0.0.1", "port": 443, "ratio": 0.25, "flag": false, "none": null,
           "list": [1, "2", [], {}], "escaped": "tab\tquote\"slash\\u\u00e9"}})";
  auto docs = parse_yaml_stream(text);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].value, json::parse(text));
}

TEST(YamlLines, EveryPointerHasItsLine) {
  auto doc = parse_yaml_one(
      "providers:\n"
      "  - name: a\n"
      "    namespace: demo\n"
      "    hosts:\n"
      "      - id: host-1\n"
      "        weird/key~x: 1\n");
  const LineMap& lines = *doc.lines;
  EXPECT_EQ(lines.line_of(""), 1);
  EXPECT_EQ(lines.line_of("/providers"), 1);
  EXPECT_EQ(lines.line_of("/providers/0"), 2);
  EXPECT_EQ(lines.line_of("/providers/0/namespace"), 3);
  EXPECT_EQ(lines.line_of("/providers/0/hosts/0/id"), 5);
  EXPECT_EQ(lines.line_of("/providers/0/hosts/0/weird~1key~0x"), 6);
  // An absent key reports its nearest parent.
  EXPECT_EQ(lines.line_of("/providers/0/hosts/0/missing"), 5);
  EXPECT_EQ(lines.line_of("/providers/7"), 1);
}

TEST(YamlErrors, DuplicateKeyNamesTheSecondLine) {
  try {
    one("a: 1\nb:\n  c: 1\n  c: 2\n");
    FAIL() << "duplicate key accepted";
  } catch (const YamlError& e) {
    EXPECT_EQ(e.line, 4);
    EXPECT_THAT(e.what(), HasSubstr("duplicate key 'c'"));
  }
}

TEST(YamlErrors, InvalidYamlNamesTheLine) {
  try {
    one("a: 1\nb: [1, 2\nc: 3\n");
    FAIL() << "invalid YAML accepted";
  } catch (const YamlError& e) {
    EXPECT_GE(e.line, 2);
    EXPECT_THAT(e.what(), HasSubstr("invalid YAML"));
  }
  try {
    one("a: 1\n  b: 2\n");
    FAIL() << "bad indentation accepted";
  } catch (const YamlError& e) {
    EXPECT_EQ(e.line, 2);
  }
  EXPECT_THROW(one("*undefined_alias\n"), YamlError);
  EXPECT_THROW(one("\t- tab indented: [\n"), YamlError);
  // yaml-cpp 0.7's LoadAll loops forever on these; the reader must fail instead.
  for (const char* text : {",", "\n,\n", "!n,t sBt", "a: 1\n---\n,\n"}) {
    try {
      parse_yaml_stream(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const YamlError& e) {
      EXPECT_THAT(e.what(), HasSubstr("invalid YAML")) << text;
    }
  }
}

TEST(YamlErrors, InvalidUtf8IsRefusedWithItsLine) {
  try {
    one("a: 1\nb: \"t\xff\xfewo\"\n");
    FAIL() << "invalid UTF-8 accepted";
  } catch (const YamlError& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_THAT(e.what(), HasSubstr("not valid UTF-8"));
  }
  EXPECT_THROW(one("\xc0\xaf: overlong\n"), YamlError);
  EXPECT_THROW(one("v: \xed\xa0\x80\n"), YamlError);  // a UTF-16 surrogate
  EXPECT_THROW(one("v: \"\\uFFFF\"\n"), YamlError);   // a noncharacter, even escaped
  EXPECT_EQ(one("v: \"h\u00e9llo \xe4\xb8\xad \xf0\x9f\x98\x80\"\n")["v"],
            json("h\u00e9llo \u4e2d \U0001F600"));
}

TEST(YamlLimits, BillionLaughsFailsOnTheNodeLimit) {
  const std::string bomb =
      "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
      "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
      "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
      "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
      "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
  try {
    parse_yaml_stream(bomb);
    FAIL() << "10^9 expanded nodes accepted";
  } catch (const YamlError& e) {
    EXPECT_THAT(e.what(), HasSubstr("too many nodes"));
    EXPECT_THAT(e.what(), HasSubstr(std::to_string(YamlLimits{}.max_nodes)));
  }
  YamlLimits small;
  small.max_nodes = 50;
  EXPECT_NO_THROW(parse_yaml_stream("a: &a [1, 2, 3]\nb: *a\n", small));
  EXPECT_THROW(parse_yaml_stream("a: &a [1,2,3,4,5,6,7,8,9,10]\nb: [*a, *a, *a, *a, *a]\n", small),
               YamlError);
}

TEST(YamlLimits, DeepNestingAndSizeAreRefused) {
  std::string deep = std::string(500, '[') + std::string(500, ']');
  try {
    parse_yaml_stream(deep);
    FAIL() << "500 levels accepted";
  } catch (const YamlError& e) {
    EXPECT_THAT(e.what(), HasSubstr("nesting deeper than 128"));
  }
  // Deeper than yaml-cpp's own parser guard: still a YamlError, never a crash.
  std::string deeper = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_THROW(parse_yaml_stream(deeper), YamlError);
  std::string ok = std::string(100, '[') + std::string(100, ']');
  EXPECT_NO_THROW(parse_yaml_stream(ok));

  YamlLimits tiny;
  tiny.max_bytes = 10;
  try {
    parse_yaml_stream("a: 123456789\n", tiny);
    FAIL() << "oversized input accepted";
  } catch (const YamlError& e) {
    EXPECT_THAT(e.what(), HasSubstr("over the limit"));
  }
}

TEST(YamlLimits, MaxDepthCountsWhatAliasesExpandTo) {
  // Each line nests the previous value one level deeper: shallow text, a 200-level value.
  std::string chain = "m0: &m0 {x: 1}\n";
  for (int i = 1; i < 200; ++i)
    chain += "m" + std::to_string(i) + ": &m" + std::to_string(i) + " {p: *m" +
             std::to_string(i - 1) + "}\n";
  try {
    parse_yaml_stream(chain);
    FAIL() << "a 200-level value accepted";
  } catch (const YamlError& e) {
    EXPECT_THAT(e.what(), HasSubstr("nesting deeper than 128 levels once aliases are expanded"));
    EXPECT_EQ(e.line, 128);  // m127's alias makes the first value past the limit
  }
  YamlLimits shallow;
  shallow.max_depth = 4;
  EXPECT_NO_THROW(parse_yaml_stream("a: &a {b: {c: 1}}\nd: *a\n", shallow));
  EXPECT_THROW(parse_yaml_stream("a: &a {b: {c: 1}}\nd: {e: *a}\nf: {g: {h: *a}}\n", shallow),
               YamlError);
}

TEST(YamlLimits, ExpandedTextIsBoundedByMaxBytes) {
  YamlLimits small;
  small.max_bytes = 200;
  const std::string text =
      "a: &a \"0123456789012345678901234567890123456789\"\n"
      "b: [*a, *a, *a, *a, *a]\n";  // under 200 bytes, over 200 once expanded
  ASSERT_LT(text.size(), small.max_bytes);
  try {
    parse_yaml_stream(text, small);
    FAIL() << "alias expansion past max_bytes accepted";
  } catch (const YamlError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expand to more than 200 bytes"));
    EXPECT_EQ(e.line, 2);
  }
  EXPECT_NO_THROW(parse_yaml_stream("a: &a \"0123456789\"\nb: [*a, *a]\n", small));
}

TEST(YamlMergeKeys, MergeLikeKubectlWithExplicitKeysWinning) {
  const std::string base = "base: &b {a: 1, b: 2}\n";
  EXPECT_EQ(one(base + "x: {<<: *b, b: 3, c: 4}\n")["x"], json({{"a", 1}, {"b", 3}, {"c", 4}}));
  // An explicit key wins wherever it is written, before or after the merge.
  EXPECT_EQ(one(base + "x: {b: 3, <<: *b}\n")["x"], json({{"a", 1}, {"b", 3}}));
  // In a list, earlier maps win over later ones.
  EXPECT_EQ(one("p: &p {k: 1, p: 1}\nq: &q {k: 2, q: 2}\nx:\n  q: 9\n  <<: [*p, *q]\n")["x"],
            json({{"k", 1}, {"p", 1}, {"q", 9}}));
  EXPECT_EQ(one("x: {<<: {a: 1}}\n")["x"], json({{"a", 1}}));
  // A merged map can itself be anchored and reused.
  EXPECT_EQ(one(base + "x: &x {<<: *b}\ny: *x\n")["y"], json({{"a", 1}, {"b", 2}}));
}

TEST(YamlMergeKeys, QuotedMergeWordIsAnOrdinaryKeyAndRoundTrips) {
  json v = one("x: {\"<<\": 1}\n");
  EXPECT_EQ(v["x"], json({{"<<", 1}}));
  EXPECT_EQ(parse_yaml_one(to_yaml(v)).value, v);
}

TEST(YamlMergeKeys, BadMergesNameTheLine) {
  try {
    one("a: 1\nx: {<<: 5}\n");
    FAIL() << "merging a number accepted";
  } catch (const YamlError& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_THAT(e.what(), HasSubstr("takes a map or a list of maps"));
  }
  EXPECT_THROW(one("a: &a [1]\nx: {<<: *a}\n"), YamlError);
  EXPECT_THROW(one("a: &a {p: 1}\nx: {<<: [*a, 3]}\n"), YamlError);
  try {
    one("a: &a {p: 1}\nx:\n  <<: *a\n  <<: *a\n");
    FAIL() << "two merge keys in one map accepted";
  } catch (const YamlError& e) {
    EXPECT_EQ(e.line, 4);
    EXPECT_THAT(e.what(), HasSubstr("<<: [*a, *b]"));
  }
}

TEST(YamlMergeKeys, MergedKeysHaveTheLineOfTheMerge) {
  YamlDoc doc = parse_yaml_one("base: &b\n  a: 1\nx:\n  c: 2\n  <<: *b\n");
  EXPECT_EQ(doc.lines->line_of("/x/a"), 5);
  EXPECT_EQ(doc.lines->line_of("/x/c"), 4);
}

TEST(YamlMergeKeys, LongMergeChainStaysFlat) {
  // hardening.py's merge-chain.yaml: with merge keys applied the value is 2 levels deep.
  std::string chain = "m0: &m0 {x: 1}\n";
  for (int i = 1; i < 500; ++i)
    chain += "m" + std::to_string(i) + ": &m" + std::to_string(i) + " {<<: *m" +
             std::to_string(i - 1) + ", k" + std::to_string(i) + ": " + std::to_string(i) + "}\n";
  json v = one(chain);
  EXPECT_EQ(v["m499"].size(), 500u);
  EXPECT_EQ(v["m499"]["x"], json(1));
  EXPECT_EQ(v["m499"]["k1"], json(1));
}

TEST(ToYaml, KeysLongerThanAnImplicitKeyReadBack) {
  json v;
  v[std::string(2000, 'k')] = 1;
  v[std::string(300, '\x01')] = "control characters escape to four times their length";
  v[std::string(100, '"') + "\u00e9"] = true;
  EXPECT_EQ(parse_yaml_one(to_yaml(v)).value, v);
  // Ordinary keys keep the implicit form.
  EXPECT_EQ(to_yaml(json({{"name", "x"}})), "name: x\n");
}

TEST(ToYaml, BlockStyleOutput) {
  json v =
      json::parse(R"({"spec":{"ipAddress":"192.168.1.10","provider":{"name":"p"}},"list":[1,2]})");
  std::string text = to_yaml(v);
  EXPECT_THAT(text, HasSubstr("  ipAddress: 192.168.1.10\n"));
  EXPECT_THAT(text, HasSubstr("list:\n  - 1\n  - 2\n"));
  EXPECT_EQ(text.back(), '\n');
}

TEST(ToYaml, RoundTripsVariedValues) {
  const json strings = json::array({"",
                                    "true",
                                    "True",
                                    "false",
                                    "yes",
                                    "no",
                                    "on",
                                    "off",
                                    "y",
                                    "n",
                                    "null",
                                    "Null",
                                    "~",
                                    "123",
                                    "-1",
                                    "+1",
                                    "0x1F",
                                    "0o17",
                                    "0755",
                                    "1_000",
                                    "1.0",
                                    "1e3",
                                    ".5",
                                    ".inf",
                                    "-.inf",
                                    ".nan",
                                    "12:30",
                                    "0b101",
                                    "a: b",
                                    "a:b",
                                    "key:",
                                    "- item",
                                    "-",
                                    "#comment",
                                    "a #b",
                                    "[x]",
                                    "{x}",
                                    "*alias",
                                    "&anchor",
                                    "!tag",
                                    "%directive",
                                    "@at",
                                    "`tick",
                                    "'single'",
                                    "\"double\"",
                                    "|",
                                    ">",
                                    "?",
                                    " leading",
                                    "trailing ",
                                    "multi\nline",
                                    "multi\nline\n",
                                    "tab\there",
                                    "\x01ctrl",
                                    "héllo ✓",
                                    "192.168.1.10",
                                    "8.0.2",
                                    "fe80::1",
                                    "a,b",
                                    "---",
                                    "...",
                                    "Management Network",
                                    "/DC1/host/ClusterA/esxi-dup.example.com",
                                    "https://vcenter.example.com/sdk",
                                    "forklift.konveyor.io/network-adapter"});
  json obj = json::object();
  for (size_t i = 0; i < strings.size(); ++i) {
    const std::string& s = strings[i].get_ref<const std::string&>();
    obj["v" + std::to_string(i)] = s;
    obj[s.empty() ? std::string("empty-key") : s] = static_cast<int>(i);  // keys too
  }
  json numbers =
      json::array({0, -1, 42, int64_t{9223372036854775807}, uint64_t{18446744073709551615ULL}, 1.5,
                   -0.25, 1e300, 1.0, 100.0, 1e-7, 3.141592653589793});
  json v = {{"strings", strings},
            {"obj", obj},
            {"numbers", numbers},
            {"bools", {true, false}},
            {"null", nullptr},
            {"empty", {{"o", json::object()}, {"a", json::array()}}},
            {"nested", {{"a", {{"b", {1, {{"c", "d"}}}}}}}}};
  std::string text = to_yaml(v);
  json back;
  ASSERT_NO_THROW(back = parse_yaml_one(text).value) << text;
  EXPECT_EQ(back, v) << text;
  for (const auto& n : numbers) {
    json b = parse_yaml_one(to_yaml(n)).value;
    EXPECT_EQ(b, n);
    EXPECT_EQ(b.is_number_float(), n.is_number_float()) << n.dump();
  }
  for (const auto& s : strings) EXPECT_EQ(parse_yaml_one(to_yaml(s)).value, s) << to_yaml(s);
}

TEST(ToYaml, QuotesWordsThatYaml11ReadersTakeForOtherTypes) {
  // kubectl reads YAML 1.1: our `-o yaml` output must keep these strings strings there too.
  EXPECT_EQ(to_yaml(json{{"v", "yes"}}), "v: \"yes\"\n");
  EXPECT_EQ(to_yaml(json{{"v", "0755"}}), "v: \"0755\"\n");
  EXPECT_EQ(to_yaml(json{{"v", "true"}}), "v: \"true\"\n");
  EXPECT_EQ(to_yaml(json{{"v", "host-10"}}), "v: host-10\n");
}

}  // namespace
}  // namespace hostadm
