// Starting host-webhook: flags, the --config file, and the exit codes and messages an operator
// sees when something is wrong (2: bad flags or files, 1: the port is taken).
#include "server/server_support.hpp"

namespace hostadm::servertest {
namespace {

class StartupTest : public ::testing::Test {
 protected:
  void SetUpCertsAndFixture() {
    make_certs(dir_ / "certs");
    fixture_ = write_fixture(dir_);
  }
  void SetUp() override { SetUpCertsAndFixture(); }

  std::vector<std::string> base() const {
    return {"--listen",   "127.0.0.1:0",
            "--tls-cert", (dir_ / "certs/tls.crt").string(),
            "--tls-key",  (dir_ / "certs/tls.key").string()};
  }
  // Runs to completion (these invocations must exit on their own); returns the exit code.
  int run(const std::vector<std::string>& args, std::string* err = nullptr,
          std::string* out = nullptr) {
    Child c(webhook_bin(), args, dir_ / "run.out", dir_ / "run.err");
    const int code = c.wait(30s);
    if (err) *err = c.err();
    if (out) *out = c.out();
    return code;
  }

  TempDir dir_;
  fs::path fixture_;
};

TEST_F(StartupTest, HelpListsEveryFlag) {
  std::string out;
  EXPECT_EQ(run({"--help"}, nullptr, &out), 0);
  for (const char* flag : {"--listen",
                           "--tls-cert",
                           "--tls-key",
                           "--client-ca",
                           "--inventory-url",
                           "--inventory-token-file",
                           "--inventory-ca",
                           "--inventory-insecure-skip-tls",
                           "--inventory-fixture",
                           "--policy",
                           "--log-format",
                           "--log-level",
                           "--threads",
                           "--max-body-bytes",
                           "--keep-alive-timeout",
                           "--read-timeout",
                           "--write-timeout",
                           "--drain-delay",
                           "--shutdown-timeout",
                           "--deadline-margin",
                           "--config"})
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
}

TEST_F(StartupTest, UnknownFlagExits2NamingIt) {
  auto args = base();
  args.insert(args.end(), {"--inventory-fixture", fixture_.string(), "--thread", "8"});
  std::string err;
  EXPECT_EQ(run(args, &err), 2);
  EXPECT_NE(err.find("--thread"), std::string::npos) << err;
  EXPECT_NE(err.find("--help"), std::string::npos) << err;
}

TEST_F(StartupTest, BadValueExits2NamingTheFlagAndTheFix) {
  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--threads", "many"},
                                                        {"--drain-delay", "5 parsecs"},
                                                        {"--log-format", "xml"},
                                                        {"--listen", "localhost"},
                                                        {"--max-body-bytes", "-1"}}) {
    auto args = base();
    args.insert(args.end(), {"--inventory-fixture", fixture_.string(), flag, value});
    std::string err;
    EXPECT_EQ(run(args, &err), 2) << flag;
    EXPECT_NE(err.find(flag), std::string::npos) << err;
    EXPECT_NE(err.find("e.g."), std::string::npos) << err;
  }
}

TEST_F(StartupTest, NoInventoryExits2ExplainingBothOptions) {
  std::string err;
  EXPECT_EQ(run(base(), &err), 2);
  EXPECT_NE(err.find("--inventory-url"), std::string::npos) << err;
  EXPECT_NE(err.find("--inventory-fixture"), std::string::npos) << err;
  EXPECT_NE(err.find("MTV_INVENTORY_URL"), std::string::npos) << err;
}

TEST_F(StartupTest, MissingCertificateFlagsExit2) {
  std::string err;
  EXPECT_EQ(run({"--inventory-fixture", fixture_.string()}, &err), 2);
  EXPECT_NE(err.find("--tls-cert"), std::string::npos) << err;
}

TEST_F(StartupTest, UnreadableCertificateExits2NamingTheFile) {
  std::string err;
  EXPECT_EQ(
      run({"--listen", "127.0.0.1:0", "--tls-cert", (dir_ / "missing.crt").string(), "--tls-key",
           (dir_ / "certs/tls.key").string(), "--inventory-fixture", fixture_.string()},
          &err),
      2);
  EXPECT_NE(err.find("missing.crt"), std::string::npos) << err;
}

TEST_F(StartupTest, BadPolicyFileExits2WithFileAndLine) {
  const auto policy =
      write_policy(dir_, "policy.yaml", "allowHostnames: false\nsecretDefualt: never\n");
  auto args = base();
  args.insert(args.end(), {"--inventory-fixture", fixture_.string(), "--policy", policy.string()});
  std::string err;
  EXPECT_EQ(run(args, &err), 2);
  EXPECT_NE(err.find("policy.yaml:2"), std::string::npos) << err;
}

TEST_F(StartupTest, PortInUseExits1WithAClearMessage) {
  Webhook first(dir_, {"--inventory-fixture", fixture_.string()}, "first", dir_ / "certs");
  auto args = base();
  args[1] = "127.0.0.1:" + std::to_string(first.port);
  args.insert(args.end(), {"--inventory-fixture", fixture_.string()});
  std::string err;
  EXPECT_EQ(run(args, &err), 1);
  EXPECT_NE(err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port)), std::string::npos)
      << err;
  EXPECT_NE(err.find("in use"), std::string::npos) << err;
}

TEST_F(StartupTest, ConfigFileSetsFlagsAndFlagsOverrideIt) {
  const fs::path cfg = dir_ / "webhook.yaml";
  write_file(cfg,
             "listen: 127.0.0.1:1\n"
             "tls-cert: " +
                 (dir_ / "certs/tls.crt").string() +
                 "\n"
                 "tls-key: " +
                 (dir_ / "certs/tls.key").string() +
                 "\n"
                 "inventory-fixture: " +
                 fixture_.string() +
                 "\n"
                 "log-format: text\n"
                 "threads: 16\n"
                 "drain-delay: 100ms\n");
  Child c(webhook_bin(), {"--config", cfg.string(), "--listen", "127.0.0.1:0"}, dir_ / "cfg.out",
          dir_ / "cfg.err");
  const int port = c.wait_listening();
  EXPECT_GT(port, 1);  // the flag won over the file's port 1
  const std::string err = c.err();
  EXPECT_EQ(err.find("{\"ts\""), std::string::npos) << "log-format text from the file: " << err;
  EXPECT_NE(err.find("threads=16"), std::string::npos) << err;
  auto cl = client_for(port, dir_ / "certs/ca.crt");
  auto res = cl->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  c.signal(SIGTERM);
  EXPECT_EQ(c.wait(), 0);
}

// "Two per core" counts the cores the process may run on, not the node's: under `taskset -c 0`
// (as under a one-CPU cpuset or CPU limit) the default is 2 answering workers.
TEST_F(StartupTest, ActiveThreadsDefaultFollowsTheCoresTheProcessMayUse) {
  if (!fs::exists("/usr/bin/taskset")) GTEST_SKIP() << "no /usr/bin/taskset (util-linux)";
  std::vector<std::string> args = {"-c", "0", webhook_bin()};
  for (const auto& a : base()) args.push_back(a);
  for (const char* a :
       {"--inventory-fixture", fixture_.c_str(), "--log-format", "text", "--drain-delay", "100ms"})
    args.push_back(a);
  Child c("/usr/bin/taskset", args, dir_ / "cores.out", dir_ / "cores.err");
  c.wait_listening();
  const std::string err = c.err();
  EXPECT_NE(err.find("cores=1"), std::string::npos) << err;
  EXPECT_NE(err.find("activeThreads=2"), std::string::npos) << err;
  c.signal(SIGTERM);
  EXPECT_EQ(c.wait(), 0);
}

TEST_F(StartupTest, UnknownConfigKeyExits2WithFileAndLine) {
  const fs::path cfg = dir_ / "webhook.yaml";
  write_file(cfg, "threads: 8\nlisten-addr: 0.0.0.0:9443\n");
  auto args = base();
  args.insert(args.end(), {"--inventory-fixture", fixture_.string(), "--config", cfg.string()});
  std::string err;
  EXPECT_EQ(run(args, &err), 2);
  EXPECT_NE(err.find("webhook.yaml:2"), std::string::npos) << err;
  EXPECT_NE(err.find("listen-addr"), std::string::npos) << err;
}

}  // namespace
}  // namespace hostadm::servertest
