#include "webhook/server/inventory_ca_secret.hpp"

#include <algorithm>

#include "webhook/core/admission.hpp"
#include "webhook/server/logging.hpp"

namespace hostadm::server {
namespace {

// CAs trusted at once, at most: the current one and a few earlier ones still valid.
constexpr size_t kMaxTrusted = 4;

}  // namespace

std::string InventoryCaSecret::describe(const std::string& ns, const std::string& name,
                                        const std::string& key) {
  return "Secret " + ns + "/" + name + " key " + key;
}

InventoryCaSecret::InventoryCaSecret(kube::Client& client, std::string ns, std::string name,
                                     std::string key, HttpInventorySource& source, WallClock clock)
    : ns_(std::move(ns)),
      name_(std::move(name)),
      key_(std::move(key)),
      what_(describe(ns_, name_, key_)),
      source_(source),
      clock_(clock ? std::move(clock) : WallClock([] { return std::time(nullptr); })) {
  kube::InformerOptions watch;
  watch.resource = kube::resources::kSecrets;
  watch.ns = ns_;
  watch.field_selector = "metadata.name=" + name_;
  kube::Informer<Version>::Handlers on;
  on.on_add = [this](const std::string&, const std::string&, const Version& v) { changed(v); };
  on.on_update = [this](const std::string&, const std::string&, const Version&, const Version& v) {
    changed(v);
  };
  on.on_delete = [this](const std::string&, const std::string&, const Version&) {
    log_warn("the inventory CA Secret was deleted; the CA it held stays in use",
             {{"secret", what_}});
  };
  watch_ = std::make_unique<kube::Informer<Version>>(
      client, watch, [this](const nlohmann::json& o) { return std::optional(project(o)); }, on);
}

InventoryCaSecret::~InventoryCaSecret() {
  stop();
}

void InventoryCaSecret::start() {
  watch_->start();
}

void InventoryCaSecret::stop() {
  watch_->stop();
}

std::string InventoryCaSecret::not_ready_reason() const {
  if (watch_->has_synced()) return "";
  const std::string error = watch_->last_error();
  return "the inventory CA " + what_ + " has not been read yet" +
         (error.empty() ? "" : ": " + error);
}

InventoryCaSecret::Version InventoryCaSecret::project(const nlohmann::json& secret) const {
  const auto data = secret.find("data");
  if (data == secret.end() || !data->is_object() || !data->contains(key_) ||
      !(*data)[key_].is_string())
    return {"", what_ + " is missing"};
  try {
    return {base64_decode((*data)[key_].get<std::string>()), ""};
  } catch (const std::invalid_argument&) {
    return {"", what_ + " is not base64"};
  }
}

void InventoryCaSecret::changed(const Version& v) {
  std::vector<X509Ptr> now_in_secret;
  std::string problem = v.problem;
  if (problem.empty()) {
    try {
      now_in_secret = read_certificates(v.pem, what_);
    } catch (const PemError& e) {
      problem = e.what();
    }
  }
  if (!problem.empty()) {
    if (problem != last_problem_)
      log_error("the inventory CA Secret holds no CA; the one in use stays", {{"error", problem}});
    last_problem_ = problem;
    return;
  }
  last_problem_.clear();
  // The Secret's CAs first, then the earlier ones not expired and not among them.
  const std::time_t now = clock_();
  std::vector<std::string> seen;
  for (const auto& c : now_in_secret) seen.push_back(facts_of(c.get()).fingerprint);
  for (auto& old : trusted_) {
    const CertificateFacts f = facts_of(old.get());
    if (f.not_after > now && std::find(seen.begin(), seen.end(), f.fingerprint) == seen.end() &&
        now_in_secret.size() < kMaxTrusted) {
      seen.push_back(f.fingerprint);
      now_in_secret.push_back(std::move(old));
    }
  }
  trusted_ = std::move(now_in_secret);
  std::string bundle;
  for (const auto& c : trusted_) bundle += to_pem(c.get());
  source_.set_ca_pem(bundle);
  const CertificateFacts newest = facts_of(trusted_.front().get());
  log_info("inventory CA loaded", {{"secret", what_},
                                   {"subject", newest.subject},
                                   {"notAfter", static_cast<long long>(newest.not_after)},
                                   {"trusted", static_cast<long long>(trusted_.size())}});
}

}  // namespace hostadm::server
