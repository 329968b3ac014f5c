#include "webhook/kube/kube_config.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "webhook/core/text.hpp"
#include "webhook/inventory/http_url.hpp"

namespace hostadm::kube {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxKubeconfigBytes = 4u << 20;
constexpr const char* kServerExample = "https://api.example.com:6443";

// Reads a whole small file; `what` names it in the error ("kubeconfig", "token file").
std::string read_small_file(const std::string& path, const std::string& what,
                            const std::string& fix) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw KubeConfigError(what + " " + path + " is a directory; " + fix);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw KubeConfigError("cannot read " + what + " " + path + ": " + std::strerror(errno) + "; " +
                          fix);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > kMaxKubeconfigBytes)
    throw KubeConfigError(what + " " + path + " is larger than 4 MiB; " + fix);
  return text;
}

// One kubeconfig being read: every error names the file, then the field.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {
    dir_ = fs::path(path_).parent_path();
  }

  [[noreturn]] void fail(const std::string& field, const std::string& why,
                         const std::string& fix) const {
    throw KubeConfigError("kubeconfig " + path_ + ": " + (field.empty() ? "" : field + " ") + why +
                          "; " + fix);
  }

  YAML::Node load() {
    const std::string text = read_small_file(path_, "kubeconfig", "check --kubeconfig");
    try {
      YAML::Node root = YAML::Load(text);
      if (!root.IsMap())
        fail("", "is not a kubeconfig (a YAML map with clusters, contexts and users)",
             "check --kubeconfig, e.g. the file `kubectl config view --raw` prints");
      return root;
    } catch (const YAML::Exception& e) {
      fail("", "line " + std::to_string(e.mark.line + 1) + ": " + e.msg,
           "fix the YAML, or check --kubeconfig");
    }
  }

  // The `key:` member of the named entry of a list such as `clusters`.
  YAML::Node named(const YAML::Node& root, const std::string& list, const std::string& key,
                   const std::string& name) const {
    const YAML::Node items = root[list];
    if (items && !items.IsSequence()) fail(list, "must be a list", "see `kubectl config view`");
    if (items)
      for (const auto& item : items)
        if (item.IsMap() && item["name"] && item["name"].IsScalar() &&
            item["name"].as<std::string>() == name) {
          const YAML::Node body = item[key];
          if (!body || body.IsNull()) return YAML::Node(YAML::NodeType::Map);  // `user: {}`
          if (!body.IsMap())
            fail(list + "[name=" + name + "]." + key, "must be a map", "see `kubectl config view`");
          return body;
        }
    fail(list, "has no entry named '" + name + "'",
         "add it, or point the context at one that exists (`kubectl config get-" + list + "`)");
  }

  std::string scalar(const YAML::Node& map, const std::string& where, const char* key) const {
    const YAML::Node v = map[key];
    if (!v || v.IsNull()) return "";
    if (!v.IsScalar()) fail(where + "." + key, "must be a string", "see `kubectl config view`");
    return v.as<std::string>();
  }

  bool boolean(const YAML::Node& map, const std::string& where, const char* key) const {
    const std::string v = scalar(map, where, key);
    if (v.empty() || v == "false") return false;
    if (v == "true") return true;
    fail(where + "." + key, "must be true or false, not '" + text::shown_in_log(v) + "'",
         "write true or false");
  }

  // A path as written, made absolute against the kubeconfig's directory.
  std::string path(const YAML::Node& map, const std::string& where, const char* key) const {
    const std::string p = scalar(map, where, key);
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return (dir_ / p).lexically_normal().string();
  }

  // `-data` fields hold base64 of PEM text. The value itself never reaches a message.
  std::string data(const YAML::Node& map, const std::string& where, const char* key) const {
    const std::string b64 = scalar(map, where, key);
    if (b64.empty()) return "";
    std::string out(b64.size(), '\0');
    EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
    int n = 0, tail = 0;
    EVP_DecodeInit(ctx);
    const bool ok =
        EVP_DecodeUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n,
                         reinterpret_cast<const unsigned char*>(b64.data()),
                         static_cast<int>(b64.size())) >= 0 &&
        EVP_DecodeFinal(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &tail) == 1;
    EVP_ENCODE_CTX_free(ctx);
    if (!ok)
      fail(where + "." + key, "is not valid base64",
           "write the base64 of the PEM file (`base64 -w0 FILE`)");
    out.resize(static_cast<size_t>(n + tail));
    if (out.find("-----BEGIN ") == std::string::npos)
      fail(where + "." + key, "does not hold PEM text once decoded",
           "write the base64 of the PEM file (`base64 -w0 FILE`)");
    return out;
  }

  const std::string& file() const { return path_; }

 private:
  std::string path_;
  fs::path dir_;
};

void read_cluster(const Reader& r, const YAML::Node& cluster, const std::string& where,
                  KubeConfig& out) {
  for (const char* unsupported : {"proxy-url", "tls-server-name"})
    if (cluster[unsupported])
      r.fail(where + "." + unsupported, "is not supported by this client",
             "remove it and reach the API server directly by a name its certificate holds");
  out.server = r.scalar(cluster, where, "server");
  if (out.server.empty())
    r.fail(where + ".server", "is missing", std::string("set it, e.g. ") + kServerExample);
  try {
    parse_http_url(out.server, "server", kServerExample);
  } catch (const std::invalid_argument& e) {
    r.fail(where + ".server", e.what(), "fix the URL");
  }
  out.ca_file = r.path(cluster, where, "certificate-authority");
  out.ca_pem = r.data(cluster, where, "certificate-authority-data");
  out.insecure_skip_tls_verify = r.boolean(cluster, where, "insecure-skip-tls-verify");
  if (!out.ca_file.empty() && !out.ca_pem.empty())
    r.fail(where, "sets both certificate-authority and certificate-authority-data",
           "keep one of them");
  // As client-go: a CA and no verification contradict each other.
  if (out.insecure_skip_tls_verify && (!out.ca_file.empty() || !out.ca_pem.empty()))
    r.fail(where, "sets insecure-skip-tls-verify together with a certificate authority",
           "remove insecure-skip-tls-verify to verify the server with the CA, or the CA to skip "
           "verification");
}

void read_user(const Reader& r, const YAML::Node& user, const std::string& where, KubeConfig& out) {
  if (user["exec"])
    r.fail(where + ".exec", "(an exec credential plugin) is not supported by this client",
           "use a kubeconfig with a token, tokenFile or client certificate, e.g. one made for a "
           "service account");
  if (user["auth-provider"])
    r.fail(where + ".auth-provider", "is not supported by this client",
           "use a kubeconfig with a token, tokenFile or client certificate");
  if (user["username"] || user["password"])
    r.fail(where + ".username/password", "(basic authentication) is not supported",
           "use a token, tokenFile or client certificate");
  out.token = r.scalar(user, where, "token");
  out.token_file = r.path(user, where, "tokenFile");
  out.client_cert_file = r.path(user, where, "client-certificate");
  out.client_cert_pem = r.data(user, where, "client-certificate-data");
  out.client_key_file = r.path(user, where, "client-key");
  out.client_key_pem = r.data(user, where, "client-key-data");
  const bool has_cert = !out.client_cert_file.empty() || !out.client_cert_pem.empty();
  const bool has_key = !out.client_key_file.empty() || !out.client_key_pem.empty();
  if (has_cert != has_key)
    r.fail(where,
           has_cert ? "has a client certificate but no client-key(-data)"
                    : "has a client key but no client-certificate(-data)",
           "give both, or neither");
}

}  // namespace

KubeConfig load_kubeconfig(const std::string& path, const std::string& context) {
  Reader r(path);
  const YAML::Node root = r.load();
  std::string ctx_name = context;
  if (ctx_name.empty()) {
    ctx_name = r.scalar(root, "", "current-context");
    if (ctx_name.empty())
      r.fail("current-context", "is not set",
             "set it (`kubectl config use-context NAME`) or name a context");
  }
  const YAML::Node ctx = r.named(root, "contexts", "context", ctx_name);
  const std::string ctx_where = "contexts[name=" + ctx_name + "].context";
  KubeConfig out;
  out.origin = "kubeconfig " + path + " (context " + ctx_name + ")";
  const std::string cluster = r.scalar(ctx, ctx_where, "cluster");
  if (cluster.empty()) r.fail(ctx_where + ".cluster", "is missing", "name the cluster to use");
  read_cluster(r, r.named(root, "clusters", "cluster", cluster),
               "clusters[name=" + cluster + "].cluster", out);
  const std::string user = r.scalar(ctx, ctx_where, "user");
  if (!user.empty())
    read_user(r, r.named(root, "users", "user", user), "users[name=" + user + "].user", out);
  out.ns = r.scalar(ctx, ctx_where, "namespace");
  if (out.ns.empty()) out.ns = "default";
  return out;
}

std::optional<KubeConfig> in_cluster_config(const Getenv& getenv, const std::string& sa_dir) {
  const char* host = getenv("KUBERNETES_SERVICE_HOST");
  const char* port = getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) return std::nullopt;
  KubeConfig out;
  out.origin = "in-cluster service account (" + sa_dir + ")";
  const std::string h = host;
  out.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  try {
    parse_http_url(out.server, "KUBERNETES_SERVICE_HOST/_PORT", kServerExample);
  } catch (const std::invalid_argument& e) {
    throw KubeConfigError(std::string(e.what()));
  }
  out.token_file = sa_dir + "/token";
  // Read once here so a pod without a token (automountServiceAccountToken: false) fails at
  // start-up with the reason, not on its first admission.
  const std::string token = read_small_file(
      out.token_file, "service-account token",
      "mount the service-account token (automountServiceAccountToken must not be false)");
  if (text::trim(token).empty())
    throw KubeConfigError("the service-account token " + out.token_file +
                          " is empty; mount the service-account token");
  std::error_code ec;
  if (fs::exists(sa_dir + "/ca.crt", ec)) out.ca_file = sa_dir + "/ca.crt";
  if (fs::exists(sa_dir + "/namespace", ec))
    out.ns = std::string(text::trim(read_small_file(sa_dir + "/namespace", "namespace file",
                                                    "check the service-account volume")));
  if (out.ns.empty()) out.ns = "default";
  return out;
}

std::optional<KubeConfig> resolve_kube_config(const std::string& kubeconfig_path,
                                              const Getenv& getenv, const std::string& sa_dir) {
  if (!kubeconfig_path.empty()) return load_kubeconfig(kubeconfig_path);
  return in_cluster_config(getenv, sa_dir);
}

}  // namespace hostadm::kube
