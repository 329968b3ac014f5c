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
              const std::vector<std::string>& extra = {})
      : dir_(dir) {
    const fs::path certs = dir.path() / "kube-certs";
    make_certs(certs);
    ca_ = certs / "ca.crt";
    write_file(server_token(), token + "\n");
    write_file(client_token(), token + "\n");
    std::vector<std::string> args = {"serve-kube",
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--tls-cert",
                                     (certs / "tls.crt").string(),
                                     "--tls-key",
                                     (certs / "tls.key").string(),
                                     "--token-file",
                                     server_token().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<Child>(harness_bin(), args, dir / "kube.out", dir / "kube.err");
    port_ = proc_->wait_listening();
    write_file(kubeconfig(),
               "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
               "clusters:\n- name: mock\n  cluster:\n    server: " +
                   url() + "\n    certificate-authority: " + ca_.string() +
                   "\ncontexts:\n- name: test\n  context: {cluster: mock, user: hook, namespace: "
                   "demo}\nusers:\n- name: hook\n  user:\n    tokenFile: " +
                   client_token().string() + "\n");
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  fs::path kubeconfig() const { return dir_.path() / "kubeconfig"; }
  fs::path server_token() const { return dir_.path() / "server-token"; }
  fs::path client_token() const { return dir_.path() / "client-token"; }
  Child& process() { return *proc_; }
  kube::KubeConfig config() const { return kube::load_kubeconfig(kubeconfig().string()); }

  // POST to a test control (/__faults, /__objects, /__compact, ...); throws on failure.
  json control(const std::string& path, const json& body = json::object()) const {
    auto res = control_client()->Post(path.c_str(), body.dump(), "application/json");
    if (!res || res->status != 200)
      throw std::runtime_error("POST " + path + " failed: " + (res ? res->body : "no answer"));
    return json::parse(res->body);
  }
  void faults(const json& f) const { control("/__faults", f); }
  // The API server refuses objects in a namespace that does not exist.
  void add_namespace(const std::string& ns) const {
    control("/__objects",
            json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  }
  void reset_requests() const { control("/__requests/reset"); }
  json requests() const {
    auto res = control_client()->Get("/__requests");
    if (!res || res->status != 200) throw std::runtime_error("GET /__requests failed");
    return json::parse(res->body);
  }
  // The recorded requests of one verb (and resource, when given).
  std::vector<json> requests_of(const std::string& verb, const std::string& resource = "") const {
    std::vector<json> out;
    for (const auto& r : requests())
      if (r["verb"] == verb && (resource.empty() || r["resource"] == resource)) out.push_back(r);
    return out;
  }

 private:
  std::unique_ptr<httplib::SSLClient> control_client() const {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    c->set_ca_cert_path(ca_.c_str());
    c->enable_server_certificate_verification(true);
    c->set_read_timeout(30, 0);
    return c;
  }

  const TempDir& dir_;
  fs::path ca_;
  std::unique_ptr<Child> proc_;
  int port_ = 0;
};

// A call's deadline, this long from now: `client->get(..., in(10s))`.
inline kube::Deadline in(std::chrono::milliseconds d) {
  return std::chrono::steady_clock::now() + d;
}

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

inline json host_object(const std::string& ns, const std::string& name,
                        const json& labels = json::object()) {
  return {{"apiVersion", "forklift.konveyor.io/v1beta1"},
          {"kind", "Host"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", {{"provider", {{"name", "vsphere"}}}, {"id", "host-" + name}}}};
}

// A v1 Secret in namespace demo as the API stores it: `data`'s values base64-encoded.
inline json secret(const std::string& name, const json& data) {
  json encoded = json::object();
  for (auto it = data.begin(); it != data.end(); ++it)
    encoded[it.key()] = base64_encode(it->get<std::string>());
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "demo"}}},
          {"data", encoded}};
}

}  // namespace hostadm::servertest
