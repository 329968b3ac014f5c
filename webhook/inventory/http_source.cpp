#include "webhook/inventory/http_source.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include "webhook/core/json_limits.hpp"
#include "webhook/core/text.hpp"
#include "webhook/inventory/file_stamp.hpp"

namespace hostadm {

namespace {

constexpr size_t kMaxIdleClients = 8;

// cpp-httplib 0.11.4 adds the system trust store to a client's CA store unless it is given a CA
// file or directory; a directory that does not exist loads nothing and keeps it out.
constexpr const char* kNoSystemCaDir = "/nonexistent/hostadm-inventory-no-system-ca";

std::vector<X509*> certificates_in(const std::string& pem) {
  std::vector<X509*> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.push_back(c);
  ERR_clear_error();  // the end of the text reads as an error
  BIO_free(bio);
  return out;
}

// The certificates of `pem`, and no other, verify `client`'s server.
void trust_only(httplib::SSLClient& client, const std::string& pem) {
  X509_STORE* store = X509_STORE_new();
  for (X509* c : certificates_in(pem)) {
    X509_STORE_add_cert(store, c);
    X509_free(c);
  }
  client.set_ca_cert_store(store);  // owned by the client's SSL_CTX from here
  client.set_ca_cert_path("", kNoSystemCaDir);
}
constexpr size_t kMaxHeaderEcho = 200;  // forklift-error-message is echoed, clipped

std::string clip(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

}  // namespace

std::string inventory_url_from_env_or(const std::string& flag,
                                      const std::function<const char*(const char*)>& getenv) {
  if (!flag.empty() || !getenv) return flag;
  const char* env = getenv("MTV_INVENTORY_URL");
  return env ? env : "";
}

// Projected service-account tokens are rotated in place; re-reading on every call would cost a
// file read per request, so the token is re-read only when the file's identity changes.
struct HttpInventorySource::TokenCache {
  std::mutex mu;
  bool loaded = false;
  FileStamp stamp;
  std::string token;
};

HttpInventorySource::HttpInventorySource(HttpSourceConfig config,
                                         std::shared_ptr<InventoryObserver> observer)
    : config_(std::move(config)),
      url_(parse_http_url(config_.url, "inventory URL", kInventoryUrlExample)),
      observer_(std::move(observer)),
      token_(std::make_unique<TokenCache>()) {}

HttpInventorySource::~HttpInventorySource() = default;

std::string HttpInventorySource::token(std::string& error) {
  if (config_.token_file.empty()) return "";
  const FileStamp stamp = FileStamp::of(config_.token_file);
  if (!stamp.exists) {
    error = "cannot read the inventory token file " + config_.token_file + ": " +
            std::strerror(errno) + " (set --inventory-token-file)";
    return "";
  }
  std::lock_guard<std::mutex> lk(token_->mu);
  if (token_->loaded && stamp == token_->stamp) return token_->token;
  std::ifstream in(config_.token_file, std::ios::binary);
  if (!in) {
    error =
        "cannot read the inventory token file " + config_.token_file + ": " + std::strerror(errno);
    return "";
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  token_->token = std::string(text::trim(ss.str()));
  token_->loaded = true;
  token_->stamp = stamp;
  if (token_->token.empty()) {
    error = "the inventory token file " + config_.token_file + " is empty";
    return "";
  }
  return token_->token;
}

// cert-manager renews the inventory's CA and the kubelet swaps the mounted copy: a pooled client
// keeps the CA it loaded when it first connected, so when the file changes every client built
// before is retired (idle ones now, busy ones when they come back) and new ones load the new CA.
// Called with pool_mu_ held.
void HttpInventorySource::follow_ca_file() {
  if (config_.ca_file.empty()) return;
  const FileStamp now = FileStamp::of(config_.ca_file);
  if (now == ca_stamp_) return;
  ca_stamp_ = now;
  ++ca_generation_;
  for (auto& c : idle_) generation_of_.erase(c.get());
  idle_.clear();
}

void HttpInventorySource::set_ca_pem(const std::string& pem) {
  if (certificates_in(pem).empty())
    throw std::invalid_argument(config_.ca_source + " holds no PEM certificate");
  std::lock_guard<std::mutex> lk(pool_mu_);
  if (pem == ca_pem_) return;
  ca_pem_ = pem;
  ++ca_generation_;
  for (auto& c : idle_) generation_of_.erase(c.get());
  idle_.clear();
}

std::unique_ptr<httplib::ClientImpl> HttpInventorySource::take_client() {
  std::string ca_pem;
  {
    std::lock_guard<std::mutex> lk(pool_mu_);
    follow_ca_file();
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ca_pem = ca_pem_;
  }
  std::unique_ptr<httplib::ClientImpl> client;
  if (url_.scheme == "https") {
    auto ssl = std::make_unique<httplib::SSLClient>(url_.host, url_.port);
    if (!config_.ca_file.empty()) ssl->set_ca_cert_path(config_.ca_file);
    if (!config_.ca_source.empty()) trust_only(*ssl, ca_pem);
    ssl->enable_server_certificate_verification(!config_.insecure_skip_tls);
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url_.host, url_.port);
  }
  client->set_tcp_nodelay(true);
  client->set_keep_alive(true);
  client->set_url_encode(false);  // paths are encoded here (url_encode)
  std::lock_guard<std::mutex> lk(pool_mu_);
  generation_of_[client.get()] = ca_generation_;
  return client;
}

void HttpInventorySource::give_back(std::unique_ptr<httplib::ClientImpl> client) {
  std::lock_guard<std::mutex> lk(pool_mu_);
  follow_ca_file();
  auto gen = generation_of_.find(client.get());
  const bool current = gen != generation_of_.end() && gen->second == ca_generation_;
  if (current && idle_.size() < kMaxIdleClients) {
    idle_.push_back(std::move(client));
    return;
  }
  if (gen != generation_of_.end()) generation_of_.erase(gen);
}

namespace {

// What to check, with where the inventory's CA comes from.
TransportHints inventory_hints(const HttpSourceConfig& cfg) {
  TransportHints hints;
  hints.ca_unloadable = "cannot load the CA file '" + cfg.ca_file + "' (check --inventory-ca)";
  hints.untrusted =
      cfg.ca_source.empty()
          ? "the inventory's certificate is not trusted (check --inventory-ca, or that the URL "
            "host matches the certificate)"
          : "the inventory's certificate is not trusted by the CA of " + cfg.ca_source +
                " (check that it is the inventory's, and that the URL host matches the "
                "certificate)";
  return hints;
}

}  // namespace

std::string HttpInventorySource::request_token(std::string& error) {
  if (!config_.ca_source.empty() && url_.scheme == "https") {
    std::lock_guard<std::mutex> lk(pool_mu_);
    if (ca_pem_.empty()) {
      error = "no CA to verify the inventory with yet: waiting for " + config_.ca_source;
      return "";
    }
  }
  return token(error);
}

RawAnswer HttpInventorySource::get(const std::string& path_and_query, Deadline deadline) {
  RawAnswer out;
  const std::string tok = request_token(out.error);
  if (!out.error.empty()) return out;
  httplib::Headers headers;
  if (!tok.empty()) headers.emplace("Authorization", "Bearer " + tok);
  headers.emplace("Accept", "application/json");

  // A pooled connection may have been closed by the server while idle: retry once on a fresh one
  // (GET is idempotent).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto remaining = deadline - SteadyClock::now();
    if (remaining <= SteadyClock::duration::zero()) {
      out.error = "deadline exceeded";
      return out;
    }
    // poll() counts whole milliseconds and truncates: round up so a timeout never fires before
    // the deadline it stands for.
    auto us =
        std::chrono::ceil<std::chrono::milliseconds>(remaining) + std::chrono::milliseconds(1);
    auto client = take_client();
    client->set_connection_timeout(us);
    client->set_read_timeout(us);
    client->set_write_timeout(us);
    bool reused = client->is_socket_open() != 0;
    auto res = client->Get((url_.prefix + path_and_query).c_str(), headers);
    // Also after a failure: httplib has closed the failed connection and reconnects on the next
    // request, and keeping the client (and its SSL_CTX, thousands of allocations to build) means
    // an inventory that drops or stalls connections does not churn the heap.
    give_back(std::move(client));
    if (res) {
      out.status = res->status;
      out.body = std::move(res->body);
      out.x_reason = res->get_header_value("X-Reason");
      out.error_header = res->get_header_value("forklift-error-message");
      return out;
    }
    auto err = res.error();
    if (reused && SteadyClock::now() < deadline &&
        (err == httplib::Error::Read || err == httplib::Error::Write ||
         err == httplib::Error::Connection)) {
      continue;
    }
    if (SteadyClock::now() + std::chrono::milliseconds(5) >= deadline)
      out.error = "deadline exceeded (no answer from " + url_.base() + ")";
    else
      out.error = transport_cause(err, inventory_hints(config_)) + " (" + url_.base() + ")";
    return out;
  }
  return out;
}

std::string HttpInventorySource::describe_failure(const RawAnswer& a,
                                                  const std::string& what) const {
  if (a.status == 0) return a.error;
  std::string extra = a.error_header.empty() ? "" : ": " + clip(a.error_header, kMaxHeaderEcho);
  switch (a.status) {
    case 401:
      return "inventory answered 401 Unauthorized for " + what + " (check the token file " +
             (config_.token_file.empty()
                  ? std::string("setting: none is configured, so no token was sent")
                  : "'" + config_.token_file + "'") +
             ")" + extra;
    case 403:
      return "inventory answered 403 Forbidden for " + what +
             " (grant the webhook's service account get/list on providers)" + extra;
    default:
      if (a.status >= 500)
        return "inventory answered " + std::to_string(a.status) + " for " + what + extra;
      return "inventory answered unexpected HTTP " + std::to_string(a.status) + " for " + what +
             extra;
  }
}

void HttpInventorySource::observe(const char* kind, const char* outcome,
                                  SteadyClock::time_point started) {
  if (!observer_) return;
  observer_->fetched(kind, outcome,
                     std::chrono::duration<double>(SteadyClock::now() - started).count());
}

namespace {

const char* failure_outcome(const RawAnswer& a) {
  return a.status == 0 && a.error.rfind("deadline exceeded", 0) == 0 ? "timeout" : "error";
}

// A non-200 answer into a fetch: 206 and 404 ProviderNotFound mean the provider is not ready in
// the inventory (not synced, or no collector for it); anything else is a failure.
template <class Fetch>
void not_ok(const HttpInventorySource& src, const RawAnswer& a, const std::string& who,
            const std::string& what, Fetch& out, const char** outcome) {
  if (a.status == 206) {
    out.status = LookupStatus::NotReady;
    out.error = "the inventory has not finished syncing " + who + " (206)";
    *outcome = "not_ready";
  } else if (a.status == 404 && a.x_reason == "ProviderNotFound") {
    out.status = LookupStatus::NotReady;
    out.error = "the inventory does not know " + who + " yet (404 ProviderNotFound)";
    *outcome = "not_ready";
  } else {
    out.status = LookupStatus::Unavailable;
    out.error = src.describe_failure(a, what);
    out.timed_out = std::string(failure_outcome(a)) == "timeout";
    *outcome = failure_outcome(a);
  }
}

std::string provider_who(const ProviderInfo& p) {
  return "provider " + p.ns + "/" + p.name;
}

}  // namespace

ProvidersFetch HttpInventorySource::providers(const std::string& ns, Deadline deadline) {
  auto started = SteadyClock::now();
  ProvidersFetch out;
  // Detail 0: a detail > 0 listing answers 500 for the whole namespace while any vSphere
  // provider in it is still loading.
  std::string path = "/providers";
  if (!ns.empty()) path += "?namespace=" + url_encode(ns);
  RawAnswer a = get(path, deadline);
  if (a.status != 200) {
    out.error = describe_failure(a, "the providers of namespace " + ns);
    out.timed_out = std::string(failure_outcome(a)) == "timeout";
    observe("providers", failure_outcome(a), started);
    return out;
  }
  try {
    out.providers = providers_from_inventory_json(parse_json_bounded(a.body));
    out.status = LookupStatus::Ok;
    observe("providers", "ok", started);
  } catch (const std::exception& e) {
    out.error = "inventory answered an unreadable provider list: " + clip(e.what(), 160);
    observe("providers", "error", started);
  }
  return out;
}

template <class Fetch, class Read>
Fetch HttpInventorySource::read_answer(const char* kind, const std::string& path,
                                       const std::string& who, const std::string& what,
                                       Deadline deadline, Read read) {
  auto started = SteadyClock::now();
  Fetch out;
  RawAnswer a = get(path, deadline);
  // A 404 without X-Reason under a provider: no such object, an answer like any other.
  if (a.status != 200 && !(a.status == 404 && a.x_reason.empty() && read(nullptr, out))) {
    const char* outcome = "error";
    not_ok(*this, a, who, what, out, &outcome);
    observe(kind, outcome, started);
    return out;
  }
  if (a.status == 200) {
    try {
      read(&a.body, out);
    } catch (const std::exception& e) {
      out = Fetch{};
      out.error = "inventory answered an unreadable " + what + ": " + clip(e.what(), 160);
      observe(kind, "error", started);
      return out;
    }
  }
  out.status = LookupStatus::Ok;
  observe(kind, "ok", started);
  return out;
}

ProviderFetch HttpInventorySource::provider(const std::string& uid, Deadline deadline) {
  return read_answer<ProviderFetch>(
      "providers", "/providers/vsphere/" + url_encode(uid), "provider uid " + uid,
      "provider with uid " + uid, deadline, [](const std::string* body, ProviderFetch& out) {
        if (!body) return false;  // a provider of another type
        out.provider = provider_from_inventory_json(parse_json_bounded(*body));
        if (out.provider.type.empty()) out.provider.type = "vsphere";
        return true;
      });
}

HostsFetch HttpInventorySource::host_by_id(const ProviderInfo& provider, const std::string& id,
                                           Deadline deadline) {
  const std::string who = provider_who(provider);
  return read_answer<HostsFetch>(
      "hosts", "/providers/vsphere/" + url_encode(provider.uid) + "/hosts/" + url_encode(id), who,
      "host " + id + " of " + who, deadline, [](const std::string* body, HostsFetch& out) {
        if (body) out.hosts.push_back(host_from_inventory_json(parse_json_bounded(*body)));
        return true;  // no body (404): no host with that id
      });
}

HostsFetch HttpInventorySource::hosts_by_name(const ProviderInfo& provider, const std::string& name,
                                              Deadline deadline) {
  const std::string who = provider_who(provider);
  return read_answer<HostsFetch>("hosts",
                                 "/providers/vsphere/" + url_encode(provider.uid) +
                                     "/hosts?detail=all&name=" + url_encode(name),
                                 who, "list of the hosts named " + clip(name, 80) + " of " + who,
                                 deadline, [](const std::string* body, HostsFetch& out) {
                                   if (!body) return false;
                                   out.hosts = hosts_from_inventory_body(*body);
                                   return true;
                                 });
}

}  // namespace hostadm
