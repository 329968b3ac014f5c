// The host-harness binary run as a user runs it, for the tests of its command line.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace hostadm::harness {

struct CliRun {
  int status = -1;
  std::string out;  // stdout; with `with_stderr`, stderr too
};

inline CliRun harness(const std::string& args, bool with_stderr = false) {
  const std::string cmd = std::string(HOSTADM_BIN_DIR) + "/host-harness " + args +
                          (with_stderr ? " 2>&1" : " 2>/dev/null") + " </dev/null";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace hostadm::harness
