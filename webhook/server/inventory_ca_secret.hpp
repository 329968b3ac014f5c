// --inventory-ca-secret NAMESPACE/NAME: the CA that verifies the Forklift inventory, read from a
// Secret through the Kubernetes API and followed as it changes, so that a CA cert-manager renews
// (Forklift's lives 90 days) never leaves the webhook with a stale copy.
//
// The Secret is watched by name (list and watch with fieldSelector metadata.name, which RBAC can
// grant on that one Secret by resourceNames). Each version's CA is handed to the inventory
// client at once. The CAs of earlier versions stay trusted until they expire: the inventory
// reads its serving certificate only when it starts, so after cert-manager renews it the
// inventory may serve the previous one, from the previous CA, until its pod restarts.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "webhook/inventory/http_source.hpp"
#include "webhook/kube/informer.hpp"
#include "webhook/server/x509_pem.hpp"

namespace hostadm::server {

class InventoryCaSecret {
 public:
  using WallClock = std::function<std::time_t()>;

  // `client` and `source` must outlive this object; `source` was made with ca_source set.
  InventoryCaSecret(kube::Client& client, std::string ns, std::string name, std::string key,
                    HttpInventorySource& source, WallClock clock = nullptr);
  ~InventoryCaSecret();
  InventoryCaSecret(const InventoryCaSecret&) = delete;
  InventoryCaSecret& operator=(const InventoryCaSecret&) = delete;

  void start();
  void stop();
  // "" once the Secret was listed (whether or not it holds a CA: then every admission says it
  // waits for it); else why not, for /readyz.
  std::string not_ready_reason() const;

  // "Secret NS/NAME key KEY": where the CA comes from, for messages.
  static std::string describe(const std::string& ns, const std::string& name,
                              const std::string& key);

 private:
  // What the watch keeps of the Secret: the key's text, or why there is none.
  struct Version {
    std::string pem;
    std::string problem;
  };
  Version project(const nlohmann::json& secret) const;
  void changed(const Version& v);

  const std::string ns_, name_, key_, what_;
  HttpInventorySource& source_;
  WallClock clock_;
  std::vector<X509Ptr> trusted_;  // newest first; the watch's thread only
  std::string last_problem_;      // logged once until it changes
  std::unique_ptr<kube::Informer<Version>> watch_;
};

}  // namespace hostadm::server
