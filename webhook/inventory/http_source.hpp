// The Forklift inventory over HTTP(S), asked as Forklift's own client asks it: the providers of
// a namespace, one provider, one host by id or the hosts with a name, with a bearer token that may
// rotate, a CA to verify the service, and per-call timeouts taken from the request's deadline.
#pragma once

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "webhook/inventory/file_stamp.hpp"
#include "webhook/inventory/http_url.hpp"
#include "webhook/inventory/source.hpp"

namespace httplib {
class ClientImpl;
}

namespace hostadm {

struct HttpSourceConfig {
  std::string url;  // base URL, e.g. https://forklift-inventory.openshift-mtv.svc:8443
  std::string
      token_file;  // bearer token, re-read when its mtime/size changes (projected SA tokens rotate)
  std::string ca_file;  // PEM bundle to verify the inventory's certificate; re-read when it changes
  // Set when the CA comes from memory instead (set_ca_pem: a Secret followed through the API):
  // what it is, for messages, e.g. "Secret konveyor-forklift/x key ca.crt". Until the first
  // set_ca_pem no call is made: each fails saying the CA is still awaited from here.
  std::string ca_source;
  bool insecure_skip_tls = false;
};

// `flag` when set, else $MTV_INVENTORY_URL (as kubectl mtv does), else "": the one place the
// variable is read (`getenv` lets a test give the environment).
std::string inventory_url_from_env_or(
    const std::string& flag, const std::function<const char*(const char*)>& getenv =
                                 [](const char* name) { return std::getenv(name); });

// One raw inventory answer, for callers that need the body as is (host-harness snapshot).
struct RawAnswer {
  int status = 0;  // 0: no HTTP answer (see error)
  std::string body;
  std::string x_reason;      // X-Reason header (404 ProviderNotFound)
  std::string error_header;  // forklift-error-message header (401/403)
  std::string error;         // transport failure or deadline; empty when an answer came
};

class HttpInventorySource : public InventorySource {
 public:
  // Throws std::invalid_argument for a bad URL.
  explicit HttpInventorySource(HttpSourceConfig config,
                               std::shared_ptr<InventoryObserver> observer = nullptr);
  ~HttpInventorySource() override;
  HttpInventorySource(const HttpInventorySource&) = delete;
  HttpInventorySource& operator=(const HttpInventorySource&) = delete;

  ProvidersFetch providers(const std::string& ns, Deadline deadline) override;
  ProviderFetch provider(const std::string& uid, Deadline deadline) override;
  HostsFetch host_by_id(const ProviderInfo& provider, const std::string& id,
                        Deadline deadline) override;
  HostsFetch hosts_by_name(const ProviderInfo& provider, const std::string& name,
                           Deadline deadline) override;

  // The CA bundle (PEM) that verifies the inventory from now on, when config.ca_source is set:
  // connections made with an earlier one are retired. Throws std::invalid_argument when `pem`
  // holds no certificate (the one in use stays).
  void set_ca_pem(const std::string& pem);

  // GET prefix + path_and_query with the token; never throws.
  RawAnswer get(const std::string& path_and_query, Deadline deadline);

  // A short, token-free cause for a non-200 answer or a transport failure.
  std::string describe_failure(const RawAnswer& answer, const std::string& what) const;

 private:
  struct TokenCache;

  HttpSourceConfig config_;
  HttpUrl url_;
  std::shared_ptr<InventoryObserver> observer_;
  std::unique_ptr<TokenCache> token_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<httplib::ClientImpl>> idle_;  // keep-alive connections to reuse
  // The --inventory-ca file as last seen (or the PEM from set_ca_pem), and which version of it
  // each live client loaded.
  FileStamp ca_stamp_;
  std::string ca_pem_;
  uint64_t ca_generation_ = 0;
  std::unordered_map<const httplib::ClientImpl*, uint64_t> generation_of_;
  void follow_ca_file();

  std::unique_ptr<httplib::ClientImpl> take_client();
  void give_back(std::unique_ptr<httplib::ClientImpl> client);
  // Empty token when no token file is configured; sets `error` when the file cannot be read.
  std::string token(std::string& error);
  // The bearer token to send ("" for none), or why no request can be made yet (no CA to verify
  // the inventory with, an unreadable token) in `error`.
  std::string request_token(std::string& error);
  void observe(const char* kind, const char* outcome, SteadyClock::time_point started);
  // GET `path` and read a 200 with `read(&body, out)`; `read(nullptr, out)` says whether a 404
  // without X-Reason is an answer (no such object) rather than a failure.
  template <class Fetch, class Read>
  Fetch read_answer(const char* kind, const std::string& path, const std::string& who,
                    const std::string& what, Deadline deadline, Read read);
};

}  // namespace hostadm
