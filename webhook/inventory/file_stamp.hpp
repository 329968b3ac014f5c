// Whether a file was replaced or rewritten since it was last read, without reading it: the token
// and CA files the kubelet updates in place (a projected token rotates; a ConfigMap volume swaps
// its `..data` symlink) are checked on every inventory call, so the check is one stat().
#pragma once

#include <sys/stat.h>

#include <string>

namespace hostadm {

struct FileStamp {
  bool exists = false;
  struct timespec mtime {};
  off_t size = -1;
  ino_t ino = 0;
  dev_t dev = 0;

  // stat() follows symlinks, so a swapped `..data` link shows up as another inode.
  static FileStamp of(const std::string& path) {
    FileStamp s;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return s;
    s.exists = true;
    s.mtime = st.st_mtim;
    s.size = st.st_size;
    s.ino = st.st_ino;
    s.dev = st.st_dev;
    return s;
  }
  bool operator==(const FileStamp& o) const {
    return exists == o.exists && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec && size == o.size && ino == o.ino && dev == o.dev;
  }
  bool operator!=(const FileStamp& o) const { return !(*this == o); }
};

}  // namespace hostadm
