// The bearer token of the Kubernetes API client: written in the kubeconfig, or read from a file
// that is read again whenever it changes (projected service-account tokens are rotated by the
// kubelet about hourly, by replacing the file) and, once, after a 401.
#pragma once

#include <mutex>
#include <string>

#include "webhook/inventory/file_stamp.hpp"

namespace hostadm::kube {

class BearerToken {
 public:
  // `file` wins over `inline_token` when both are given, as in client-go.
  BearerToken(std::string inline_token, std::string file);

  // The token to send ("" when none is configured). A file is read again only when its inode,
  // size or mtime changed (one stat per call). On a file that cannot be read or is empty, sets
  // `error` (naming the file, never its content) and returns "".
  std::string current(std::string& error);

  // After a 401: forget the file's stamp so the next current() reads it again (a token replaced
  // within the same second and size is invisible to the stamp). False when there is no file, so
  // a retry cannot help.
  bool reread();

  bool from_file() const { return !file_.empty(); }
  const std::string& file() const { return file_; }

 private:
  const std::string inline_;
  const std::string file_;
  std::mutex mu_;
  bool loaded_ = false;
  FileStamp stamp_;
  std::string token_;
};

}  // namespace hostadm::kube
