// The fast manifest reader must either give exactly what the full YAML reader gives, or step
// aside (nullopt) so the full reader answers.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "harness/fast_yaml.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {
namespace {

using nlohmann::json;

// Same documents as parse_yaml_stream, or nullopt. Returns whether the fast path answered.
bool agrees(const std::string& text, bool* answered = nullptr) {
  auto fast = parse_fast_yaml(text);
  if (answered) *answered = fast.has_value();
  if (!fast) return true;
  std::vector<YamlDoc> full;
  try {
    full = parse_yaml_stream(text);
  } catch (const YamlError& e) {
    ADD_FAILURE() << "fast reader accepted what the full reader rejects (" << e.what() << "):\n"
                  << text;
    return false;
  }
  if (fast->size() != full.size()) {
    ADD_FAILURE() << fast->size() << " vs " << full.size() << " documents:\n" << text;
    return false;
  }
  for (size_t i = 0; i < full.size(); ++i) {
    if ((*fast)[i].value != full[i].value) {
      ADD_FAILURE() << "document " << i << ": fast " << (*fast)[i].value.dump() << "\nfull "
                    << full[i].value.dump() << "\n"
                    << text;
      return false;
    }
  }
  return true;
}

TEST(FastYaml, AnswersForEveryExampleManifestAndAgrees) {
  const std::string root = std::string(HOSTADM_SOURCE_DIR) + "/examples";
  size_t answered_count = 0, files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    auto ext = entry.path().extension().string();
    if (ext != ".yaml" && ext != ".yml") continue;
    ++files;
    bool answered = false;
    EXPECT_TRUE(agrees(read_input(entry.path().string()), &answered)) << entry.path();
    if (entry.path().parent_path().filename() == "hosts") {
      EXPECT_TRUE(answered) << entry.path() << " should take the fast path";
    }
    answered_count += answered;
  }
  EXPECT_GT(files, 10u);
  EXPECT_GT(answered_count, files / 2);
}

TEST(FastYaml, AgreesOnTypicalShapes) {
  const std::vector<std::string> cases = {
      "a: 1\nb: -2\nc: +3\nd: 007\ne: true\nf: False\ng: ~\nh: null\ni:\nj: x y z\n",
      "ip: 192.168.1.10\nmask: 255.255.255.0\nver: 8.0.2\nid: host-10\n",
      "k: 'it''s'\nq: \"a \\\"b\\\" \\\\ c\\n\"\nempty: ''\ne2: \"\"\nnum: \"10\"\n",
      "url: https://vcenter.example.com/sdk\nc: a:b\nh: a#b\nw: v # comment\n",
      "# leading comment\n---\na: 1\n---\n# empty doc\n---\nb: [1, two, \"3\", 'x y']\n...\n",
      "m: {a: 1, b: {c: [x, {d: e}]}, 'q k': \"v\"}\nl: []\no: {}\n",
      "list:\n- a\n- b: 1\n  c: 2\n- - nested\n",
      "list:\n  - a\n  -\n    k: v\n  - {x: 1}\nnext: 2\n",
      "metadata:\n  annotations:\n    forklift.konveyor.io/network-adapter: Management Network\n",
      "- 1\n- two\n- {three: 3}\n",
      "a:\n  b:\n    c:\n      d: deep\n  e: f\ng: h\n",
      "key with spaces: value with spaces\n\"quoted key\": 1\n",
      "a: x[1]\nb: y{2}\nc: p,q\n",
      "a: 1.5\n",
      "a: 1e3\n",
      "a: .5\n",
      "a: 0x1F\n",
      "a: 0o17\n",
      "a: .inf\n",
      "a: -.5\n",
      "a: 99999999999999999999\n",
      "a: -9223372036854775808\n",
      "a: &x 1\nb: *x\n",
      "a: !!str 5\n",
      "a: |\n  text\n",
      "a: >\n  folded\n",
      "a: plain\n  continued\n",
      "a: [1,\n  2]\n",
      "a: \"multi\n  line\"\n",
      "a: 1\na: 2\n",
      "a:\tb\n",
      "a: 1\r\n",
      "%YAML 1.2\n---\na: 1\n",
      "--- {a: 1}\n",
      "--- !tag\na: 1\n",
      "? complex\n: key\n",
      "<<: {a: 1}\n",
      "b: &b {a: 1, c: 1}\nx:\n  <<: *b\n  c: 2\n",
      "b: &b {a: 1}\nx:\n- <<: [*b, {d: 1}]\n",
      "x:\n  \"<<\": 1\n",
      "a: 'unterminated\n",
      "a: [1, 2,]\n",
      "a: {b}\n",
      "a: {b: }\n",
      "just a scalar\n",
      "42\n",
      "a: b: c\n",
      "- a\nb: 1\n",
      "a:\n - x\n  - y\n",
      "a: 1\n b: 2\n",
      "  a: 1\n  b: 2\n",
      "a: \"\\u00e9\"\n",
      "a: \"\\x41\"\n",
      "~: 1\n",
      "null: 1\n",
      "true: 1\n",
      "123: 1\n",
      "a: -\n",
      "a: - b\n",
      "a: -b\n",
      "a: --\n",
      "a: ::1\n",
      "a: fe80::1\n",
      "ipv6: \"fe80::1\"\n",
      "a: @x\n",
      "a: `x`\n",
      "a: %x\n",
      "a: b #c\n",
      "a: b#c\n",
      "a: 'b' #c\n",
      "a: 'b'c\n",
      "- a # c\n- 'b' # d\n",
      "- # only\n",
      "a:\n\n  b: 1\n\n",
      "a: é ü 中文\n",
      "---\n---\n",
      "",
      "# only a comment\n",
      "---\n~\n",
      "a: [a, [b, [c]]]\n",
      "a: {b: c, b: d}\n",
      "a: [b: c]\n",
      "a: {url: https://x/y}\n",
      "a: {k: v # c}\n",
      "a: { }\n",
      "a: [ ]\n",
      "a: { x: 1 , y: 2 }\n",
  };
  for (const auto& text : cases) EXPECT_TRUE(agrees(text)) << text;
}

TEST(FastYaml, StepsAsideForWhatItDoesNotKnow) {
  for (const char* text :
       {"a: \"\xff\"\n", "a: caf\xc3\xa9\n", "a: \xef\xb7\x90\n",
        "\xEF\xBB\xBF"
        "a: 1\n",
        "a: &x 1\nb: *x\n", "x:\n  <<: {a: 1}\n", "- <<: {a: 1}\n  b: 2\n",
        "b: &b {a: 1}\nx:\n  <<: *b\n", "a: |\n  text\n", "a: 1\na: 2\n", "a:\tb\n", "a: 1.5\n",
        "a: plain\n  continued\n", "--- !tag\na: 1\n", "a: [1,\n  2]\n", "just a scalar\n"}) {
    EXPECT_FALSE(parse_fast_yaml(text).has_value()) << text;
  }
}

TEST(FastYaml, GeneratedManifestsAgree) {
  // The shapes GitOps repositories and the replay benchmark use, many per stream.
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text += "---\napiVersion: forklift.konveyor.io/v1beta1\nkind: Host\nmetadata:\n  name: h-" +
            std::to_string(i) +
            "\n  namespace: demo\n  labels: {wave: \"3\", idx: " + std::to_string(i) +
            "}\n  annotations:\n    forklift.konveyor.io/network-adapter: Management Network\n"
            "spec:\n  id: host-1" +
            std::to_string(i % 4) +
            "\n  provider: {name: vsphere-provider, namespace: demo}\n"
            "  secret:\n    name: s\n  ipAddress: 192.168.1." +
            std::to_string(i % 250) + "\n";
  }
  bool answered = false;
  EXPECT_TRUE(agrees(text, &answered));
  EXPECT_TRUE(answered);
  auto docs = parse_fast_yaml(text);
  ASSERT_TRUE(docs);
  EXPECT_EQ(docs->size(), 200u);
  EXPECT_EQ((*docs)[1].line, 17);  // first content line after the second "---"
}

}  // namespace
}  // namespace hostadm::harness
