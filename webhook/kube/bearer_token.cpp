#include "webhook/kube/bearer_token.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "webhook/core/text.hpp"

namespace hostadm::kube {

BearerToken::BearerToken(std::string inline_token, std::string file)
    : inline_(std::string(text::trim(inline_token))), file_(std::move(file)) {}

std::string BearerToken::current(std::string& error) {
  if (file_.empty()) return inline_;
  const FileStamp stamp = FileStamp::of(file_);
  if (!stamp.exists) {
    error = "cannot read the Kubernetes API token file " + file_ + ": " + std::strerror(errno);
    return "";
  }
  std::lock_guard<std::mutex> lk(mu_);
  if (loaded_ && stamp == stamp_) return token_;
  std::ifstream in(file_, std::ios::binary);
  if (!in) {
    error = "cannot read the Kubernetes API token file " + file_ + ": " + std::strerror(errno);
    return "";
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  token_ = std::string(text::trim(ss.str()));
  loaded_ = true;
  stamp_ = stamp;
  if (token_.empty()) {
    loaded_ = false;  // a file being rewritten may be empty for a moment: read it again next time
    error = "the Kubernetes API token file " + file_ + " is empty";
  }
  return token_;
}

bool BearerToken::reread() {
  if (file_.empty()) return false;
  std::lock_guard<std::mutex> lk(mu_);
  loaded_ = false;
  return true;
}

}  // namespace hostadm::kube
