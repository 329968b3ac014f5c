// Files and processes for the end-to-end server tests: temp dirs, certificates from
// certs/make-certs.sh, and the real host-webhook and host-harness binaries as child processes
// whose output goes to files, stopped by pid.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hostadm::servertest {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& text);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// httplib's client writes with send() without MSG_NOSIGNAL: a server that closes the connection
// (a refused client certificate, a stopped server) would otherwise kill the test with SIGPIPE.
inline const bool kSigpipeIgnored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

int run_shell(const std::string& cmd);

// DIR/{ca.crt,ca.key,tls.crt,tls.key} for localhost and 127.0.0.1; `rotate` re-issues tls.*.
void make_certs(const fs::path& dir, bool rotate = false, const std::string& client = "");

// A child process whose stdout and stderr go to files; killed (SIGKILL) if still running when
// this object dies, so a failing test never leaks a server.
class Child {
 public:
  Child(const std::string& binary, const std::vector<std::string>& args, const fs::path& out,
        const fs::path& err, const std::vector<std::string>& env = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }
  void signal(int sig) const { ::kill(pid_, sig); }

  // Exit code, or 128+signal; -1 if still running after `limit`.
  int wait(std::chrono::milliseconds limit = 60s);
  bool running();

  // Waits for "listening on https://127.0.0.1:PORT" in stdout or stderr; returns PORT.
  int wait_listening(std::chrono::milliseconds limit = 30s);

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

// Polls `done` every 20 ms until it holds or `limit` passes: a wait for what another process or
// thread does (a watch, a reload), never a speed assertion.
template <class Done>
bool eventually(Done done, std::chrono::milliseconds limit = 20s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

std::string webhook_bin();
std::string harness_bin();

}  // namespace hostadm::servertest
