// The formats `replay` and `send` write: JSON of the documented shape, a YAML stream that replays
// clean, well-formed JUnit, and the table.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>

#include "harness/output.hpp"
#include "harness/results.hpp"
#include "unit/testlib/harness_docs.hpp"
#include "webhook/core/rules.hpp"

namespace hostadm::harness {
namespace {

using nlohmann::json;

TEST(Output, JsonHasTheSpecShape) {
  Pipeline p(sample_fixture(), Policy{});
  std::vector<DocResult> rs = {p.run(doc_from_yaml(kAdapterHost), "", 1),
                               p.run(doc_from_yaml("kind: ConfigMap\n", 1), "", 2),
                               p.run(doc_from_yaml("- x\n", 2), "", 3)};
  std::ostringstream out;
  write_results(out, rs, Format::Json, false);
  json j = json::parse(out.str());
  ASSERT_TRUE(j["results"].is_array());
  ASSERT_EQ(j["results"].size(), 3u);
  const json& r = j["results"][0];
  for (const char* key : {"source", "namespace", "name", "operation", "allowed", "code", "rules",
                          "message", "warnings", "patch", "object"})
    EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_EQ(r["source"], "test.yaml#0");
  EXPECT_EQ(r["allowed"], true);
  EXPECT_TRUE(r["patch"].is_array());
  EXPECT_EQ(r["object"]["spec"]["ipAddress"], "192.168.1.10");
  EXPECT_EQ(j["results"][1]["skipped"], true);
  EXPECT_EQ(j["results"][1]["reason"], "kind ConfigMap");
  EXPECT_EQ(j["results"][2]["allowed"], false);
  EXPECT_EQ(j["results"][2]["code"], 400);
  EXPECT_EQ(j["summary"], (json{{"total", 3}, {"admitted", 1}, {"denied", 1}, {"skipped", 1}}));
}

TEST(Output, JsonSurvivesInvalidUtf8) {
  DocResult r;
  r.source = "x#0";
  r.allowed = false;
  r.message = "malformed: bad \xff\xfe bytes";
  std::ostringstream out;
  EXPECT_NO_THROW(write_results(out, {r}, Format::Json, false));
  EXPECT_NO_THROW(json::parse(out.str()));
}

TEST(Output, YamlStreamReplaysWithoutFurtherPatch) {
  auto first = replay_examples({"hosts", "reviews"});
  std::ostringstream out;
  write_results(out, first, Format::Yaml, false);
  auto docs = parse_yaml_stream(out.str());
  std::vector<const DocResult*> admitted;
  for (const auto& r : first)
    if (r.allowed && !r.skipped && r.object.is_object()) admitted.push_back(&r);
  ASSERT_EQ(docs.size(), admitted.size());
  ASSERT_GT(docs.size(), 5u);
  // A stored Host kept on UPDATE despite a violation (its spec unchanged, or its deletion in
  // progress) is not one a CREATE admits.
  auto kept_violation = [](const DocResult& r) {
    if (r.operation != "UPDATE") return false;
    if (r.object.value("metadata", json::object()).contains("deletionTimestamp")) return true;
    return std::any_of(r.rules.begin(), r.rules.end(), [](const std::string& id) {
      for (const auto& info : all_rules())
        if (info.id == id) return info.kind == RuleKind::Deny;
      return false;
    });
  };
  Pipeline p(sample_fixture(), sandbox_warn_policy());
  for (size_t i = 0; i < docs.size(); ++i) {
    if (kept_violation(*admitted[i])) continue;
    InputDoc d;
    d.file = "out.yaml";
    d.index = static_cast<int>(i);
    d.value = docs[i].value;
    EXPECT_EQ(d.value["kind"], "Host");
    DocResult again = p.run(d, "", static_cast<int>(i));
    EXPECT_TRUE(again.allowed) << again.source << ": " << again.message;
    EXPECT_TRUE(again.patch.empty()) << again.source << ": " << again.patch.dump();
  }
}

TEST(Output, YamlLeavesOutDeniedAndSkipped) {
  Pipeline p(sample_fixture(), Policy{});
  std::vector<DocResult> rs = {
      p.run(doc_from_yaml("kind: ConfigMap\nmetadata: {name: cm}\n"), "", 1),
      p.run(doc_from_yaml("apiVersion: forklift.konveyor.io/v1beta1\nkind: Host\n"
                          "metadata: {name: h, namespace: demo}\nspec: {id: host-10}\n"),
            "", 2)};
  std::ostringstream out;
  write_results(out, rs, Format::Yaml, false);
  EXPECT_EQ(out.str(), "");
}

TEST(Output, JunitIsWellFormedAndEscaped) {
  DocResult ok;
  ok.source = "a.yaml#0";
  ok.name = "h1";
  ok.allowed = true;
  DocResult bad;
  bad.source = "dir/b&c.yaml#1";
  bad.name = "<h2>";
  bad.allowed = false;
  bad.code = 403;
  bad.rules = {"address-conflict"};
  bad.message = "address-conflict: \"1\" < '2' & \x01 \xff";
  DocResult skip;
  skip.source = "a.yaml#2";
  skip.skipped = true;
  skip.skip_reason = "kind ConfigMap";
  std::ostringstream out;
  write_results(out, {ok, bad, skip}, Format::Junit, false, "suite & co");
  std::string x = out.str();
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\"", 0), 0u);
  auto count = [&](const std::string& s) {
    size_t n = 0;
    for (size_t pos = x.find(s); pos != std::string::npos; pos = x.find(s, pos + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<testcase "), 3u);
  EXPECT_EQ(count("</testcase>"), 3u);
  EXPECT_EQ(count("<failure "), 1u);
  EXPECT_EQ(count("<skipped "), 1u);
  EXPECT_EQ(count("<testsuite "), 1u);
  EXPECT_EQ(count("</testsuite>"), 1u);
  EXPECT_NE(x.find("tests=\"3\" failures=\"1\""), std::string::npos);
  EXPECT_NE(x.find("classname=\"dir/b&amp;c.yaml\""), std::string::npos);
  EXPECT_NE(x.find("&lt;h2&gt;"), std::string::npos);
  EXPECT_NE(x.find("&quot;1&quot; &lt; &apos;2&apos; &amp;"), std::string::npos);
  EXPECT_NE(x.find("suite &amp; co"), std::string::npos);
  // No raw control characters or stray bytes that make XML parsers reject the report.
  EXPECT_EQ(x.find('\x01'), std::string::npos);
  EXPECT_EQ(x.find('\xff'), std::string::npos);
  // Outside tags, no unescaped '<' or '&' (every '&' starts an entity).
  EXPECT_FALSE(std::regex_search(x, std::regex("&(?!(amp|lt|gt|quot|apos|#[0-9]+);)")));
}

TEST(Output, TableHasVerdictsSummaryAndNoColourUnlessAsked) {
  Pipeline p(sample_fixture(), Policy{});
  std::vector<DocResult> rs = {
      p.run(doc_from_yaml(kAdapterHost), "", 1),
      p.run(doc_from_yaml("kind: ConfigMap\n", 1), "", 2),
      p.run(doc_from_yaml("apiVersion: forklift.konveyor.io/v1beta1\nkind: Host\n"
                          "metadata: {name: h, namespace: demo}\nspec: {id: host-10}\n",
                          2),
            "", 3)};
  std::ostringstream plain;
  write_results(plain, rs, Format::Table, false);
  std::string t = plain.str();
  EXPECT_EQ(t.find('\033'), std::string::npos);
  EXPECT_NE(t.find("WARN   test.yaml#0"), std::string::npos) << t;
  EXPECT_NE(t.find("demo/host-10-30f1"), std::string::npos);
  // The admitted Host's patch is shown on its own line.
  EXPECT_NE(t.find("\n       patch: "), std::string::npos) << t;
  EXPECT_NE(t.find("+/spec/ipAddress=192.168.1.10"), std::string::npos) << t;
  EXPECT_NE(t.find("SKIP"), std::string::npos);
  EXPECT_NE(t.find("kind ConfigMap"), std::string::npos);
  EXPECT_NE(t.find("DENY"), std::string::npos);
  EXPECT_NE(t.find("provider-missing"), std::string::npos);
  EXPECT_NE(t.find("3 documents: 1 admitted (1 with warnings), 1 denied, 1 skipped\n"),
            std::string::npos)
      << t;
  std::ostringstream colour;
  write_results(colour, rs, Format::Table, true);
  EXPECT_NE(colour.str().find('\033'), std::string::npos);
}

TEST(Output, FormatNames) {
  EXPECT_EQ(parse_format("table"), Format::Table);
  EXPECT_EQ(parse_format("json"), Format::Json);
  EXPECT_EQ(parse_format("yaml"), Format::Yaml);
  EXPECT_EQ(parse_format("junit"), Format::Junit);
  try {
    parse_format("xml");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("table, json, yaml, junit"), std::string::npos);
  }
}

}  // namespace
}  // namespace hostadm::harness
