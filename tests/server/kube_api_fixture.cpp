// A real `host-harness serve-kube` for the Kubernetes API client's tests (kube_api_fixture.hpp).
#include "server/kube_api_fixture.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace hostadm::servertest {

MockKubeApi::MockKubeApi(const TempDir& dir, const std::string& token,
                         const std::vector<std::string>& extra)
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

json MockKubeApi::control(const std::string& path, const json& body) const {
  auto res = control_client()->Post(path.c_str(), body.dump(), "application/json");
  if (!res || res->status != 200)
    throw std::runtime_error("POST " + path + " failed: " + (res ? res->body : "no answer"));
  return json::parse(res->body);
}

void MockKubeApi::add_namespace(const std::string& ns) const {
  control("/__objects",
          json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
}

json MockKubeApi::requests() const {
  auto res = control_client()->Get("/__requests");
  if (!res || res->status != 200) throw std::runtime_error("GET /__requests failed");
  return json::parse(res->body);
}

std::vector<json> MockKubeApi::requests_of(const std::string& verb,
                                           const std::string& resource) const {
  std::vector<json> out;
  for (const auto& r : requests())
    if (r["verb"] == verb && (resource.empty() || r["resource"] == resource)) out.push_back(r);
  return out;
}

std::unique_ptr<httplib::SSLClient> MockKubeApi::control_client() const {
  auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
  c->set_ca_cert_path(ca_.c_str());
  c->enable_server_certificate_verification(true);
  c->set_read_timeout(30, 0);
  return c;
}

kube::Deadline in(std::chrono::milliseconds d) {
  return std::chrono::steady_clock::now() + d;
}

json host_object(const std::string& ns, const std::string& name, const json& labels) {
  return {{"apiVersion", "forklift.konveyor.io/v1beta1"},
          {"kind", "Host"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", {{"provider", {{"name", "vsphere"}}}, {"id", "host-" + name}}}};
}

json secret(const std::string& name, const json& data) {
  json encoded = json::object();
  for (auto it = data.begin(); it != data.end(); ++it)
    encoded[it.key()] = base64_encode(it->get<std::string>());
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "demo"}}},
          {"data", encoded}};
}

}  // namespace hostadm::servertest
