#!/bin/bash
# Assembles the runtime image's filesystem in the Dockerfile's rootfs stage, distroless-style:
# ROOT gets the files of the Debian packages listed in LIST (.ci/packages-runtime.txt), exactly
# as this stage's dpkg installed them, plus passwd/group entries for UID 65532 and the packages'
# status records (/var/lib/dpkg/status.d, where image scanners look for them). Nothing else of
# this stage is copied: no dpkg, no apt, no shell.
#   rootfs.sh LIST ROOT
set -euo pipefail
list=$1 root=$2

# Debian 12's merged /usr: /bin, /lib, /lib64 and /sbin are links into /usr, as in the stage.
mkdir -p "$root"/usr/bin "$root"/usr/sbin "$root"/usr/lib "$root"/usr/lib64 "$root"/etc \
  "$root"/var/lib/dpkg/status.d "$root"/usr/local/bin
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done

paths=$(mktemp)
while read -r pkg only; do
  if ! dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed; then
    echo "rootfs.sh: $pkg (from $list) is not installed in this stage" >&2
    exit 1
  fi
  dpkg-query -s "$pkg" >"$root/var/lib/dpkg/status.d/$pkg"
  if [ -z "$only" ]; then
    # Documentation goes, except each package's copyright file (a condition of its license).
    dpkg -L "$pkg" | grep -v -E '^/\.$|^/usr/share/(man|info|lintian|locale|bug)/' |
      grep -v -E '^/usr/share/doc/[^/]+/.+' >>"$paths" || true
  else
    for p in $only; do
      [ -e "$p" ] || [ -L "$p" ] || {
        echo "rootfs.sh: $p (listed for $pkg in $list) does not exist in this stage" >&2
        exit 1
      }
      echo "$p" >>"$paths"
    done
    echo "/usr/share/doc/$pkg" >>"$paths"
  fi
  echo "/usr/share/doc/$pkg/copyright" >>"$paths"
done < <(grep -v '^\s*#' "$list" | awk 'NF')

# Only what exists (the base image's dpkg may be told to skip documentation), directories
# without their contents; --keep-directory-symlink lands /lib/... inside /usr/lib/...
sort -u "$paths" | while read -r p; do
  if [ -e "$p" ] || [ -L "$p" ]; then echo "${p#/}"; fi
done | tar -C / --no-recursion -cf - -T - | tar -C "$root" -xf - --keep-directory-symlink
rm -f "$paths"

# The user the image runs as (numeric in USER and runAsUser; named for tools that print it).
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$root/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$root/etc/nsswitch.conf"

# A package that starts shipping a shell, a package manager or a compiler fails the build here.
for tool in sh bash dash busybox apt apt-get dpkg perl python3 cc gcc c++ ld as; do
  for dir in usr/bin usr/sbin usr/local/bin; do
    if [ -e "$root/$dir/$tool" ] || [ -L "$root/$dir/$tool" ]; then
      echo "rootfs.sh: /$dir/$tool would be in the runtime image" >&2
      exit 1
    fi
  done
done
