#!/usr/bin/env bash
# Makes a Debian 12 base image from Debian's archive alone, for a machine that reaches no image
# registry (as in a disconnected OpenShift install): mmdebstrap's minbase variant with
# bookworm, bookworm-updates and bookworm-security, documentation left out the way Debian's
# slim images do, imported into the engine's store. Prints the image reference.
#   .ci/image/debian-base.sh ENGINE...      e.g. .ci/image/debian-base.sh podman --runtime runc
# The tarball is kept in $HOSTADM_IMAGE_CACHE (default ~/.cache/forklift-host-webhook) and made
# again when older than BASE_MAX_AGE_DAYS (7): the image builds upgrade nothing themselves, so
# an old base would ship old security fixes.
set -euo pipefail
[ $# -gt 0 ] || {
  echo "usage: $0 ENGINE..." >&2
  exit 2
}
cache=${HOSTADM_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/forklift-host-webhook}
tar=$cache/debian-bookworm-minbase.tar
max_age=${BASE_MAX_AGE_DAYS:-7}
mkdir -p "$cache"
if [ ! -s "$tar" ] || [ -n "$(find "$tar" -mtime +"$((max_age - 1))" 2>/dev/null)" ]; then
  command -v mmdebstrap >/dev/null 2>&1 || {
    echo "debian-base.sh: mmdebstrap is missing (Debian: apt-get install mmdebstrap)" >&2
    exit 1
  }
  echo "debian-base.sh: making a Debian 12 base from Debian's archive (mmdebstrap, about 2 minutes)" >&2
  mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
  security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
  mmdebstrap --quiet --variant=minbase --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --aptopt='Acquire::Retries "3"' \
    bookworm "$tar.tmp" "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
    "deb $security bookworm-security main" >&2
  mv "$tar.tmp" "$tar"
fi
ref=localhost/debian-bookworm-minbase:$(date -u -r "$tar" +%Y%m%d)
if ! "$@" image inspect "$ref" >/dev/null 2>&1; then
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  if ! "$@" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$tar" "$ref" >"$log" 2>&1; then
    echo "debian-base.sh: $* import $tar failed:" >&2
    cat "$log" >&2
    exit 1
  fi
fi
echo "$ref"
