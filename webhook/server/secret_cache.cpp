#include "webhook/server/secret_cache.hpp"

#include <algorithm>

#include "webhook/core/admission.hpp"

namespace hostadm::server {
namespace {

// A `data` value, decoded; "" when it is not base64 (the API server never stores such a value,
// but a proxy or a mock might answer one).
std::string decoded(const nlohmann::json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return "";
  try {
    return base64_decode(it->get_ref<const std::string&>());
  } catch (const std::exception&) {
    return "";
  }
}

std::string plain(const nlohmann::json& string_data, const char* key) {
  auto it = string_data.find(key);
  return it != string_data.end() && it->is_string() ? it->get<std::string>() : "";
}

std::shared_ptr<const CachedSecret> unreadable(std::string error) {
  auto out = std::make_shared<CachedSecret>();
  out->facts.state = SecretState::Unreadable;
  out->facts.error = std::move(error);
  return out;
}

}  // namespace

CachedSecret secret_from_object(const nlohmann::json& secret) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto member = [&](const char* key) -> const nlohmann::json& {
    auto it = secret.find(key);
    return it != secret.end() && it->is_object() ? *it : kEmpty;
  };
  const nlohmann::json& data = member("data");
  // stringData is write-only in a real API server; a Secret read back from a manifest or a mock
  // may still carry it, and its keys are keys all the same.
  const nlohmann::json& string_data = member("stringData");
  CachedSecret out;
  out.facts.state = SecretState::Present;
  for (const auto* fields : {&data, &string_data})
    for (auto it = fields->begin(); it != fields->end(); ++it)
      if (std::find(out.facts.keys.begin(), out.facts.keys.end(), it.key()) == out.facts.keys.end())
        out.facts.keys.push_back(it.key());
  std::sort(out.facts.keys.begin(), out.facts.keys.end());
  const std::string insecure = string_data.contains("insecureSkipVerify")
                                   ? plain(string_data, "insecureSkipVerify")
                                   : decoded(data, "insecureSkipVerify");
  out.facts.insecure_skip_verify = insecure == "true";
  auto meta = secret.find("metadata");
  if (meta != secret.end() && meta->is_object())
    out.facts.resource_version = meta->value("resourceVersion", "");
  out.credentials.user =
      string_data.contains("user") ? plain(string_data, "user") : decoded(data, "user");
  out.credentials.password =
      string_data.contains("password") ? plain(string_data, "password") : decoded(data, "password");
  return out;
}

std::string describe_secret_failure(const kube::Result& result) {
  if (result.timed_out) return "timeout: " + result.error;
  return result.describe();
}

SecretCache::SecretCache(kube::Client& client, SecretCacheConfig config, SecretLookupHook on_lookup,
                         std::shared_ptr<Clock> clock)
    : client_(client),
      config_(config),
      on_lookup_(std::move(on_lookup)),
      clock_(clock ? std::move(clock) : system_clock()) {}

std::shared_ptr<const CachedSecret> SecretCache::get(const std::string& ns, const std::string& name,
                                                     Deadline deadline) {
  const Key key{ns, name};
  std::promise<std::shared_ptr<const CachedSecret>> mine;
  std::shared_future<std::shared_ptr<const CachedSecret>> theirs;
  {
    std::lock_guard<std::mutex> lk(mu_);
    Slot& slot = slots_[key];
    if (slot.pending.valid()) {
      theirs = slot.pending;
    } else if (slot.value && clock_->now() < slot.expires) {
      observe("hit");
      return slot.value;
    } else {
      slot.pending = mine.get_future().share();
    }
  }
  if (theirs.valid()) {
    observe("shared");
    if (theirs.wait_until(deadline) != std::future_status::ready)
      return unreadable("timeout: no answer before the admission's deadline (get secrets " + ns +
                        "/" + name + ")");
    return theirs.get();
  }
  observe("miss");
  std::shared_ptr<const CachedSecret> value = read(ns, name, deadline);
  store(key, value);
  mine.set_value(value);
  return value;
}

std::shared_ptr<const CachedSecret> SecretCache::read(const std::string& ns,
                                                      const std::string& name, Deadline deadline) {
  try {
    kube::Result r = client_.get(kube::resources::kSecrets, ns, name, deadline);
    if (r.ok()) return std::make_shared<CachedSecret>(secret_from_object(r.object));
    if (r.not_found()) {
      auto out = std::make_shared<CachedSecret>();
      out->facts.state = SecretState::NotFound;
      return out;
    }
    return unreadable(describe_secret_failure(r));
  } catch (const std::exception& e) {  // the client reports failures as results; be sure
    return unreadable(e.what());
  }
}

void SecretCache::store(const Key& key, const std::shared_ptr<const CachedSecret>& value) {
  std::lock_guard<std::mutex> lk(mu_);
  if (value->facts.state == SecretState::Unreadable) {
    slots_.erase(key);
    return;
  }
  const SteadyClock::time_point now = clock_->now();
  Slot& slot = slots_[key];
  slot.pending = {};
  slot.value = value;
  slot.expires = now + config_.ttl;
  if (slots_.size() <= config_.max_entries) return;
  // Over the bound: drop what has expired, then, if still over, the entries closest to expiry.
  for (auto it = slots_.begin(); it != slots_.end();)
    it = !it->second.pending.valid() && it->second.expires <= now ? slots_.erase(it) : ++it;
  while (slots_.size() > config_.max_entries) {
    auto oldest = slots_.end();
    for (auto it = slots_.begin(); it != slots_.end(); ++it)
      if (!it->second.pending.valid() &&
          (oldest == slots_.end() || it->second.expires < oldest->second.expires))
        oldest = it;
    if (oldest == slots_.end()) break;
    slots_.erase(oldest);
  }
}

}  // namespace hostadm::server
