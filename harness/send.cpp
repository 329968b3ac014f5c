// `host-harness send`: its command line, the documents turned into reviews, then either one
// checked pass over them or the load generator.
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <iostream>
#include <tuple>

#include "harness/command_line.hpp"
#include "harness/output.hpp"
#include "harness/pipeline.hpp"
#include "harness/replay.hpp"
#include "harness/send.hpp"
#include "webhook/io/input_files.hpp"

namespace hostadm::harness {

namespace {

using nlohmann::json;

// httplib's address map takes a numeric address only.
std::string numeric_address(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr)
    throw UsageError("--webhook host '" + host + "' does not resolve to an address");
  char text[NI_MAXHOST];
  const int rc =
      getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(found);
  if (rc != 0) throw UsageError("--webhook host '" + host + "' does not resolve to an address");
  return text;
}

Options parse_options(const cli::Parsed& f) {
  Options o;
  std::string webhook = f.get("webhook");
  if (webhook.empty()) throw UsageError("--webhook https://HOST:PORT is required");
  try {
    o.url = parse_http_url(webhook, "--webhook");
  } catch (const std::invalid_argument&) {
    throw UsageError("--webhook must be https://HOST:PORT, got '" + webhook + "'");
  }
  if (o.url.scheme != "https")
    throw UsageError("--webhook must use https:// (kube-apiserver only calls webhooks over TLS)");
  o.ca = f.get("ca");
  if (o.ca.empty())
    throw UsageError(
        "--ca FILE is required (the CA that signed the webhook's certificate, e.g. "
        "certs/dev/ca.crt)");
  o.server_name = f.get("tls-server-name");
  if (f.has("tls-server-name")) {
    if (o.server_name.empty() || o.server_name.find_first_of(" /:") != std::string::npos)
      throw UsageError(
          "--tls-server-name must be a DNS name like host-webhook.host-webhook.svc, got '" +
          o.server_name + "'");
    o.address = numeric_address(o.url.host);
  }
  o.dry_run = f.flag("dry-run");
  o.repeat = static_cast<int>(f.integer("repeat", 0));
  if (f.has("concurrency")) {
    o.concurrency = static_cast<int>(f.integer("concurrency", 1));
    if (!o.repeat) o.repeat = 1;
  }
  o.format = parse_format(f.get("output", "table"));
  o.ns = f.get("namespace");
  o.operation = f.get("operation", "CREATE");
  o.timeout = f.duration("timeout", o.timeout);
  if (o.timeout.count() <= 0 || o.timeout > std::chrono::seconds(30))
    throw UsageError("--timeout must be between 1ms and 30s (the apiserver's limit)");
  o.paths = f.operands;
  if (o.paths.empty()) throw UsageError("give at least one PATH (file, directory or -)");
  return o;
}

// Documents -> reviews to send; other kinds become skipped rows, non-mappings malformed rows.
std::vector<Prepared> prepare(const Options& o, const std::vector<InputDoc>& docs,
                              std::vector<DocResult>& rows) {
  std::vector<Prepared> out;
  for (const auto& d : docs) {
    std::string why;
    DocKind kind = classify(d.value, &why);
    if (kind == DocKind::Host) {
      // An UPDATE keeps the stored Host: oldObject is the same document.
      json old = o.operation == "UPDATE" ? d.value : json();
      json review = host_review(d.value, o.ns, "pending", old);
      review["request"]["dryRun"] = o.dry_run;
      out.push_back({d.source(), std::move(review)});
    } else if (kind == DocKind::Review) {
      json review = d.value;
      if (!review.contains("request") || !review["request"].is_object()) {
        rows.push_back(malformed_result(d.source(), "AdmissionReview without a request object"));
        continue;
      }
      if (o.dry_run) review["request"]["dryRun"] = true;
      out.push_back({d.source(), review});
    } else if (kind == DocKind::NotMapping) {
      rows.push_back(malformed_result(d.source(), "document is not a mapping"));
    } else {
      DocResult r;
      r.source = d.source();
      r.skipped = true;
      r.skip_reason = why;
      rows.push_back(r);
    }
  }
  return out;
}

}  // namespace

const cli::Command& send_command() {
  using cli::FlagKind;
  using cli::make_flag;
  static const cli::Command kCommand = [] {
    cli::Command c;
    c.program = "host-harness send";
    c.synopsis = {
        "--webhook https://HOST:PORT --ca FILE [--tls-server-name NAME] [--dry-run] "
        "[--repeat N --concurrency C] [flags] PATH..."};
    c.operands = "PATH...";
    c.summary =
        "Drives a running webhook the way kube-apiserver does (/mutate, the patch, the schema's "
        "required fields, /validate) and checks every answer against the admission contract; "
        "with --repeat or --concurrency, a load generator over keep-alive TLS connections.";
    c.notes = {kPathNote};
    cli::Flag repeat = make_flag("repeat", FlagKind::Int, "N",
                                 "load mode: send every document N times and report latencies");
    repeat.min = 1;
    repeat.max = 10'000'000;
    repeat.example = "1000";
    cli::Flag concurrency = make_flag("concurrency", FlagKind::Int, "C",
                                      "load mode: this many keep-alive connections", "1");
    concurrency.min = 1;
    concurrency.max = 1024;
    concurrency.example = "8";
    cli::Flag ns = make_flag("namespace", FlagKind::String, "NS",
                             "namespace for documents without one", "default");
    ns.short_name = 'n';
    cli::Flag operation =
        make_flag("operation", FlagKind::Enum, "",
                  "send Hosts as created, or as an update that keeps them", "CREATE");
    operation.choices = {"CREATE", "UPDATE"};
    c.flags = {
        make_flag("webhook", FlagKind::String, "URL", "the webhook's base URL, https://HOST:PORT"),
        make_flag("ca", FlagKind::String, "FILE",
                  "CA that signed the webhook's certificate (e.g. certs/dev/ca.crt)"),
        make_flag("tls-server-name", FlagKind::String, "NAME",
                  "the name to ask for (SNI) and to find in the webhook's certificate, when "
                  "--webhook is another address, e.g. https://127.0.0.1:8443 from `kubectl "
                  "port-forward`"),
        make_flag("dry-run", FlagKind::Bool, "", "mark every request dryRun"),
        repeat,
        concurrency,
        output_flag({"table", "json", "yaml", "junit"}),
        ns,
        operation,
        [] {
          cli::Flag t =
              make_flag("timeout", FlagKind::Duration, "DURATION",
                        "each request's deadline, sent as ?timeout= (at most 30s)", "10s");
          t.bare_seconds = true;  // `--timeout 10` has meant 10 s since the first release
          return t;
        }(),
    };
    c.footer =
        "Exit codes: 0 every Host admitted (load mode: no request failed), 1 a denial, a contract "
        "violation or a failed request, 2 bad usage, unreadable input or an unreachable webhook.";
    return c;
  }();
  return kCommand;
}

int cmd_send(const Args& args) {
  int exit_code = kExitOk;
  auto flags = read_command_line(send_command(), args, exit_code);
  if (!flags) return exit_code;
  Options o;
  try {
    o = parse_options(*flags);
  } catch (const UsageError& e) {
    return usage_error(send_command(), e.what());
  }
  std::vector<DocResult> rows;
  std::vector<Prepared> docs;
  try {
    docs = prepare(o, read_documents(o.paths), rows);
  } catch (const std::exception& e) {
    std::cerr << "host-harness send: " << e.what() << "\n";
    return kExitUsage;
  }
  try {
    if (o.repeat > 0) {
      if (docs.empty()) {
        std::cerr << "host-harness send: no Host or AdmissionReview documents to send\n";
        return kExitUsage;
      }
      // One checked request first: a wrong URL or CA is a usage error, not N failed requests.
      auto probe = make_client(o);
      run_one(*probe, o, docs.front());
      return run_load(o, docs);
    }
    auto client = make_client(o);
    for (const auto& d : docs) rows.push_back(run_one(*client, o, d));
  } catch (const ConnectionError& e) {
    std::cerr << "host-harness send: " << e.what() << "\n";
    return kExitUsage;
  }
  // Keep input order: prepared rows were appended after the non-sendable ones.
  std::stable_sort(rows.begin(), rows.end(), [](const DocResult& a, const DocResult& b) {
    auto split = [](const std::string& s) {  // FILE#INDEX or FILE#INDEX.ITEM
      auto hash = s.rfind('#');
      auto dot = s.find('.', hash);
      return std::make_tuple(s.substr(0, hash), std::atoi(s.c_str() + hash + 1),
                             dot == std::string::npos ? -1 : std::atoi(s.c_str() + dot + 1));
    };
    return split(a.source) < split(b.source);
  });
  write_results(std::cout, rows, o.format, o.format == Format::Table && want_color());
  const int code = replay_exit_code(rows);
  if (code == kExitUsage)
    std::cerr << "host-harness send: nothing was checked: " << nothing_checked_reason(rows) << "\n";
  return code;
}

}  // namespace hostadm::harness
