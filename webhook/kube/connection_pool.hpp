// Keep-alive HTTPS connections to the API server, built with the configuration's TLS material
// (CA, client certificate) and handed out one per call. Files the material comes from are
// followed: when the CA or the client certificate changes on disk, connections built with the
// old material are retired and new ones use the new files.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "webhook/inventory/file_stamp.hpp"
#include "webhook/inventory/http_url.hpp"
#include "webhook/kube/kube_config.hpp"

namespace httplib {
class ClientImpl;
enum class Error;
}  // namespace httplib

namespace hostadm::kube {

struct TlsMaterial;

class ConnectionPool {
 public:
  // Throws KubeConfigError when the CA or the client certificate cannot be read or parsed, or
  // the key does not belong to the certificate.
  ConnectionPool(const KubeConfig& config, size_t max_idle);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  struct Lease {
    std::unique_ptr<httplib::ClientImpl> client;
    bool reused = false;  // an idle connection: the server may have closed it meanwhile
    uint64_t generation = 0;
  };

  // An idle connection that still looks open, else a new client (which connects on first use).
  Lease take();
  // Keeps the connection for the next call when it is still current and there is room.
  void give_back(Lease lease);

  const HttpUrl& url() const { return url_; }
  // Set when a followed file changed but could not be loaded (the old material stays in use);
  // cleared by a successful load. Never carries key material.
  std::string material_error() const;

 private:
  void follow_files();  // with mu_ held
  std::unique_ptr<httplib::ClientImpl> build(const TlsMaterial& material) const;

  const KubeConfig config_;
  const HttpUrl url_;
  const size_t max_idle_;
  mutable std::mutex mu_;
  std::shared_ptr<const TlsMaterial> material_;
  uint64_t generation_ = 0;
  FileStamp ca_stamp_, cert_stamp_, key_stamp_;
  std::string material_error_;
  std::vector<Lease> idle_;
};

// A short cause for a request that got no answer: "cannot connect (refused or unreachable)".
std::string transport_cause(httplib::Error err);

}  // namespace hostadm::kube
