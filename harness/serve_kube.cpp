// `host-harness serve-kube`: a mock Kubernetes API server over HTTP(S), seeded from a file of
// objects, with run-time faults and a request log, for tests and for users trying the webhook's
// cluster features without a cluster. The REST logic is kube_rest.cpp; this is the socket side.
#include <sys/socket.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "harness/command_line.hpp"
#include "harness/commands.hpp"
#include "harness/kube_rest.hpp"
#include "harness/mock_server.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

namespace {

using kubemock::KubeApi;
using nlohmann::json;

// The objects of a document: a List's items, or the document itself.
std::vector<json> objects_of(const json& doc) {
  const std::string kind = doc.is_object() ? doc.value("kind", "") : "";
  if (kind.size() >= 4 && kind.compare(kind.size() - 4, 4, "List") == 0 && doc.contains("items") &&
      doc["items"].is_array())
    return doc["items"].get<std::vector<json>>();
  return {doc};
}

// Seeds the store from --objects; throws InputError naming the file and line.
void seed(KubeApi& api, const std::string& path) {
  for (const auto& doc : load_yaml_file(path))
    for (const auto& object : objects_of(doc.value)) {
      const std::string err = api.store().upsert(object);
      if (!err.empty())
        throw InputError(path, doc.line,
                         err +
                             "; each object needs apiVersion, kind and metadata.name (and "
                             "metadata.namespace when namespaced); known kinds: see "
                             "`host-harness serve-kube --help`");
    }
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

// Test controls: faults, the request log, objects, compaction, watches, bookmarks.
void add_controls(httplib::Server& svr, std::shared_ptr<KubeApi> api) {
  svr.Post("/__faults", [api](const httplib::Request& req, httplib::Response& res) {
    const std::string err = api->faults().set(req.body);
    send_json(res, err.empty() ? 200 : 400,
              err.empty() ? api->faults().to_json() : json{{"error", err}});
  });
  svr.Get("/__faults", [api](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, api->faults().to_json());
  });
  svr.Get("/__requests", [api](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, api->requests());
  });
  svr.Post("/__requests/reset", [api](const httplib::Request&, httplib::Response& res) {
    api->reset_requests();
    send_json(res, 200, json::array());
  });
  svr.Post("/__objects", [api](const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body, nullptr, false);
    std::vector<json> objects = body.is_array() ? body.get<std::vector<json>>() : objects_of(body);
    for (const auto& o : objects) {
      const std::string err = body.is_discarded() ? "the body is not JSON" : api->store().upsert(o);
      if (!err.empty()) return send_json(res, 400, json{{"error", err}});
    }
    send_json(res, 200, json{{"resourceVersion", std::to_string(api->store().resource_version())}});
  });
  const auto action = [api](void (kubemock::KubeStore::*f)()) {
    return [api, f](const httplib::Request&, httplib::Response& res) {
      ((api->store()).*f)();
      send_json(res, 200,
                json{{"resourceVersion", std::to_string(api->store().resource_version())}});
    };
  };
  svr.Post("/__compact", action(&kubemock::KubeStore::compact));
  svr.Post("/__close-watches", action(&kubemock::KubeStore::close_watches));
  svr.Post("/__bookmark", action(&kubemock::KubeStore::bookmark));
}

// Streams a watch's lines until the feed closes, timeoutSeconds pass or the server stops.
void stream_watch(httplib::Response& res, const kubemock::KubeResponse& out,
                  std::shared_ptr<std::atomic<bool>> stopping) {
  auto feed = out.watch;
  const auto until =
      out.watch_timeout_seconds > 0
          ? std::chrono::steady_clock::now() + std::chrono::seconds(out.watch_timeout_seconds)
          : std::chrono::steady_clock::time_point::max();
  res.set_chunked_content_provider(
      "application/json",
      [feed, until, stopping](size_t, httplib::DataSink& sink) {
        while (!stopping->load() && std::chrono::steady_clock::now() < until) {
          auto line = feed->next(std::chrono::milliseconds(100));
          if (line) {
            if (!sink.write(line->data(), line->size())) return false;
          } else if (feed->closed()) {
            break;
          }
        }
        sink.done();
        return true;
      },
      [feed](bool) { feed->close(); });
}

void add_api(httplib::Server& svr, std::shared_ptr<KubeApi> api,
             std::shared_ptr<std::atomic<bool>> stopping) {
  const auto handler = [api, stopping](const httplib::Request& req, httplib::Response& res) {
    kubemock::KubeRequest kr;
    kr.method = req.method;
    kr.path = req.path;
    for (const auto& [k, v] : req.params) kr.query.emplace(k, v);
    kr.body = req.body;
    kr.content_type = req.get_header_value("Content-Type");
    kr.authorization = req.get_header_value("Authorization");
    kubemock::KubeResponse out = api->handle(kr);
    if (out.delay.count() > 0) wait_for(out.delay, *stopping);
    if (out.drop) {
      const int fd = connection_fd(req);
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
      res.status = 500;  // never arrives: the connection is gone
      return;
    }
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k, v);
    if (out.watch)
      stream_watch(res, out, stopping);
    else
      res.set_content(out.body, out.content_type);
  };
  svr.Get(".*", handler);
  svr.Post(".*", handler);
  svr.Put(".*", handler);
  svr.Patch(".*", handler);
  svr.Delete(".*", handler);
}

std::string known_kinds_note() {
  std::string out = "Resources served:";
  for (const auto& k : kubemock::known_kinds())
    out += " " + k.qualified() + (k.namespaced ? "" : " (cluster)") + ",";
  out.back() = '.';
  return out;
}

}  // namespace

const cli::Command& serve_kube_command() {
  using cli::FlagKind;
  using cli::make_flag;
  static const cli::Command kCommand = [] {
    cli::Command c;
    c.program = "host-harness serve-kube";
    c.synopsis = {
        "[--objects FILE] [--listen HOST:PORT] [--tls-cert F --tls-key F] [--token T] "
        "[--token-file F]"};
    c.summary =
        "Serves a mock Kubernetes API (get, list, watch, create, update, patch, delete with the "
        "API server's Status errors, resourceVersions, paging and bookmarks), seeded from "
        "--objects, with faults switched at run time (POST /__faults), until SIGTERM.";
    c.notes = {known_kinds_note()};
    c.flags = {make_flag("objects", FlagKind::String, "FILE",
                         "objects to start with: a YAML or JSON stream, or a List")};
    for (auto& f : listen_flags()) c.flags.push_back(std::move(f));
    for (auto& f : std::vector<cli::Flag>{
             make_flag("token", FlagKind::Repeatable, "TOKEN",
                       "accept this bearer token (401 without an accepted one)"),
             make_flag("token-file", FlagKind::String, "FILE",
                       "also accept the token in this file, read again whenever it changes"),
             make_flag("user", FlagKind::String, "NAME",
                       "the user the tokens stand for, in 403 messages",
                       "system:serviceaccount:default:host-webhook"),
             make_flag("history", FlagKind::Int, "N",
                       "events kept for watches and paged lists to resume from; older versions get "
                       "410 Expired",
                       "1000"),
             make_flag("bookmark-interval", FlagKind::Duration, "DURATION",
                       "how often watches that allow bookmarks get one", "60s"),
         })
      c.flags.push_back(std::move(f));
    for (auto& f : c.flags)
      if (f.name == "history") {
        f.min = 1;
        f.max = 10000000;
      }
    return c;
  }();
  return kCommand;
}

int cmd_serve_kube(const Args& args) {
  int exit_code = kExitOk;
  auto parsed = read_command_line(serve_kube_command(), args, exit_code);
  if (!parsed) return exit_code;
  const cli::Parsed& flags = *parsed;
  auto usage = [](const std::string& msg) { return usage_error(serve_kube_command(), msg); };
  ListenOptions listen;
  if (const std::string err = read_listen_flags(flags, listen); !err.empty()) return usage(err);
  kubemock::KubeApiOptions options;
  for (const auto& t : flags.all("token")) {
    if (t.empty()) return usage("--token must not be empty");
    options.tokens.push_back(t);
  }
  options.token_file = flags.get("token-file");
  if (flags.has("token-file") && options.token_file.empty())
    return usage("--token-file must name a file");
  options.user = flags.get("user", options.user);
  options.history = static_cast<size_t>(flags.integer("history", 1000));
  const auto bookmark_every = flags.duration("bookmark-interval", std::chrono::seconds(60));
  if (bookmark_every.count() <= 0) return usage("--bookmark-interval must be positive, e.g. 60s");

  auto api = std::make_shared<KubeApi>(options);
  try {
    if (flags.has("objects")) seed(*api, flags.get("objects"));
  } catch (const std::exception& e) {
    std::cerr << "host-harness serve-kube: " << e.what() << "\n";
    return kExitUsage;
  }

  const sigset_t stop_signals = block_stop_signals();
  std::string server_error;
  auto svr = make_mock_server(listen.cert, listen.key, 64, server_error);
  if (!svr) {
    std::cerr << "host-harness serve-kube: " << server_error << "\n";
    return kExitUsage;
  }
  auto stopping = std::make_shared<std::atomic<bool>>(false);
  add_controls(*svr, api);
  add_api(*svr, api, stopping);
  std::thread([api, stopping, bookmark_every] {
    while (!stopping->load()) {
      wait_for(bookmark_every, *stopping);
      if (!stopping->load()) api->store().bookmark();
    }
  }).detach();
  const bool auth = !options.tokens.empty() || !options.token_file.empty();
  return serve_until_signal(*svr, "host-harness serve-kube", listen.host, listen.port, listen.tls(),
                            stop_signals, *stopping,
                            "resourceVersion " + std::to_string(api->store().resource_version()) +
                                (auth ? ", bearer token required" : ", no authentication") +
                                "; faults via POST /__faults, requests via GET /__requests");
}

}  // namespace hostadm::harness
