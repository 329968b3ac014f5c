#!/usr/bin/env bash
# The Dockerfile, checked without a container engine: every shared library that host-webhook and
# host-harness load (ldd) must come from a Debian package the runtime stage installs (or from the
# base image), and the build stage must install exactly .ci/packages-build.txt and build as
# `make build` does. A library added to the code but not to the image fails here, not in a cluster.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${BIN_DIR:-$src/build/bin}

for b in host-webhook host-harness; do
  if [ ! -x "$bin/$b" ]; then
    echo "SKIP: $bin/$b is not built (run make build); the image recipe needs the binaries' ldd"
    exit 0
  fi
done
command -v dpkg >/dev/null 2>&1 || {
  echo "SKIP: dpkg is missing: this check maps libraries to Debian packages"
  exit 0
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}

# Sanitizer runtimes are linked only into the test-sanitize build (build-asan: -fsanitize=...);
# the image ships the release build, so the Dockerfile rightly does not install them. Only
# these are skipped: every other library still has to come from the runtime stage.
is_sanitizer_runtime() {
  case ${1##*/} in
    libasan.so* | libubsan.so* | libtsan.so* | liblsan.so*) return 0 ;;
  esac
  return 1
}

# The libraries each binary loads: "BINARY PATH" lines.
: >"$tmp/libs"
for b in host-webhook host-harness; do
  ldd_out=$(ldd "$bin/$b" 2>&1) || {
    bad "ldd $bin/$b failed: $ldd_out"
    continue
  }
  while read -r line; do
    case $line in
      *"not found"*) bad "$b: $line (the binary can't start anywhere)" ;;
      *"=>"*) lib=$(echo "$line" | awk '{print $3}') ;;
      /*) lib=$(echo "$line" | awk '{print $1}') ;;
      *) continue ;; # linux-vdso: provided by the kernel
    esac
    [ -n "${lib:-}" ] || continue
    is_sanitizer_runtime "$lib" || echo "$b $lib" >>"$tmp/libs"
    lib=""
  done <<<"$ldd_out"
done

# Debian package owning each library. Merged /usr means dpkg may know a file under /lib or
# /usr/lib, and ldd may name a symlink: ask about every spelling of it, in one (slow) dpkg call.
declare -A owner_of=()
candidates() {
  local p
  for p in "$1" "$(readlink -f "$1")"; do
    printf '%s\n' "$p" "${p#/usr}" "/usr$p"
  done
}
mapfile -t spellings < <(cut -d' ' -f2 "$tmp/libs" | sort -u | while read -r l; do candidates "$l"; done | sort -u)
while IFS= read -r line; do
  case $line in diversion*) continue ;; esac
  owner_of[${line#*: }]=${line%%:*}
done < <(dpkg -S "${spellings[@]}" 2>/dev/null)

# Packages needed by the binaries, one per line: "PACKAGE BINARY LIBRARY".
: >"$tmp/needed"
while read -r b lib; do
  pkg=""
  while read -r cand; do
    pkg=${owner_of[$cand]:-}
    [ -z "$pkg" ] || break
  done < <(candidates "$lib")
  if [ -n "$pkg" ]; then
    echo "$pkg $b $lib" >>"$tmp/needed"
  else
    bad "$b loads $lib, which no Debian package owns: the image can't install it"
  fi
done <"$tmp/libs"

# Checks the runtime stage of DOCKERFILE against the needed packages; prints what is missing.
missing_from() {
  python3 "$here/dockerfile_recipe.py" "$1" "$src/.ci/packages-build.txt" >"$tmp/recipe" 2>&1
  local rc=$?
  grep '^runtime-package ' "$tmp/recipe" | cut -d' ' -f2 | sort -u >"$tmp/runtime"
  # The base image already carries the C and C++ runtimes.
  printf '%s\n' libc6 libstdc++6 libgcc-s1 >>"$tmp/runtime"
  while read -r pkg b lib; do
    grep -qx "$pkg" "$tmp/runtime" || echo "$pkg (for $lib, loaded by $b)"
  done <"$tmp/needed" | sort -u
  return $rc
}

missing=$(missing_from "$src/Dockerfile")
recipe_rc=$?
if [ -n "$missing" ]; then
  bad "the Dockerfile's runtime stage does not install: $(echo "$missing" | paste -sd";" | sed "s/;/; /g")"
else
  passed=$((passed + 1))
fi
if [ $recipe_rc -ne 0 ]; then
  bad "Dockerfile recipe: $(grep '^error:' "$tmp/recipe" | sed 's/^error: //' | paste -sd';')"
  grep -v '^runtime-package' "$tmp/recipe" >&2
else
  passed=$((passed + 1))
fi

# The check must be able to fail: drop one library package the binaries need from a copy of the
# Dockerfile and expect it to be reported.
victim=$(grep -v -E '^(libc6|libstdc\+\+6|libgcc-s1) ' "$tmp/needed" | head -1 | cut -d' ' -f1)
if [ -n "$victim" ]; then
  sed "/^ *$victim *\\\\\$/d" "$src/Dockerfile" >"$tmp/Dockerfile.broken"
  # (its exit status is about the other recipe checks, not about this library)
  broken_missing=$(missing_from "$tmp/Dockerfile.broken")
  if grep -q "^$victim " <<<"$broken_missing"; then
    passed=$((passed + 1))
  else
    bad "a Dockerfile without $victim was not reported"
  fi
fi

# The build context must not ship build trees or keys.
ignore=$src/.dockerignore
for pattern in build 'build-\*' certs/dev; do
  if [ -f "$ignore" ] && grep -qx "$pattern" "$ignore"; then passed=$((passed + 1)); else
    bad ".dockerignore must exclude $pattern"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
