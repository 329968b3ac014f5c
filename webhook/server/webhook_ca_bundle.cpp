#include "webhook/server/webhook_ca_bundle.hpp"

#include "webhook/core/admission.hpp"
#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

const kube::Resource* const kConfigurations[] = {
    &kube::resources::kMutatingWebhookConfigurations,
    &kube::resources::kValidatingWebhookConfigurations};

std::string ca_bundle_of(const nlohmann::json& webhook) {
  const auto cc = webhook.find("clientConfig");
  if (cc == webhook.end() || !cc->is_object()) return "";
  const auto b = cc->find("caBundle");
  return b != cc->end() && b->is_string() ? b->get<std::string>() : "";
}

// The problem with an answer, worded with the fix.
std::string problem_of(const kube::Result& r, const std::string& what, const char* verb) {
  if (r.code == 404)
    return what +
           " does not exist: --webhook-configuration must name the install's mutating and "
           "validating webhook configurations (apply the install again if they were deleted)";
  if (r.code == 403)
    return "the service account may not " + std::string(verb) + " " + what +
           ": grant get and patch on it (a ClusterRole rule with resourceNames, as the install's "
           "RBAC has)";
  return std::string(verb) + " " + what + ": " + r.describe();
}

}  // namespace

WebhookCaBundle::WebhookCaBundle(kube::Client& client, std::string configuration)
    : client_(client), configuration_(std::move(configuration)) {}

std::string WebhookCaBundle::sync(const std::string& bundle_pem, kube::Deadline deadline) {
  const std::string want = base64_encode(bundle_pem);
  std::string problems;
  for (const kube::Resource* r : kConfigurations) {
    const std::string problem = sync_one(*r, want, deadline);
    report(*r, problem);
    if (!problem.empty()) problems += (problems.empty() ? "" : "; ") + problem;
  }
  return problems;
}

std::string WebhookCaBundle::sync_one(const kube::Resource& resource, const std::string& want,
                                      kube::Deadline deadline) {
  const std::string what = resource.resource + " " + configuration_;
  const kube::Result got = client_.get(resource, "", configuration_, deadline);
  if (!got.ok()) return problem_of(got, what, "get");
  nlohmann::json ops = nlohmann::json::array();
  const auto webhooks = got.object.find("webhooks");
  if (webhooks == got.object.end() || !webhooks->is_array()) return "";
  for (size_t i = 0; i < webhooks->size(); ++i) {
    const nlohmann::json& w = (*webhooks)[i];
    if (ca_bundle_of(w) == want) continue;
    const std::string at = "/webhooks/" + std::to_string(i);
    // The test: the list may have changed since the get (an apply reordered it).
    ops.push_back({{"op", "test"}, {"path", at + "/name"}, {"value", w.value("name", "")}});
    ops.push_back({{"op", "add"}, {"path", at + "/clientConfig/caBundle"}, {"value", want}});
  }
  if (ops.empty()) return "";
  const kube::Result patched =
      client_.patch(resource, "", configuration_, kube::PatchType::Json, ops, deadline);
  if (!patched.ok()) return problem_of(patched, what, "patch");
  log_info("caBundle written",
           {{"configuration", what}, {"webhooks", static_cast<long long>(ops.size() / 2)}});
  return "";
}

void WebhookCaBundle::report(const kube::Resource& resource, const std::string& problem) {
  std::string& last = last_problem_[resource.resource];
  if (problem == last) return;
  if (problem.empty())
    log_info("caBundle in place again",
             {{"configuration", resource.resource + " " + configuration_}});
  else
    log_warn("cannot keep the caBundle of the webhook configuration", {{"error", problem}});
  last = problem;
}

}  // namespace hostadm::server
