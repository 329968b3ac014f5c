// The HTTP inventory client against a real in-process httplib server on 127.0.0.1 (plain HTTP,
// and HTTPS with a CA from certs/make-certs.sh), scripted per test.
#include "webhook/inventory/http_source.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

namespace hostadm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char* kProvidersBody = R"({
  "vsphere": [{"uid": "u-1", "name": "vsphere-provider", "namespace": "demo", "type": "vsphere",
    "object": {"spec": {"type": "vsphere", "secret": {"name": "vsphere-secret", "namespace": "demo"},
                        "settings": {"sdkEndpoint": "vcenter"}},
               "status": {"conditions": [{"type": "Ready", "status": "True"}]}}}],
  "openshift": [{"uid": "u-2", "name": "host", "namespace": "demo", "type": "openshift"}]
})";

const char* kHostsBody = R"([
  {"id": "host-10", "name": "esxi-host-01.example.com", "status": "green", "inMaintenance": false,
   "networkAdapters": [{"name": "Management Network", "ipAddress": "192.168.1.10"}]}
])";

const char* kName = "esxi-host-01.example.com";

// A Provider copy as the inventory keeps it after a vCenter login failure.
const char* kStaleProviderBody = R"({"uid": "u-1", "name": "vsphere-provider", "namespace": "demo",
  "type": "vsphere", "object": {"spec": {"type": "vsphere", "settings": {"sdkEndpoint": "esxi"}},
  "status": {"phase": "ConnectionFailed", "conditions": [
    {"type": "Ready", "status": "True", "category": "Required"},
    {"type": "ConnectionAuthFailed", "status": "True", "category": "Critical",
     "message": "login failed"}]}}})";

struct Recorded {
  std::string path, authorization, ns, detail, name;
  int remote_port = 0;
};

// A server whose answer each test scripts; records what it was asked.
class ScriptedServer {
 public:
  using Script = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit ScriptedServer(std::unique_ptr<httplib::Server> svr) : svr_(std::move(svr)) {
    svr_->set_tcp_nodelay(true);
    svr_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      Script s;
      {
        std::lock_guard<std::mutex> lk(mu_);
        requests_.push_back({req.path, req.get_header_value("Authorization"),
                             req.get_param_value("namespace"), req.get_param_value("detail"),
                             req.get_param_value("name"), req.remote_port});
        s = script_;
      }
      s(req, res);
    });
    port_ = svr_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_->listen_after_bind(); });
    // httplib 0.11.4's stop() does nothing before the accept loop runs: a test that never calls
    // the server would otherwise hang in the destructor's join (seen under ASan on a busy box).
    for (int i = 0; i < 10'000 && !svr_->is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ScriptedServer() {
    release();
    svr_->stop();
    thread_.join();
  }
  void script(Script s) {
    std::lock_guard<std::mutex> lk(mu_);
    script_ = std::move(s);
  }
  std::vector<Recorded> requests() {
    std::lock_guard<std::mutex> lk(mu_);
    return requests_;
  }
  // For the slow-server case: a handler that waits until released (or 10 s at most).
  void hold() {
    std::unique_lock<std::mutex> lk(hold_mu_);
    hold_cv_.wait_for(lk, 10s, [&] { return released_; });
  }
  void release() {
    std::lock_guard<std::mutex> lk(hold_mu_);
    released_ = true;
    hold_cv_.notify_all();
  }
  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> svr_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  Script script_ = [](const httplib::Request&, httplib::Response& res) { res.status = 404; };
  std::vector<Recorded> requests_;
  std::mutex hold_mu_;
  std::condition_variable hold_cv_;
  bool released_ = false;
};

class Outcomes : public InventoryObserver {
 public:
  void fetched(const char* kind, const char* outcome, double seconds) override {
    std::lock_guard<std::mutex> lk(mu);
    seen.push_back(std::string(kind) + "/" + outcome);
    EXPECT_GE(seconds, 0);
  }
  std::mutex mu;
  std::vector<std::string> seen;
};

fs::path temp_dir() {
  auto dir = fs::temp_directory_path() / ("io_http_source_test." + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
}

ProviderInfo provider() {
  ProviderInfo p;
  p.name = "vsphere-provider";
  p.ns = "demo";
  p.uid = "u-1";
  return p;
}

Deadline soon() {
  return SteadyClock::now() + 5s;
}

struct HttpSourceTest : ::testing::Test {
  fs::path dir = temp_dir();
  ScriptedServer server{std::make_unique<httplib::Server>()};
  std::shared_ptr<Outcomes> outcomes = std::make_shared<Outcomes>();

  HttpInventorySource make(const std::string& token_file = "") {
    HttpSourceConfig cfg;
    cfg.url = "http://127.0.0.1:" + std::to_string(server.port());
    cfg.token_file = token_file;
    return HttpInventorySource(cfg, outcomes);
  }
  void answer(int status, std::string body, std::map<std::string, std::string> headers = {}) {
    server.script([=](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      for (const auto& [k, v] : headers) res.set_header(k, v);
      if (!body.empty()) res.set_content(body, "application/json");
    });
  }
  void TearDown() override { fs::remove_all(dir); }
};

TEST_F(HttpSourceTest, ProvidersAreFetchedForTheNamespaceWithTheToken) {
  write_file(dir / "token", "s3cr3t-token\n");
  auto src = make((dir / "token").string());
  answer(200, kProvidersBody);
  auto out = src.providers("demo", soon());
  ASSERT_EQ(out.status, LookupStatus::Ok) << out.error;
  ASSERT_EQ(out.providers.size(), 2u);
  EXPECT_EQ(out.providers[1].name, "vsphere-provider");
  EXPECT_EQ(out.providers[1].secret->name, "vsphere-secret");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/providers");
  EXPECT_EQ(reqs[0].ns, "demo");
  // Detail 0: a detail > 0 listing answers 500 for a namespace while a provider in it loads.
  EXPECT_EQ(reqs[0].detail, "");
  EXPECT_EQ(reqs[0].authorization, "Bearer s3cr3t-token");
  EXPECT_EQ(outcomes->seen, std::vector<std::string>{"providers/ok"});
}

TEST_F(HttpSourceTest, HostsAreParsedFromTheProvidersHostList) {
  auto src = make();
  answer(200, kHostsBody);
  auto out = src.hosts_by_name(provider(), kName, soon());
  ASSERT_EQ(out.status, LookupStatus::Ok) << out.error;
  ASSERT_EQ(out.hosts.size(), 1u);
  EXPECT_EQ(out.hosts[0].adapters[0].ip_address, "192.168.1.10");
  EXPECT_EQ(server.requests()[0].path, "/providers/vsphere/u-1/hosts");
  EXPECT_EQ(server.requests()[0].detail, "all");
  EXPECT_EQ(server.requests()[0].name, kName);
  EXPECT_EQ(server.requests()[0].authorization, "");  // no token file: no header
}

TEST_F(HttpSourceTest, OneHostIsAskedForById) {
  auto src = make();
  answer(200, R"({"id": "host-10", "name": "esxi-host-01.example.com", "status": "",
                  "path": "/DC1/host/C1/esxi-host-01.example.com",
                  "networkAdapters": [{"name": "dvs-1", "ipAddress": "10.0.0.1"}]})");
  auto out = src.host_by_id(provider(), "host-10", soon());
  ASSERT_EQ(out.status, LookupStatus::Ok) << out.error;
  ASSERT_EQ(out.hosts.size(), 1u);
  EXPECT_EQ(out.hosts[0].path, "/DC1/host/C1/esxi-host-01.example.com");
  EXPECT_EQ(out.hosts[0].adapters[0].name, "dvs-1");
  EXPECT_EQ(server.requests()[0].path, "/providers/vsphere/u-1/hosts/host-10");

  // 404 without X-Reason on a host route: no host with that id.
  answer(404, "");
  auto none = src.host_by_id(provider(), "host-99", soon());
  EXPECT_EQ(none.status, LookupStatus::Ok) << none.error;
  EXPECT_TRUE(none.hosts.empty());
  answer(206, "");
  EXPECT_EQ(src.host_by_id(provider(), "host-10", soon()).status, LookupStatus::NotReady);
}

TEST_F(HttpSourceTest, TheProviderIsReadWholeAndAStaleReadyIsNotReady) {
  auto src = make();
  answer(200, kStaleProviderBody);
  auto out = src.provider("u-1", soon());
  ASSERT_EQ(out.status, LookupStatus::Ok) << out.error;
  EXPECT_EQ(server.requests()[0].path, "/providers/vsphere/u-1");
  EXPECT_EQ(out.provider.sdk_endpoint, "esxi");
  EXPECT_FALSE(out.provider.ready);
  EXPECT_NE(out.provider.not_ready_reason.find("ConnectionAuthFailed (Critical): login failed"),
            std::string::npos)
      << out.provider.not_ready_reason;
  EXPECT_NE(out.provider.not_ready_reason.find("phase ConnectionFailed"), std::string::npos);

  answer(404, "", {{"X-Reason", "ProviderNotFound"}});
  EXPECT_EQ(src.provider("u-1", soon()).status, LookupStatus::NotReady);
  answer(403, "", {{"forklift-error-message", "not allowed to get providers"}});
  auto forbidden = src.provider("u-1", soon());
  EXPECT_EQ(forbidden.status, LookupStatus::Unavailable);
  EXPECT_NE(forbidden.error.find("not allowed to get providers"), std::string::npos);
}

TEST_F(HttpSourceTest, NotSyncedProviderIsNotReady) {
  auto src = make();
  answer(206, "");
  auto out = src.hosts_by_name(provider(), kName, soon());
  EXPECT_EQ(out.status, LookupStatus::NotReady);
  EXPECT_NE(out.error.find("206"), std::string::npos);
  EXPECT_EQ(outcomes->seen, std::vector<std::string>{"hosts/not_ready"});
}

TEST_F(HttpSourceTest, ProviderNotFoundReasonIsNotReadyButPlain404IsAnError) {
  auto src = make();
  answer(404, "", {{"X-Reason", "ProviderNotFound"}});
  auto out = src.hosts_by_name(provider(), kName, soon());
  EXPECT_EQ(out.status, LookupStatus::NotReady);
  EXPECT_NE(out.error.find("ProviderNotFound"), std::string::npos);

  answer(404, "");
  auto plain = src.hosts_by_name(provider(), kName, soon());
  EXPECT_EQ(plain.status, LookupStatus::Unavailable);
  EXPECT_NE(plain.error.find("404"), std::string::npos);
}

TEST_F(HttpSourceTest, UnauthorizedNamesTheTokenFileNeverTheToken) {
  write_file(dir / "token", "s3cr3t-token");
  auto src = make((dir / "token").string());
  answer(401, "", {{"forklift-error-message", "token expired"}});
  auto out = src.providers("demo", soon());
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_NE(out.error.find("401 Unauthorized"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find((dir / "token").string()), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("token expired"), std::string::npos) << out.error;
  EXPECT_EQ(out.error.find("s3cr3t"), std::string::npos) << out.error;

  answer(403, "", {{"forklift-error-message", "not allowed to list providers"}});
  auto forbidden = src.providers("demo", soon());
  EXPECT_NE(forbidden.error.find("403 Forbidden"), std::string::npos) << forbidden.error;
  EXPECT_EQ(forbidden.error.find("s3cr3t"), std::string::npos);
}

TEST_F(HttpSourceTest, RotatedTokenIsReadAgain) {
  write_file(dir / "token", "first");
  auto src = make((dir / "token").string());
  answer(200, kHostsBody);
  src.hosts_by_name(provider(), kName, soon());
  // A projected token is replaced by a new file (new inode), with another size
  write_file(dir / "token.new", "second-token");
  fs::rename(dir / "token.new", dir / "token");
  src.hosts_by_name(provider(), kName, soon());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].authorization, "Bearer first");
  EXPECT_EQ(reqs[1].authorization, "Bearer second-token");
}

TEST_F(HttpSourceTest, MissingTokenFileIsAnErrorWithoutCallingTheInventory) {
  auto src = make((dir / "absent").string());
  auto out = src.providers("demo", soon());
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_NE(out.error.find((dir / "absent").string()), std::string::npos);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpSourceTest, ServerErrorIsUnavailable) {
  auto src = make();
  answer(500, "");
  auto out = src.hosts_by_name(provider(), kName, soon());
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_NE(out.error.find("500"), std::string::npos);
  EXPECT_EQ(outcomes->seen, std::vector<std::string>{"hosts/error"});
}

TEST_F(HttpSourceTest, BadJsonIsUnavailable) {
  auto src = make();
  answer(200, "{not json");
  auto out = src.providers("demo", soon());
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_NE(out.error.find("unreadable"), std::string::npos);
  answer(200, R"({"id": 1})");
  auto hosts = src.hosts_by_name(provider(), kName, soon());
  EXPECT_EQ(hosts.status, LookupStatus::Unavailable);
  EXPECT_NE(hosts.error.find("list of hosts"), std::string::npos);
}

TEST_F(HttpSourceTest, SlowServerIsUnavailableByTheDeadline) {
  auto src = make();
  server.script([this](const httplib::Request&, httplib::Response& res) {
    server.hold();
    res.set_content(kHostsBody, "application/json");
  });
  auto out = src.hosts_by_name(provider(), kName, SteadyClock::now() + 200ms);
  server.release();
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_NE(out.error.find("deadline exceeded"), std::string::npos) << out.error;
  EXPECT_TRUE(out.timed_out);
  EXPECT_EQ(outcomes->seen, std::vector<std::string>{"hosts/timeout"});
}

TEST_F(HttpSourceTest, ExpiredDeadlineDoesNotCall) {
  auto src = make();
  answer(200, kHostsBody);
  auto out = src.hosts_by_name(provider(), kName, SteadyClock::now() - 1ms);
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_EQ(out.error, "deadline exceeded");
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpSourceTest, KeepAliveConnectionIsReused) {
  auto src = make();
  answer(200, kHostsBody);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(src.hosts_by_name(provider(), kName, soon()).status, LookupStatus::Ok);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  // one TCP connection (same client port) served all three: no handshake per request
  EXPECT_EQ(reqs[1].remote_port, reqs[0].remote_port);
  EXPECT_EQ(reqs[2].remote_port, reqs[0].remote_port);
}

TEST(HttpSourceRefused, ConnectionRefusedNamesTheUrl) {
  // Bind without listening, read the port, close: nobody listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  HttpSourceConfig cfg;
  cfg.url = "http://127.0.0.1:" + std::to_string(port);
  HttpInventorySource src(cfg);
  auto out = src.providers("demo", soon());
  EXPECT_EQ(out.status, LookupStatus::Unavailable);
  EXPECT_NE(out.error.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << out.error;
}

TEST(HttpUrl, ParsesAndRejectsWithTheFix) {
  auto u = parse_http_url("https://forklift-inventory.openshift-mtv.svc:8443/");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "forklift-inventory.openshift-mtv.svc");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.prefix, "");
  EXPECT_EQ(parse_http_url("https://inventory.apps.example.com").port, 443);
  EXPECT_EQ(parse_http_url("http://[::1]:9000/api").prefix, "/api");
  EXPECT_EQ(parse_http_url("http://[::1]:9000/api").host, "::1");
  for (const char* bad : {"forklift-inventory:8443", "ftp://x", "https://:8443", "https://h:99999",
                          "https://user:pw@h"}) {
    try {
      parse_http_url(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("expected https://HOST[:PORT]"), std::string::npos);
    }
  }
}

TEST(InventoryUrl, FlagWinsOverEnvironment) {
  ::setenv("MTV_INVENTORY_URL", "https://from-env:8443", 1);
  EXPECT_EQ(inventory_url_from_env_or("https://flag:8443"), "https://flag:8443");
  EXPECT_EQ(inventory_url_from_env_or(""), "https://from-env:8443");
  ::unsetenv("MTV_INVENTORY_URL");
  EXPECT_EQ(inventory_url_from_env_or(""), "");
}

// HTTPS: the inventory's certificate is verified against --inventory-ca.
struct HttpsSourceTest : ::testing::Test {
  static fs::path certs;
  static void SetUpTestSuite() {
    certs = temp_dir() / "certs";
    std::string cmd = std::string("bash ") + HOSTADM_SOURCE_DIR + "/certs/make-certs.sh --out " +
                      certs.string() + " --service localhost --ip 127.0.0.1 >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() { fs::remove_all(certs.parent_path()); }
};
fs::path HttpsSourceTest::certs;

TEST_F(HttpsSourceTest, VerifiesTheServerWithTheCaAndRefusesWithoutIt) {
  ScriptedServer server(std::make_unique<httplib::SSLServer>((certs / "tls.crt").c_str(),
                                                             (certs / "tls.key").c_str()));
  server.script([](const httplib::Request&, httplib::Response& res) {
    res.set_content(kHostsBody, "application/json");
  });
  HttpSourceConfig cfg;
  cfg.url = "https://127.0.0.1:" + std::to_string(server.port());
  cfg.ca_file = (certs / "ca.crt").string();
  auto ok = HttpInventorySource(cfg).hosts_by_name(provider(), kName, soon());
  EXPECT_EQ(ok.status, LookupStatus::Ok) << ok.error;

  // A CA that did not sign the server's certificate: the connection must be refused.
  auto other = certs.parent_path() / "other";
  std::string cmd = std::string("bash ") + HOSTADM_SOURCE_DIR + "/certs/make-certs.sh --out " +
                    other.string() + " --service localhost --ip 127.0.0.1 >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  cfg.ca_file = (other / "ca.crt").string();
  auto untrusted = HttpInventorySource(cfg).hosts_by_name(provider(), kName, soon());
  EXPECT_EQ(untrusted.status, LookupStatus::Unavailable);
  EXPECT_NE(untrusted.error.find("not trusted"), std::string::npos) << untrusted.error;

  cfg.insecure_skip_tls = true;
  EXPECT_EQ(HttpInventorySource(cfg).hosts_by_name(provider(), kName, soon()).status,
            LookupStatus::Ok);

  cfg.insecure_skip_tls = false;
  cfg.ca_file = (certs / "missing.crt").string();
  auto missing = HttpInventorySource(cfg).hosts_by_name(provider(), kName, soon());
  EXPECT_EQ(missing.status, LookupStatus::Unavailable);
  EXPECT_NE(missing.error.find("missing.crt"), std::string::npos) << missing.error;
}

}  // namespace
}  // namespace hostadm
