// The cpp-httplib plumbing the harness's mock servers share (serve-inventory, serve-kube): a
// server tuned for tests over HTTPS or HTTP, `--listen HOST:PORT`, the "listening on" line tests
// read the port from, SIGTERM/SIGINT handling, and a dropped connection on demand.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "webhook/cli/flags.hpp"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace hostadm::harness {

// Blocks SIGTERM and SIGINT in the calling thread and in every thread it starts afterwards (the
// server's pool), so that serve_until_signal's thread alone receives them. Call first.
sigset_t block_stop_signals();

// An HTTPS server for `cert`/`key` (PEM), or plain HTTP when both are empty: TCP_NODELAY, long
// keep-alive, `threads` workers, exclusive bind (SO_REUSEADDR, not the library's SO_REUSEPORT,
// so a stale instance cannot silently share the port). Null, with `error` set, when the pair
// cannot be loaded.
std::unique_ptr<httplib::Server> make_mock_server(const std::string& cert, const std::string& key,
                                                  int threads, std::string& error);

// "HOST:PORT" or "[V6]:PORT"; port 0 picks a free one.
bool parse_listen(const std::string& listen, std::string& host, int& port);

// The flags every mock server has: --listen, --tls-cert, --tls-key.
std::vector<cli::Flag> listen_flags();
struct ListenOptions {
  std::string host;
  int port = 0;
  std::string cert, key;  // both empty: plain HTTP
  bool tls() const { return !cert.empty(); }
};
// Reads listen_flags(); returns the usage error ("" when none).
std::string read_listen_flags(const cli::Parsed& flags, ListenOptions& out);

// The socket of the request's connection, to drop it (a fault); -1 when not found.
int connection_fd(const httplib::Request& req);

// Sleeps `d`, in slices, returning early once `stopping` is set.
void wait_for(std::chrono::milliseconds d, const std::atomic<bool>& stopping);

// Binds, prints "listening on SCHEME://HOST:PORT" on stdout (flushed) and `banner` on stderr,
// then serves until SIGTERM or SIGINT (`stopping` is set first). Returns the exit code: 0, 1 when
// serving failed, 2 when the address cannot be bound.
int serve_until_signal(httplib::Server& server, const std::string& program, const std::string& host,
                       int port, bool tls, const sigset_t& stop_signals,
                       std::atomic<bool>& stopping, const std::string& banner);

}  // namespace hostadm::harness
