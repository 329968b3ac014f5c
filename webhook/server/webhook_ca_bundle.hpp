// Keeps the caBundle of the webhook's own two configurations (the mutating and the validating
// one, both named --webhook-configuration) equal to the self-managed CA bundle. Only those two
// objects are read (get) and written (a JSON patch of the caBundle of each webhook that differs,
// guarded by a test of that webhook's name), so RBAC can grant get and patch on them by name and
// nothing else.
#pragma once

#include <map>
#include <string>

#include "webhook/kube/kube_client.hpp"

namespace hostadm::server {

class WebhookCaBundle {
 public:
  WebhookCaBundle(kube::Client& client, std::string configuration);

  // Makes every webhook of both configurations carry `bundle_pem`; patches only what differs
  // (someone or some tool may have reset it). Returns "" or what is wrong, worded for the log
  // and /readyz with the fix (a missing configuration, missing RBAC). A problem is logged when
  // it first appears or changes, and its end once.
  std::string sync(const std::string& bundle_pem, kube::Deadline deadline);

 private:
  std::string sync_one(const kube::Resource& resource, const std::string& want_b64,
                       kube::Deadline deadline);
  void report(const kube::Resource& resource, const std::string& problem);

  kube::Client& client_;
  const std::string configuration_;
  std::map<std::string, std::string> last_problem_;  // by resource, for logging on change
};

}  // namespace hostadm::server
