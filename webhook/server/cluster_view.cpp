#include "webhook/server/cluster_view.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace hostadm::server {
namespace {

std::string string_at(const nlohmann::json& object, std::initializer_list<const char*> path) {
  const nlohmann::json* at = &object;
  for (const char* key : path) {
    if (!at->is_object()) return "";
    auto it = at->find(key);
    if (it == at->end()) return "";
    at = &*it;
  }
  return at->is_string() ? at->get<std::string>() : "";
}

// One admission's questions: the API budget is fixed when the admission starts, so the reads of
// one admission together never take longer than kubeApiTimeout.
class AdmissionClusterView : public ClusterView {
 public:
  AdmissionClusterView(ClusterState& state, Deadline deadline)
      : state_(state),
        deadline_(deadline),
        api_deadline_(std::min(deadline, SteadyClock::now() + state.policy().kube_api_timeout)) {}

  const Labels* namespace_labels(const std::string& ns) override {
    const auto* informer = state_.namespaces();
    if (!informer) return nullptr;
    auto known = labels_.find(ns);
    if (known != labels_.end()) return known->second ? &*known->second : nullptr;
    auto& slot = labels_[ns];
    slot = informer->get("", ns);
    return slot ? &*slot : nullptr;
  }

  SecretFacts secret(const std::string& ns, const std::string& name) override {
    return state_.secrets().get(ns, name, api_deadline_)->facts;
  }

  Duplicates hosts_with(const std::string& ns, const std::string& provider,
                        const std::string& host_id, const std::string& self) override {
    Duplicates out;
    const auto* informer = state_.hosts();
    if (!informer || !informer->has_synced()) {
      out.synced = false;
      return out;
    }
    informer->for_each(ns, [&](const std::string& name, const HostRef& h) {
      if (name != self && !h.deleting && h.provider == provider && h.id == host_id)
        out.names.push_back(name);
    });
    return out;
  }

  EndpointAnswer endpoint(const EndpointQuestion& q) override;

 private:
  ClusterState& state_;
  Deadline deadline_;
  Deadline api_deadline_;
  std::map<std::string, std::optional<Labels>> labels_;  // asked once per admission, kept stable
};

EndpointAnswer AdmissionClusterView::endpoint(const EndpointQuestion& q) {
  endpoint::Checker* checker = state_.endpoints();
  if (!checker || q.mode == EndpointCheck::Off) return {};
  endpoint::Request request;
  request.address = q.address;
  request.port = state_.endpoint_port();
  request.expected_thumbprint = q.thumbprint;
  request.mode = endpoint::Mode::Reach;
  // Login only with the Secret's user and password in hand; without them the Secret rules say
  // what is wrong and the endpoint is only reached. The login itself refuses an unpinned or
  // mismatched endpoint before any credential is sent.
  if (q.mode == EndpointCheck::Login && !q.secret.name.empty()) {
    auto secret = state_.secrets().get(q.secret.ns, q.secret.name, api_deadline_);
    if (secret->facts.state == SecretState::Present && !secret->credentials.user.empty() &&
        !secret->credentials.password.empty()) {
      request.mode = endpoint::Mode::Login;
      request.secret = q.secret.ns + "/" + q.secret.name;
      request.secret_version = secret->facts.resource_version;
      request.credentials = secret->credentials;
    }
  }
  return endpoint_answer(checker->check(std::move(request), q.budget, deadline_));
}

}  // namespace

std::optional<HostRef> project_host(const nlohmann::json& host) {
  HostRef h;
  h.uid = string_at(host, {"metadata", "uid"});
  h.provider = string_at(host, {"spec", "provider", "name"});
  h.id = string_at(host, {"spec", "id"});
  auto md = host.find("metadata");
  h.deleting = md != host.end() && md->is_object() && md->contains("deletionTimestamp") &&
               !(*md)["deletionTimestamp"].is_null();
  return h;
}

std::optional<Labels> project_namespace(const nlohmann::json& ns) {
  Labels labels;
  auto md = ns.find("metadata");
  if (md == ns.end() || !md->is_object()) return labels;
  auto it = md->find("labels");
  if (it == md->end() || !it->is_object()) return labels;
  for (auto l = it->begin(); l != it->end(); ++l)
    if (l->is_string()) labels.emplace(l.key(), l->get<std::string>());
  return labels;
}

EndpointAnswer endpoint_answer(const endpoint::Result& result) {
  EndpointAnswer a;
  const char* rule = endpoint::rule_for(result.outcome);
  if (!rule) return a;
  const std::string_view r(rule);
  a.finding = r == "endpoint-thumbprint-mismatch" ? EndpointFinding::ThumbprintMismatch
              : r == "endpoint-login-failed"      ? EndpointFinding::LoginFailed
                                                  : EndpointFinding::Unreachable;
  a.message = result.message;
  return a;
}

ClusterState::ClusterState(kube::Client& client, std::shared_ptr<const Policy> policy,
                           ClusterStateOptions options)
    : policy_(std::move(policy)),
      secrets_(client, options.secrets,
               [m = options.metrics](const char* result) {
                 if (m) m->secret_looked_up(result);
               }),
      endpoint_port_(options.endpoint_port) {
  const ClusterChecks checks = policy_->cluster_checks(true);
  if (checks.duplicate) {
    kube::InformerOptions o;
    o.resource = kube::resources::kHosts;
    hosts_ = std::make_unique<kube::Informer<HostRef>>(client, o, project_host);
  }
  if (policy_->uses_namespace_labels()) {
    kube::InformerOptions o;
    o.resource = kube::resources::kNamespaces;
    namespaces_ = std::make_unique<kube::Informer<Labels>>(client, o, project_namespace);
  }
  if (checks.endpoint != EndpointCheck::Off)
    endpoints_ =
        std::make_unique<endpoint::Checker>(options.endpoints, options.prober, options.metrics);
}

ClusterState::~ClusterState() {
  stop();
}

void ClusterState::start() {
  if (hosts_) hosts_->start();
  if (namespaces_) namespaces_->start();
}

void ClusterState::stop() {
  if (hosts_) hosts_->stop();
  if (namespaces_) namespaces_->stop();
}

std::string ClusterState::not_ready_reason() const {
  auto waiting = [](const char* what, const auto& informer) -> std::string {
    if (!informer || informer->has_synced()) return "";
    const std::string error = informer->last_error();
    return std::string("the first list of ") + what + " has not completed" +
           (error.empty() ? "" : ": " + error);
  };
  std::string reason = waiting("Hosts (duplicate check)", hosts_);
  if (reason.empty()) reason = waiting("Namespaces (namespace label selectors)", namespaces_);
  return reason;
}

std::unique_ptr<ClusterView> ClusterState::view(Deadline deadline) {
  return std::make_unique<AdmissionClusterView>(*this, deadline);
}

}  // namespace hostadm::server
