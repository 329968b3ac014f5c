// A real `host-harness serve-kube` over TLS on 127.0.0.1 for the Kubernetes API client's tests:
// started by pid (child_process.hpp), its own CA and token file, a kubeconfig that points the
// client at it, and its test controls (faults, objects, compaction, the request log).
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/child_process.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/kube/kube_client.hpp"
#include "webhook/kube/kube_config.hpp"

namespace hostadm::servertest {

using json = nlohmann::json;

class MockKubeApi {
 public:
  // The mock accepts the token in `dir/server-token`; the client reads `dir/client-token`.
  MockKubeApi(const TempDir& dir, const std::string& token,
              const std::vector<std::string>& extra = {});

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  fs::path kubeconfig() const { return dir_.path() / "kubeconfig"; }
  fs::path server_token() const { return dir_.path() / "server-token"; }
  fs::path client_token() const { return dir_.path() / "client-token"; }
  Child& process() { return *proc_; }
  kube::KubeConfig config() const { return kube::load_kubeconfig(kubeconfig().string()); }

  // POST to a test control (/__faults, /__objects, /__compact, ...); throws on failure.
  json control(const std::string& path, const json& body = json::object()) const;
  void faults(const json& f) const { control("/__faults", f); }
  // The API server refuses objects in a namespace that does not exist.
  void add_namespace(const std::string& ns) const;
  void reset_requests() const { control("/__requests/reset"); }
  json requests() const;
  // The recorded requests of one verb (and resource, when given).
  std::vector<json> requests_of(const std::string& verb, const std::string& resource = "") const;

 private:
  std::unique_ptr<httplib::SSLClient> control_client() const;

  const TempDir& dir_;
  fs::path ca_;
  std::unique_ptr<Child> proc_;
  int port_ = 0;
};

// A call's deadline, this long from now: `client->get(..., in(10s))`.
kube::Deadline in(std::chrono::milliseconds d);

// A suite whose tests share one serve-kube (certificates and a process per test would take most of
// the suite's time), with no faults and an empty request log before each test. The suite starts it
// in its SetUpTestSuite with start_api(); SUITE gives each suite a mock of its own.
template <class Suite>
class KubeApiTest : public ::testing::Test {
 protected:
  // serve-kube accepting `token`, with `flags` besides the listener, certificates and token.
  static void start_api(const std::string& token, const std::vector<std::string>& flags = {}) {
    dir_ = new TempDir();
    api_ = new MockKubeApi(*dir_, token, flags);
  }
  static void TearDownTestSuite() {
    delete api_;
    api_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    api_->faults(json::object());
    api_->reset_requests();
  }

  static inline TempDir* dir_ = nullptr;
  static inline MockKubeApi* api_ = nullptr;
};

json host_object(const std::string& ns, const std::string& name,
                 const json& labels = json::object());

// A v1 Secret in namespace demo as the API stores it: `data`'s values base64-encoded.
json secret(const std::string& name, const json& data);

}  // namespace hostadm::servertest
