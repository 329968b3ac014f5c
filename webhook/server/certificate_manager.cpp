#include "webhook/server/certificate_manager.hpp"

#include <algorithm>

#include "webhook/server/certificate_issuer.hpp"
#include "webhook/server/certificate_secret.hpp"
#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

using std::chrono::milliseconds;

// What one pass's API calls may take together: a pass is off the admission path, but stop()
// waits for it.
constexpr milliseconds kPassBudget{5'000};
constexpr const char* kCaName = "forklift-host-webhook CA";

std::string resource_version_of(const nlohmann::json& object) {
  return kube::ObjectKey::of(object).resource_version;
}

}  // namespace

// What one pass read and decided.
struct CertificateManager::Pass {
  std::time_t now = 0;
  kube::Deadline deadline;
  std::string resource_version;
  CertificateSecretData data;
  CertificatePlan plan;
  bool again_at_once = false;  // another replica wrote first: read its content now
};

CertificateManager::CertificateManager(kube::Client& client, ManagedCertificatesConfig config,
                                       CertStore& store, WallClock clock)
    : client_(client),
      config_(std::move(config)),
      store_(store),
      clock_(clock ? std::move(clock) : WallClock([] { return std::time(nullptr); })),
      ca_bundle_(client, config_.webhook_configuration) {
  policy_.serving_validity = config_.validity;
  const std::string svc = config_.service + "." + config_.ns + ".svc";
  policy_.dns_names = {svc, svc + ".cluster.local"};
}

CertificateManager::~CertificateManager() {
  stop();
}

std::string CertificateManager::describe() const {
  return "Secret " + config_.ns + "/" + config_.secret;
}

void CertificateManager::start() {
  // Until the Secret's pair is served, a throwaway one: /healthz answers (the kubelet does not
  // restart a pod that waits for the API), /readyz says why it is not ready, and no replica that
  // serves it is in the Service's endpoints.
  const std::time_t now = clock_();
  const PemPair ca = make_ca(kCaName, std::chrono::hours(24), now);
  const PemPair pem = issue_serving(ca, policy_.dns_names, std::chrono::hours(24), now);
  auto provisional = cert_pair_from_pem(pem.cert, pem.key, "provisional", "provisional");
  provisional->provisional = true;
  store_.install(provisional, "generated at start, until " + describe() + " is served");

  kube::InformerOptions watch;
  watch.resource = kube::resources::kSecrets;
  watch.ns = config_.ns;
  // By name: RBAC can then grant list and watch on this one Secret (resourceNames).
  watch.field_selector = "metadata.name=" + config_.secret;
  auto changed = [this](const std::string&, const std::string&, const std::string&) { wake(); };
  watch_ = std::make_unique<kube::Informer<std::string>>(
      client_, watch,
      [](const nlohmann::json& o) -> std::optional<std::string> { return resource_version_of(o); },
      kube::Informer<std::string>::Handlers{changed, [this](auto&, auto&, auto&, auto&) { wake(); },
                                            changed});
  watch_->start();
  thread_ = std::thread([this] { run(); });
}

void CertificateManager::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (watch_) watch_->stop();
}

void CertificateManager::wake() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

std::string CertificateManager::not_ready_reason() const {
  if (store_.serving()) return "";
  std::lock_guard<std::mutex> lk(mu_);
  return "no serving certificate yet: " +
         (problem_.empty() ? "waiting for " + describe() : problem_);
}

void CertificateManager::run() {
  while (true) {
    const milliseconds wait = reconcile();
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait_for(lk, wait, [this] { return woken_ || stopping_; });
    if (stopping_) return;
    woken_ = false;
  }
}

milliseconds CertificateManager::reconcile() {
  Pass pass;
  pass.now = clock_();
  pass.deadline = kube::SteadyClock::now() + kPassBudget;
  const milliseconds backoff =
      std::min(config_.check_interval, milliseconds(1000L << std::min(failures_, 5)));
  if (!read_or_create(pass) || (pass.plan.changes_secret() && !renew(pass))) {
    if (pass.again_at_once) return milliseconds(0);
    ++failures_;
    return backoff;
  }
  serve(pass);
  {
    std::lock_guard<std::mutex> lk(mu_);
    problem_.clear();
  }
  failures_ = 0;
  const milliseconds until_due = std::chrono::seconds(pass.plan.next_check - clock_());
  milliseconds wait = std::clamp(until_due, milliseconds(0), config_.check_interval);
  // A caBundle that cannot be written is retried sooner than the next check, with a backoff.
  if (!ca_bundle_.sync(pass.data.ca_crt, kube::SteadyClock::now() + kPassBudget).empty())
    wait = std::min(wait, backoff);
  return wait;
}

bool CertificateManager::read_or_create(Pass& pass) {
  const kube::Result got =
      client_.get(kube::resources::kSecrets, config_.ns, config_.secret, pass.deadline);
  if (got.ok()) {
    pass.resource_version = resource_version_of(got.object);
    pass.data = certificate_data_of(got.object);
    pass.plan = plan_certificates(inspect(pass.data), policy_, pass.now);
    serve(pass);  // what is there now, while a renewal is written (or cannot be)
    return true;
  }
  if (got.code == 403) {
    fail("the service account may not get " + describe() +
         ": grant get, list, watch and patch on it (a Role with resourceNames, as the install's "
         "RBAC has)");
    return false;
  }
  if (!got.not_found()) {
    fail("get " + describe() + ": " + got.describe());
    return false;
  }
  // Missing: the install renders it (empty), so someone deleted it. Make it anew.
  const CertificatePlan plan = plan_certificates({}, policy_, pass.now);
  const CertificateSecretData content = next_content({}, plan, policy_, kCaName, pass.now);
  const nlohmann::json secret = {{"apiVersion", "v1"},
                                 {"kind", "Secret"},
                                 {"metadata",
                                  {{"name", config_.secret},
                                   {"namespace", config_.ns},
                                   {"labels",
                                    {{"app.kubernetes.io/name", "host-webhook"},
                                     {"app.kubernetes.io/part-of", "forklift-host-webhook"}}}}},
                                 {"type", "kubernetes.io/tls"},
                                 {"data", data_json(content)}};
  const kube::Result created =
      client_.create(kube::resources::kSecrets, config_.ns, secret, pass.deadline);
  if (created.ok()) {
    log_info("certificates created", {{"secret", describe()}});
    pass.resource_version = resource_version_of(created.object);
    pass.data = content;
    pass.plan = plan_certificates(inspect(content), policy_, pass.now);
    return true;
  }
  pass.again_at_once = created.conflict();  // another replica created it a moment ago
  if (!pass.again_at_once)
    fail(describe() + " does not exist and cannot be created (" + created.describe() +
         "): apply the install again, which renders it, or grant create on secrets in " +
         config_.ns);
  return false;
}

bool CertificateManager::renew(Pass& pass) {
  CertificateSecretData content;
  try {
    content = next_content(pass.data, pass.plan, policy_, kCaName, pass.now);
  } catch (const std::exception& e) {
    fail(e.what());
    return false;
  }
  // The resourceVersion read is a precondition: of several replicas writing at once, the API
  // server applies one patch and answers the others 409 Conflict.
  const nlohmann::json patch = {{"metadata", {{"resourceVersion", pass.resource_version}}},
                                {"data", data_json(content)}};
  const kube::Result r = client_.patch(kube::resources::kSecrets, config_.ns, config_.secret,
                                       kube::PatchType::Merge, patch, pass.deadline);
  if (r.conflict()) {
    log_info("another replica changed the certificates first; using theirs",
             {{"secret", describe()}});
    pass.again_at_once = true;
    return false;
  }
  if (!r.ok()) {
    fail(r.code == 403 ? "the service account may not patch " + describe() +
                             ": grant patch on it (a Role with resourceNames)"
                       : "patch " + describe() + ": " + r.describe());
    return false;
  }
  log_info("certificates renewed", {{"secret", describe()},
                                    {"reason", pass.plan.reason},
                                    {"newCa", pass.plan.new_ca},
                                    {"newServingCertificate", pass.plan.new_serving}});
  pass.data = content;
  pass.plan = plan_certificates(inspect(content), policy_, pass.now);
  return true;
}

void CertificateManager::serve(const Pass& pass) {
  const StoredCertificates stored = inspect(pass.data);
  if (!stored.serving || stored.serving->not_after <= pass.now) return;
  const auto current = store_.current();
  if (current && !current->provisional && current->serial_hex == stored.serving->serial_hex) return;
  try {
    store_.install(cert_pair_from_pem(pass.data.tls_crt, pass.data.tls_key,
                                      describe() + " key tls.crt", describe() + " key tls.key"),
                   describe());
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

void CertificateManager::fail(const std::string& problem) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (problem == problem_) return;  // said already
    problem_ = problem;
  }
  log_warn("self-managed certificates: not in order", {{"error", problem}});
}

}  // namespace hostadm::server
