// Which build is running, and how the process fares: `--version` of both binaries, and on
// /metrics hostadm_build_info plus the standard process_* series (memory against the container
// limit, open fds against the fd limit) an operator's dashboards and alerts expect.
#include <chrono>
#include <map>
#include <regex>

#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

// The version written once in CMakeLists.txt `project(... VERSION x.y.z ...)`.
std::string project_version() {
  const std::string text = read_file(fs::path(HOSTADM_SOURCE_DIR) / "CMakeLists.txt");
  std::smatch m;
  static const std::regex re(R"(project\([^)]*VERSION\s+([0-9]+\.[0-9]+\.[0-9]+))");
  if (!std::regex_search(text, m, re)) throw std::runtime_error("no VERSION in CMakeLists.txt");
  return m[1];
}

const std::regex kRevision("unknown|[0-9a-f]{7,40}");

std::string run_version(const TempDir& dir, const std::string& binary,
                        const std::vector<std::string>& args) {
  Child c(binary, args, dir / "version.out", dir / "version.err");
  EXPECT_EQ(c.wait(), 0) << c.err();
  return c.out();
}

TEST(BuildInfo, BothBinariesPrintTheProjectVersionAndRevision) {
  TempDir dir;
  const std::string version = project_version();
  for (const auto& [binary, name, args] :
       {std::tuple{webhook_bin(), "host-webhook", std::vector<std::string>{"--version"}},
        std::tuple{harness_bin(), "host-harness", std::vector<std::string>{"--version"}},
        std::tuple{harness_bin(), "host-harness", std::vector<std::string>{"version"}}}) {
    const std::string out = run_version(dir, binary, args);
    std::smatch m;
    const std::regex line(std::string("^") + name + " (\\S+) \\(revision (\\S+)\\)\n$");
    ASSERT_TRUE(std::regex_match(out, m, line)) << name << " printed: " << out;
    EXPECT_EQ(m[1], version) << name;
    EXPECT_TRUE(std::regex_match(m[2].str(), kRevision)) << m[2];
  }
  // --version wins even next to a flag host-webhook would refuse.
  const std::string out = run_version(dir, webhook_bin(), {"--no-such-flag", "--version"});
  EXPECT_EQ(out.rfind("host-webhook " + version + " ", 0), 0u) << out;
}

// Unlabelled samples "NAME VALUE" of the exposition text.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  static const std::regex re(R"(^([a-z_]+) ([-+0-9.eE]+)$)");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, re)) out[m[1]] = std::stod(m[2]);
  }
  return out;
}

TEST(BuildInfo, MetricsCarryBuildInfoAndLiveProcessFigures) {
  TempDir dir;
  const double started =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Webhook hook(dir, {"--inventory-fixture", write_fixture(dir).string()});
  auto c = client_for(hook.port, hook.ca);
  auto res = c->Get("/metrics");
  ASSERT_TRUE(res && res->status == 200);
  const std::string& body = res->body;

  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      body, m, std::regex(R"re(hostadm_build_info\{revision="([^"]+)",version="([^"]+)"\} 1\n)re")))
      << body;
  EXPECT_EQ(m[2], project_version());
  EXPECT_TRUE(std::regex_match(m[1].str(), kRevision));
  for (const char* type :
       {"# TYPE process_cpu_seconds_total counter", "# TYPE process_resident_memory_bytes gauge",
        "# TYPE process_open_fds gauge", "# TYPE process_start_time_seconds gauge"})
    EXPECT_NE(body.find(type), std::string::npos) << type << "\n" << body;

  auto s = samples(body);
  // A running server holds a few MiB at least and, idle with a small fixture, far below 1 GiB.
  EXPECT_GT(s["process_resident_memory_bytes"], 1 << 20);
  EXPECT_LT(s["process_resident_memory_bytes"], 1 << 30);
  EXPECT_GE(s["process_cpu_seconds_total"], 0);
  // The process was started by this test: its start time lies between the test's start (less
  // the clock-tick rounding of /proc) and now.
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GE(s["process_start_time_seconds"], started - 2);
  EXPECT_LE(s["process_start_time_seconds"], now + 2);
  // stdin/out/err, the listening socket and this scrape's connection at least.
  EXPECT_GE(s["process_open_fds"], 5);
  if (s.count("process_max_fds")) {
    EXPECT_LT(s["process_open_fds"], s["process_max_fds"]);
  }

  // Read at scrape time, not once: five more open connections show up as five more fds.
  std::vector<std::unique_ptr<httplib::SSLClient>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(client_for(hook.port, hook.ca));
    held.back()->set_keep_alive(true);
    ASSERT_TRUE(held.back()->Get("/healthz"));
  }
  auto again = c->Get("/metrics");
  ASSERT_TRUE(again && again->status == 200);
  EXPECT_GE(samples(again->body)["process_open_fds"], s["process_open_fds"] + 5);
}

}  // namespace
}  // namespace hostadm::servertest
