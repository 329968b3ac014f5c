#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "webhook/core/yaml.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "io_files_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& text) {
    fs::path p = fs::path(dir_) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  // The InputError `fn` throws, as its what().
  template <typename Fn>
  std::string error_of(Fn fn) {
    try {
      fn();
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no InputError";
    return "";
  }

  std::string dir_;
};

TEST_F(FilesTest, ReadsFilesAndStdin) {
  std::string path = write("a.yaml", "a: 1\n");
  EXPECT_EQ(read_input(path), "a: 1\n");

  std::istringstream fake("from stdin\n");
  auto* old = std::cin.rdbuf(fake.rdbuf());
  std::string text = read_input("-");
  std::cin.rdbuf(old);
  EXPECT_EQ(text, "from stdin\n");
}

TEST_F(FilesTest, UnreadableInputsNameThePathAndTheCause) {
  std::string missing = dir_ + "/missing.yaml";
  std::string msg = error_of([&] { read_input(missing); });
  EXPECT_THAT(msg, StartsWith(missing + ": cannot open: No such file or directory"));

  // A path through a file: fails for root too, unlike a chmod.
  std::string file = write("plain.yaml", "a: 1\n");
  msg = error_of([&] { read_input(file + "/sub.yaml"); });
  EXPECT_THAT(msg, StartsWith(file + "/sub.yaml: cannot open: Not a directory"));

  if (::geteuid() != 0) {
    std::string locked = write("locked.yaml", "a: 1\n");
    fs::permissions(locked, fs::perms::none);
    EXPECT_THAT(error_of([&] { read_input(locked); }), HasSubstr("Permission denied"));
  }

  EXPECT_EQ(error_of([&] { read_input(dir_); }), dir_ + ": is a directory; give a file");
}

TEST_F(FilesTest, RefusesHugeFilesWithoutReadingThem) {
  std::string big = write("big.yaml", "");
  fs::resize_file(big, kMaxInputBytes + 1);  // sparse: costs no disk
  EXPECT_THAT(error_of([&] { read_input(big); }), HasSubstr("larger than 64 MiB"));
  // A device has no size: the reader stops at the limit instead of filling memory.
  EXPECT_THAT(error_of([] { read_input("/dev/zero"); }), HasSubstr("larger than 64 MiB"));
}

// A real-size inventory (5,000 hosts, about 50 MB) is past the YAML reader's limit: as JSON it
// loads; as YAML the error says what to do.
TEST_F(FilesTest, AFixturePastTheYamlLimitLoadsAsJson) {
  std::string pad(1000, 'x');
  std::string text = R"({"providers": [{"name": "p", "namespace": "d", "hosts": [)";
  const int hosts = 17 * 1024;  // 17 MB of hosts
  for (int i = 0; i < hosts; ++i)
    text += std::string(i ? "," : "") + R"({"id": "host-)" + std::to_string(i) + R"(", "pad": ")" +
            pad + R"("})";
  text += "]}]}";
  Fixture f = load_fixture_file(write("big.json", text));
  ASSERT_EQ(f.providers.size(), 1u);
  EXPECT_EQ(f.providers[0].index->hosts.size(), static_cast<size_t>(hosts));
  // Past the YAML reader's reach, errors still name the line (a host per line, as snapshot
  // writes them).
  text.resize(text.size() - 4);
  text += ",\n{\"id\": \"host-x\", \"inMaintenance\": \"no\"}]}]}";
  std::string bad_host = write("bad-host.json", text);
  EXPECT_THAT(error_of([&] { load_fixture_file(bad_host); }),
              StartsWith(bad_host + ":2: host `inMaintenance` must be true or false"));
  std::string yaml = "providers:\n- name: p\n  namespace: d\n  hosts:\n";
  while (yaml.size() <= (17u << 20)) yaml += "  - {id: h" + std::to_string(yaml.size()) + "}\n";
  EXPECT_THAT(error_of([&] { load_fixture_file(write("big.yaml", yaml)); }),
              HasSubstr("must be JSON"));
  std::string bad = "{" + std::string(17u << 20, ' ') + "x";
  EXPECT_THAT(error_of([&] { load_fixture_file(write("bad.json", bad)); }),
              HasSubstr("not valid JSON"));
}

TEST_F(FilesTest, YamlErrorsCarryFileAndLine) {
  std::string path = write("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n");
  try {
    load_yaml_file(path);
    FAIL() << "bad YAML accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file, path);
    EXPECT_GE(e.line, 2);
    EXPECT_THAT(e.what(), StartsWith(path + ":" + std::to_string(e.line) + ": invalid YAML"));
  }
  std::string dup = write("dup.yaml", "---\na: 1\n---\nb: 1\nb: 2\n");
  EXPECT_THAT(error_of([&] { load_yaml_file(dup); }), StartsWith(dup + ":5: duplicate key 'b'"));

  auto docs = load_yaml_file(write("two.yaml", "a: 1\n---\nb: 2\n"));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].line, 3);
  EXPECT_THAT(error_of([] { load_yaml_text("x: [", "-"); }), StartsWith("<stdin>:"));
}

TEST_F(FilesTest, FixtureErrorsNameFileLineAndFix) {
  std::string path = write("inventory.yaml",
                           "providers:\n"
                           "  - name: a\n"
                           "    namespace: demo\n"
                           "  - name: b\n"
                           "    namespace: demo\n"
                           "    sdkEndpont: esxi\n");
  std::string msg = error_of([&] { load_fixture_file(path); });
  EXPECT_THAT(msg, StartsWith(path + ":6: unknown key 'sdkEndpont' in provider; accepted: name, "
                                     "namespace, uid, type, sdkEndpoint"));
  EXPECT_THAT(msg, HasSubstr("(at /providers/1/sdkEndpont)"));

  // A missing required key points at its provider.
  std::string no_ns = write("no-ns.yaml", "providers:\n  - name: a\n  - name: b\n");
  EXPECT_THAT(error_of([&] { load_fixture_file(no_ns); }),
              StartsWith(no_ns + ":2: provider needs `namespace`"));

  std::string empty = write("empty.yaml", "");
  EXPECT_EQ(error_of([&] { load_fixture_file(empty); }),
            empty + ": empty fixture; expected a `providers:` list");
  std::string comments = write("comments.yaml", "# nothing yet\n---\n");
  EXPECT_THAT(error_of([&] { load_fixture_file(comments); }), HasSubstr("empty fixture"));
  std::string two = write("two.yaml", "providers: []\n---\nproviders: []\n");
  EXPECT_THAT(error_of([&] { load_fixture_file(two); }),
              StartsWith(two + ":3: a fixture file holds one YAML document, found 2"));
  EXPECT_THAT(error_of([&] { load_fixture_file(dir_ + "/nope.yaml"); }),
              HasSubstr("No such file or directory"));
}

TEST_F(FilesTest, LoadsTheBundledFixtureAndJsonFixtures) {
  Fixture f = load_fixture_file(std::string(HOSTADM_SOURCE_DIR) + "/examples/inventory.yaml");
  EXPECT_GE(f.providers.size(), 6u);
  std::string json_path = write(
      "inv.json", R"({"providers": [{"name": "p", "namespace": "d", "hosts": [{"id": "h"}]}]})");
  Fixture j = load_fixture_file(json_path);
  ASSERT_EQ(j.providers.size(), 1u);
  EXPECT_EQ(j.providers[0].index->hosts[0].id, "h");
}

// The served text of every host of every provider: what two fixtures must agree on to answer
// alike.
std::vector<std::string> served(const Fixture& f) {
  std::vector<std::string> out;
  for (const auto& p : f.providers) {
    out.push_back(p.info.ns + "/" + p.info.name + " " + p.info.uid + " " + p.info.type);
    for (const auto& h : p.hosts) {
      out.emplace_back();
      append_fixture_host(out.back(), p.info.uid, h, kFixtureMaxDetail);
    }
  }
  return out;
}

// JSON is read a host at a time rather than through the YAML reader: both must make the same
// fixture of the same text.
TEST_F(FilesTest, AJsonFixtureReadsAsTheYamlReaderReadsIt) {
  const std::string text = R"({"providers": [
    {"name": "vp", "namespace": "demo", "secret": {"name": "s"}, "hosts": [
      {"id": "host-1", "name": "esxi-1", "custom": {"kept": [1, 2.5, null, "x"]},
       "networkAdapters": [{"name": "Management Network", "ipAddress": "10.0.0.1", "mtu": 1500}]},
      {"id": "host-2", "name": "/DC1/host/A/esxi-2", "networkAdapters": null, "selfLink": "old"}]},
    {"name": "ocp", "namespace": "demo", "type": "openshift", "hosts": []},
    {"name": "empty", "namespace": "other", "ready": false}]})";
  const Fixture streamed = load_fixture_file(write("inv.json", text));
  const Fixture whole = parse_fixture(parse_yaml_one(text).value);
  EXPECT_EQ(served(streamed), served(whole));
  ASSERT_EQ(streamed.providers.size(), 3u);
  ASSERT_EQ(streamed.providers[0].index->hosts.size(), 2u);
  EXPECT_EQ(streamed.providers[0].index->hosts[1].path, "/DC1/host/A/esxi-2");
  EXPECT_EQ(streamed.providers[0].hosts[0].value()["custom"],
            nlohmann::json::parse(R"({"kept": [1, 2.5, null, "x"]})"));
  EXPECT_FALSE(streamed.providers[2].info.ready);
}

TEST_F(FilesTest, JsonFixtureErrorsNameFileLineAndFix) {
  auto err = [&](const std::string& name, const std::string& text) {
    std::string path = write(name, text);
    return std::make_pair(path, error_of([&] { load_fixture_file(path); }));
  };
  const std::string head = "{\"providers\": [{\"name\": \"p\", \"namespace\": \"d\",\n";
  auto [host, host_msg] = err("host.json", head +
                                               "\"hosts\": [{\"id\": \"a\"},\n"
                                               "{\"id\": \"b\", \"status\": 3}]}]}");
  EXPECT_THAT(host_msg, StartsWith(host + ":3: host `status` must be a string"));
  EXPECT_THAT(host_msg, HasSubstr("(at /providers/0/hosts/1/status)"));
  auto [key, key_msg] = err("key.json", head + "\"zz\": 1}]}");
  EXPECT_THAT(key_msg, StartsWith(key + ":2: unknown key 'zz' in provider; accepted: name, "));
  auto [dup, dup_msg] = err("dup.json", head + "\"hosts\": [{\"id\": \"a\"},\n{\"id\": \"a\"}]}]}");
  EXPECT_THAT(dup_msg, StartsWith(dup + ":3: duplicate host id 'a' in provider d/p"));
  auto [twice, twice_msg] = err("twice.json", head + "\"name\": \"q\"}]}");
  EXPECT_THAT(twice_msg, StartsWith(twice + ":2: duplicate key 'name'"));
  auto [top, top_msg] = err("top.json", "{\"providers\": [],\n\"secret\": []}");
  EXPECT_THAT(top_msg, StartsWith(top + ":2: unknown key 'secret' in the fixture; accepted: "));
  std::string deep =
      "{\"providers\": [{\"name\": \"p\", \"namespace\": \"d\", \"hosts\": [{\"id\": "
      "\"h\", \"x\": " +
      std::string(300, '[') + std::string(300, ']') + "}]}]}";
  EXPECT_THAT(err("deep.json", deep).second, HasSubstr("nested deeper than 256 levels"));
}

// A file that starts like JSON but is YAML's flow style is read as YAML, as it always was; JSON
// that is broken gets the YAML reader's line and message while it is small enough for it.
TEST_F(FilesTest, YamlFlowStyleAndBrokenJsonFallBackToTheYamlReader) {
  Fixture flow = load_fixture_file(write("flow.yaml", "{providers: [{name: p, namespace: d}]}\n"));
  ASSERT_EQ(flow.providers.size(), 1u);
  EXPECT_EQ(flow.providers[0].info.name, "p");
  std::string broken = write("broken.json", "{\"providers\": [\n{\"name\": \"p\",\n\"x\"\n");
  EXPECT_THAT(error_of([&] { load_fixture_file(broken); }), StartsWith(broken + ":"));
}

TEST_F(FilesTest, AJsonFixtureIsReadFromStdin) {
  std::string path = write("stdin.json", R"({"providers": [{"name": "p", "namespace": "d",
    "hosts": [{"id": "h"}]}]})");
  // The reader takes fd 0; point it at the file for the duration of the call.
  int saved = ::dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  FILE* in = std::fopen(path.c_str(), "rb");
  ASSERT_NE(in, nullptr);
  ::dup2(::fileno(in), STDIN_FILENO);
  Fixture f;
  EXPECT_NO_THROW(f = load_fixture_file("-"));
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  std::fclose(in);
  ASSERT_EQ(f.providers.size(), 1u);
  EXPECT_EQ(f.providers[0].index->hosts[0].id, "h");
}

TEST_F(FilesTest, PolicyFiles) {
  Policy dflt = load_policy_file(write("empty-policy.yaml", "# all defaults\n"));
  EXPECT_EQ(dflt.secret_default, SecretDefault::Always);
  EXPECT_EQ(dflt.inventory_failure, FailurePolicy::Deny);

  Policy p = load_policy_file(write("policy.yaml", "secretDefault: never\nallowHostnames: true\n"));
  EXPECT_EQ(p.secret_default, SecretDefault::Never);
  EXPECT_TRUE(p.allow_hostnames);

  std::string bad = write("bad-policy.yaml", "ownerReference: true\ncache:\n  tll: 30s\n");
  std::string msg = error_of([&] { load_policy_file(bad); });
  EXPECT_THAT(msg, StartsWith(bad + ":3: "));
  EXPECT_THAT(msg, HasSubstr("tll"));
}

// Every policy error names the line of the key (or list item) at fault, its JSON pointer and the
// fix, whatever the level it sits at.
TEST_F(FilesTest, PolicyErrorsNameTheLineOfTheKey) {
  struct Row {
    const char* yaml;
    int line;
    const char* says;
  };
  const std::vector<Row> rows = {
      {"namespaces:\n  - match: prod-*\n    allowedNetworks:\n      - 10.20.0.0/16\n"
       "      - 10.20.1.5/16\n",
       5, "policy: /namespaces/0/allowedNetworks/1: '10.20.1.5/16' has host bits set"},
      {"rules:\n  host-in-maintenance: deny\n  adress-not-allowed: deny\n", 3,
       "did you mean 'address-not-allowed'?"},
      {"namespaces:\n  - match: a\n    mode: warn\n    rules:\n      malformed: off\n", 5,
       "/namespaces/0/rules/malformed: malformed cannot be turned to off"},
      {"namespaces:\n  - selector:\n      matchExpressions:\n        - key: env\n"
       "          operator: Exists\n          values: [prod]\n",
       6, "/namespaces/0/selector/matchExpressions/0/values must not be given"},
      {"namespaces:\n  - selector:\n      matchExpressions:\n"
       "        - {key: env, operator: in, values: [prod]}\n",
       4, "accepted values: In, NotIn, Exists, DoesNotExist"},
      {"namespaces:\n  - selector:\n      matchLabels:\n        env: prod\n        tier: 1\n", 5,
       "/namespaces/0/selector/matchLabels/tier must be a label value"},
      {"secretCheck: off\nnamespaces:\n  - match: a\n    requireVerifiedTls: true\n", 4,
       "/namespaces/0/requireVerifiedTls needs the Host's Secret read"},
      {"namespaces:\n  - {match: a}\n  - mode: warn\n", 3, "no 'match' and no 'selector'"},
      {"ownerReference: true\nendpointCheck: ping\n", 2, "accepted values: off, reach, login"},
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].yaml);
    const std::string path = write("policy-" + std::to_string(i) + ".yaml", rows[i].yaml);
    const std::string msg = error_of([&] { load_policy_file(path); });
    EXPECT_THAT(msg, StartsWith(path + ":" + std::to_string(rows[i].line) + ": policy: "));
    EXPECT_THAT(msg, HasSubstr(rows[i].says));
  }
}

// As an admin writes them: unquoted words (YAML 1.2 keeps `off` a string), IPv6 networks plain
// in a flow list.
TEST_F(FilesTest, PolicyStandardsAsWritten) {
  Policy p = load_policy_file(write("standards.yaml", R"(secretCheck: off
endpointCheck: off
rules: {address-not-on-host: off}
namespaces:
  - {match: scratch, mode: off}
  - match: prod-*
    selector: {matchLabels: {env: prod}}
    allowedNetworks: [10.20.0.0/16, fd00:20::/64, "fd00:21::/64"]
)"));
  EXPECT_EQ(p.secret_check, false);
  EXPECT_EQ(p.endpoint_check, EndpointCheck::Off);
  EXPECT_EQ(p.rules.at(0).action, RuleAction::Off);
  EXPECT_EQ(p.namespaces.at(0).mode, Mode::Off);
  ASSERT_EQ(p.namespaces.at(1).standards.allowed_networks.size(), 3u);
  EXPECT_EQ(to_string(p.namespaces[1].standards.allowed_networks[1]), "fd00:20::/64");
}

TEST_F(FilesTest, ExpandPaths) {
  std::string a = write("tree/a.yaml", "a: 1\n");
  std::string c = write("tree/b/c.yml", "c: 1\n");
  std::string d = write("tree/b/d.json", "{}\n");
  write("tree/b/notes.txt", "ignored\n");
  std::string z = write("tree/z/zz.yaml", "z: 1\n");
  std::string single = write("single.txt", "any extension is fine when named\n");

  auto out = expand_paths({single, "-", dir_ + "/tree"});
  EXPECT_EQ(out, (std::vector<std::string>{single, "-", a, c, d, z}));
  EXPECT_TRUE(expand_paths({}).empty());

  std::string missing = dir_ + "/nowhere";
  EXPECT_THAT(error_of([&] {
                expand_paths({a, missing});
              }),
              StartsWith(missing + ": no such file or directory"));
}

}  // namespace
}  // namespace hostadm
