#!/usr/bin/env bash
# The Debian packages a binary needs at run time: for every shared library `ldd` resolves, the
# package that owns it. Prints "PACKAGE BINARY LIBRARY" lines (sorted); a library that does not
# resolve, or that no package owns, is an "error: ..." line on stderr and exit status 1.
#   .ci/lib-packages.sh BINARY...
# Used by tests/deploy/test_image_recipe.sh (the image must hold these packages) and .ci/dist.sh
# (the host-harness tarball says which to install). Sanitizer runtimes (the test-sanitize build)
# are skipped: the image and the release carry the release build.
set -uo pipefail
[ $# -gt 0 ] || {
  echo "usage: $0 BINARY..." >&2
  exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# "BINARY PATH" for every library each binary loads (linux-vdso comes from the kernel).
for b in "$@"; do
  if ! ldd_out=$(ldd "$b" 2>&1); then
    echo "error: ldd $b failed: $ldd_out" >&2
    status=1
    continue
  fi
  while read -r line; do
    lib=""
    case $line in
      *"not found"*)
        echo "error: ${b##*/}: $line (the binary can't start anywhere)" >&2
        status=1
        ;;
      *"=>"*) lib=$(awk '{print $3}' <<<"$line") ;;
      /*) lib=$(awk '{print $1}' <<<"$line") ;;
    esac
    case ${lib##*/} in
      "" | libasan.so* | libubsan.so* | libtsan.so* | liblsan.so*) continue ;;
    esac
    echo "${b##*/} $lib"
  done <<<"$ldd_out"
done >"$tmp/libs"

# Merged /usr: dpkg may know a file under /lib or /usr/lib, and ldd may name a symlink; ask
# about every spelling of every library in one (slow) dpkg call.
spellings() {
  local p
  for p in "$1" "$(readlink -f "$1")"; do
    printf '%s\n' "$p" "${p#/usr}" "/usr$p"
  done
}
declare -A owner_of=()
mapfile -t all < <(cut -d' ' -f2 "$tmp/libs" | sort -u | while read -r l; do spellings "$l"; done | sort -u)
if [ ${#all[@]} -gt 0 ]; then
  while IFS= read -r line; do
    case $line in diversion*) continue ;; esac
    owner_of[${line#*: }]=${line%%:*}
  done < <(dpkg -S "${all[@]}" 2>/dev/null)
fi

while read -r b lib; do
  pkg=""
  while read -r cand; do
    pkg=${owner_of[$cand]:-}
    [ -z "$pkg" ] || break
  done < <(spellings "$lib")
  if [ -n "$pkg" ]; then
    echo "${pkg%%:*} $b $lib"
  else
    echo "error: $b loads $lib, which no Debian package owns" >&2
    status=1
  fi
done <"$tmp/libs" >"$tmp/needed"
sort -u "$tmp/needed"
exit $status
