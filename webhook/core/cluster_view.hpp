// What the decision core may ask the cluster besides the inventory: a Secret's key names, the
// other Hosts of a namespace, and what the ESXi endpoint answered. Implementations: the server's
// (a Kubernetes API cache and the endpoint checker, webhook/server) and the harness's offline one
// (fixture entries and the manifests being replayed). Like InventoryView, an implementation may
// block, bound by the request's deadline; the core never sees HTTP, sockets or the clock.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "webhook/core/inventory.hpp"
#include "webhook/core/label_selector.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm {

enum class SecretState {
  Present,
  NotFound,    // the API said 404
  Unreadable,  // the API refused (403) or failed (timeout, 5xx, down): `error` says which
};

// A Secret as the rules see it: never a value, except whether insecureSkipVerify is "true"
// (what requireVerifiedTls judges; it is a setting, not a credential).
struct SecretFacts {
  SecretState state = SecretState::Unreadable;
  std::vector<std::string> keys;      // key names of `data` and `stringData`
  bool insecure_skip_verify = false;  // data.insecureSkipVerify decodes to "true"
  std::string resource_version;       // part of the endpoint result's cache key
  std::string error;                  // Unreadable: "403 forbidden", "timeout after 1s", ...
};

// What the endpoint check is asked: dial `address`:443 within `budget`, compare the certificate's
// SHA-1 thumbprint with `thumbprint` (the inventory's, "AA:BB:..."), and in Login mode log in
// with the Secret's credentials only when it matched.
struct EndpointQuestion {
  std::string address;
  std::string thumbprint;  // "" when the inventory lists none: no pin, so never a login
  EndpointCheck mode = EndpointCheck::Reach;
  ObjectRef secret;  // Login mode: whose user/password
  std::string secret_version;
  std::chrono::milliseconds budget{1'000};
};

enum class EndpointFinding {
  None,  // reached (and logged in), or not checked (skipped under load)
  Unreachable,
  ThumbprintMismatch,
  LoginFailed,
};

struct EndpointAnswer {
  EndpointFinding finding = EndpointFinding::None;
  std::string message;  // names the endpoint and what failed; never a credential
};

// A view that is given means a Kubernetes API client is configured: the checks on are
// policy.cluster_checks(true); without one (nullptr) they are all off, as part 1 decides.
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  // The labels of namespace `ns` (for `selector:` entries), or nullptr when not known yet.
  virtual const Labels* namespace_labels(const std::string& ns) = 0;
  virtual SecretFacts secret(const std::string& ns, const std::string& name) = 0;
  // The names of the Hosts of `ns` other than `self`, not being deleted, whose provider is
  // `provider` and whose spec.id is `host_id`. `synced` false: the cache has not listed yet.
  struct Duplicates {
    bool synced = true;
    std::vector<std::string> names;
  };
  virtual Duplicates hosts_with(const std::string& ns, const std::string& provider,
                                const std::string& host_id, const std::string& self) = 0;
  virtual EndpointAnswer endpoint(const EndpointQuestion& question) = 0;
};

}  // namespace hostadm
