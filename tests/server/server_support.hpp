// Helpers for the end-to-end server tests: host-webhook and host-harness serve-inventory started
// on 127.0.0.1 port 0 (child_process.hpp), HTTPS clients that verify the server with the test CA,
// AdmissionReview builders, and the fixture every rule test runs against.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>
#include "server/child_process.hpp"

namespace hostadm::servertest {

using json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A started host-webhook on 127.0.0.1:0 with the given extra flags.
struct Webhook {
  std::unique_ptr<Child> proc;
  int port = 0;
  fs::path ca;

  Webhook(const TempDir& dir, const std::vector<std::string>& extra,
          const std::string& name = "webhook", const fs::path& cert_dir = {},
          const std::vector<std::string>& env = {});
};

// host-harness serve-inventory over HTTPS with a bearer token.
struct MockInventory {
  std::unique_ptr<Child> proc;
  int port = 0;
  std::string token;
  fs::path ca;

  MockInventory(const TempDir& dir, const fs::path& fixture, const std::string& tok);
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port); }

  std::unique_ptr<httplib::SSLClient> client() const;
  void faults(const json& f) const;
  json requests() const;
  void reset_requests() const;
};

// serve-inventory with the pair in `certs` (make_certs), on `port` (0: any free port), accepting
// `token`: for tests that restart the inventory with another certificate on the same address.
std::unique_ptr<Child> serve_inventory(const TempDir& dir, const fs::path& fixture,
                                       const fs::path& certs, int port, const std::string& name,
                                       const std::string& token);

std::unique_ptr<httplib::SSLClient> client_for(int port, const fs::path& ca,
                                               int read_timeout_s = 30);

json host_object(const std::string& name, const json& spec,
                 const json& annotations = json::object(), const std::string& ns = "demo");

json review(const std::string& uid, const std::string& operation, const json& object,
            const json& old_object = nullptr, bool dry_run = false, const std::string& ns = "demo");

// The adapter annotation the default policy reads.
inline constexpr const char* kAdapter = "forklift.konveyor.io/network-adapter";

// A CREATE of a Host that names its adapter and no IP: admitted with a patch against kFixture.
json adapter_review(const std::string& uid);

struct Answer {
  int status = 0;  // 0: no HTTP answer
  std::string body;
  json review;  // parsed body when it is JSON
  json response() const;
  std::vector<std::string> warnings() const;
  // True when a warning or the denial message starts with `rule`.
  bool has_rule(const std::string& rule) const;
  bool allowed() const;
  json patch() const;
};

json decode_patch(const std::string& b64);

Answer post(httplib::SSLClient& c, const std::string& path, const std::string& body,
            const std::string& content_type = "application/json");

Answer admit(httplib::SSLClient& c, const std::string& webhook, const json& rev,
             const std::string& timeout = "10s");

// A TCP connection to 127.0.0.1:port; -1 when connect failed.
int connect_loopback(int port);

// The serial (hex) of the certificate a fresh TLS connection to 127.0.0.1:port is served.
std::string served_serial(int port);

std::string file_serial(const fs::path& cert);

// The first stderr line of `proc` that contains `needle` (e.g. a uid), once it was written;
// "" when none came.
std::string log_line_with(const Child& proc, const std::string& needle);

// The fixture every rule test runs against (the fixture format).
inline const char* kFixture = R"(providers:
  - name: vsphere-provider
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000001
    sdkEndpoint: vcenter
    secret: {name: vsphere-secret, namespace: demo}
    hosts:
      - id: host-10
        name: esxi-01.example.com
        status: green
        inMaintenance: false
        networkAdapters:
          - {name: Management Network, ipAddress: 192.168.1.10}
          - {name: vMotion Network, ipAddress: 10.0.0.10}
          - {name: Storage Network}
      - id: host-11
        name: esxi-02.example.com
        status: yellow
        inMaintenance: true
        networkAdapters:
          - {name: Mgmt, ipAddress: 192.168.1.11}
          - {name: Mgmt, ipAddress: 192.168.1.111}
      - id: host-12
        name: dc1/esxi-dup.example.com
        status: green
        networkAdapters:
          - {name: Mgmt, ipAddress: 192.168.1.12}
      - id: host-13
        name: dc2/esxi-dup.example.com
        status: green
        networkAdapters:
          - {name: Mgmt, ipAddress: 192.168.1.13}
  - name: esxi-provider
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000002
    sdkEndpoint: esxi
    secret: {name: esxi-secret, namespace: demo}
    hosts:
      - id: host-20
        name: esxi-20.example.com
        status: green
        networkAdapters:
          - {name: Management Network, ipAddress: 192.168.2.20}
  - name: not-ready
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000003
    ready: false
    secret: {name: s, namespace: demo}
    hosts: []
  - name: syncing
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000004
    synced: false
    secret: {name: s, namespace: demo}
    hosts: []
  - name: ocp
    namespace: demo
    uid: 11111111-0000-4000-8000-000000000005
    type: openshift
    hosts: []
)";

fs::path write_fixture(const TempDir& dir);

fs::path write_policy(const TempDir& dir, const std::string& name, const std::string& yaml);

}  // namespace hostadm::servertest
