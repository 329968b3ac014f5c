// Files and processes for the end-to-end server tests (child_process.hpp).
#include "server/child_process.hpp"

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

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "hostadm-server-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

int run_shell(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void make_certs(const fs::path& dir, bool rotate, const std::string& client) {
  std::string cmd = std::string(HOSTADM_SOURCE_DIR) + "/certs/make-certs.sh --out '" +
                    dir.string() + "' --service localhost --ip 127.0.0.1";
  if (rotate) cmd += " --rotate";
  if (!client.empty()) cmd += " --client " + client;
  cmd += " >/dev/null 2>&1";
  if (run_shell(cmd) != 0) throw std::runtime_error("make-certs.sh failed: " + cmd);
}

Child::Child(const std::string& binary, const std::vector<std::string>& args, const fs::path& out,
             const fs::path& err, const std::vector<std::string>& env)
    : out_(out), err_(err) {
  std::vector<std::string> argv_s;
  argv_s.push_back(binary);
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  // Emptied before the fork: a reader must never see a previous run's "listening on" line.
  write_file(out, "");
  write_file(err, "");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test process that dies (timeout, crash) must not leave servers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Signals may be blocked in the test process; the child must start with a clean mask.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) ::_exit(127);
    ::dup2(o, 1);
    ::dup2(e, 2);
    for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
  }
}

int Child::wait(std::chrono::milliseconds limit) {
  if (exited_) return code_;
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return code_;
    }
    std::this_thread::sleep_for(10ms);
  }
  return -1;
}

bool Child::running() {
  if (exited_) return false;
  return wait(0ms) == -1;
}

int Child::wait_listening(std::chrono::milliseconds limit) {
  static const std::regex re(R"(listening on https?://[^ "]*:(\d+))");
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    std::smatch m;
    for (const std::string& text : {out(), err()})
      if (std::regex_search(text, m, re)) return std::stoi(m[1]);
    if (!running())
      throw std::runtime_error("process exited with " + std::to_string(code_) +
                               " before listening; stderr:\n" + err() + "\nstdout:\n" + out());
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("no 'listening on' line within the limit; stderr:\n" + err());
}

std::string webhook_bin() {
  return std::string(HOSTADM_BIN_DIR) + "/host-webhook";
}

std::string harness_bin() {
  return std::string(HOSTADM_BIN_DIR) + "/host-harness";
}

}  // namespace hostadm::servertest
