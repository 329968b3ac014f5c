// The mock Kubernetes API's REST front: a request (method, path, query, body, bearer token) in,
// an answer out, as kube-apiserver gives it: 401 without the right token, the run-time faults,
// then get/list/watch/create/update/patch/delete on the store. Every request is recorded (verb,
// path, query, code; never a body or a token) for tests to assert what was, and was not, asked.
// No sockets: `host-harness serve-kube` serves it over HTTP(S).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/kube_faults.hpp"
#include "harness/kube_store.hpp"
#include "webhook/inventory/file_stamp.hpp"

namespace hostadm::kubemock {

struct KubeApiOptions {
  std::vector<std::string> tokens;  // accepted bearer tokens (--token)
  std::string token_file;           // also accepted: this file's content, re-read when it changes
  // Who the tokens authenticate as: the user named in 403 messages.
  std::string user = "system:serviceaccount:default:host-webhook";
  size_t history = 1000;  // events kept for watches and paged lists to resume from
};

struct KubeRequest {
  std::string method;                             // GET POST PUT PATCH DELETE
  std::string path;                               // decoded, without the query
  std::multimap<std::string, std::string> query;  // decoded
  std::string body;
  std::string content_type;
  std::string authorization;  // the Authorization header
};

struct KubeResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // a latency fault: wait this long before answering
  bool drop = false;                   // a drop fault: close the connection, answer nothing
  std::shared_ptr<WatchFeed> watch;    // a watch: stream its lines after the headers
  int watch_timeout_seconds = 0;       // end the stream after this long (0: no limit)
};

class KubeApi {
 public:
  explicit KubeApi(KubeApiOptions options);

  KubeResponse handle(const KubeRequest& request);

  KubeStore& store() { return store_; }
  Faults& faults() { return faults_; }
  // [{verb, resource, namespace, name, method, path, query, code}, ...] since the last reset.
  nlohmann::json requests() const;
  void reset_requests();

 private:
  bool authenticated(const std::string& authorization);
  void record(const std::string& verb, const std::string& resource, const std::string& ns,
              const std::string& name, const KubeRequest& r, int code);
  KubeResponse serve(const KubeRequest& r, const KindInfo& k, const std::string& verb,
                     const std::string& ns, const std::string& name);
  KubeResponse serve_watch(const KubeRequest& r, const KindInfo& k, const std::string& ns,
                           const std::string& name);

  const KubeApiOptions options_;
  KubeStore store_;
  Faults faults_;
  mutable std::mutex mu_;  // the token file's cache and the request log
  FileStamp token_stamp_;
  std::string file_token_;
  nlohmann::json log_ = nlohmann::json::array();
};

// The Kubernetes verb of a request on a resource: get, list, watch, create, update, patch,
// delete, deletecollection ("" for a method the API does not serve).
std::string verb_of(const std::string& method, bool has_name, bool watch);

}  // namespace hostadm::kubemock
