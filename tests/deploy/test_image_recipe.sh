#!/usr/bin/env bash
# The Dockerfile, checked without a container engine: every shared library that host-webhook and
# host-harness load (ldd) must come from a Debian package of .ci/packages-runtime.txt, the list
# the runtime image is assembled from; the build stage must install exactly
# .ci/packages-build.txt and build as `make build` does; the runtime stage must be the assembled
# filesystem alone (FROM scratch, USER 65532). A library added to the code but not to the image
# fails here, not in a cluster. (`make test-image` builds and runs the image itself.)
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

# "PACKAGE BINARY LIBRARY" for every library the binaries load.
if "$src/.ci/lib-packages.sh" "$bin/host-webhook" "$bin/host-harness" >"$tmp/needed" 2>"$tmp/lib.err"; then
  passed=$((passed + 1))
else
  bad "$(cat "$tmp/lib.err")"
fi

# Checks the recipe of DOCKERFILE (with runtime list LIST) against the needed packages; prints
# what is missing; its status is about the recipe's other fixed points.
missing_from() {
  python3 "$here/dockerfile_recipe.py" "$1" "$src/.ci/packages-build.txt" "$2" >"$tmp/recipe" 2>&1
  local rc=$?
  grep '^runtime-package ' "$tmp/recipe" | cut -d' ' -f2 | sort -u >"$tmp/runtime"
  while read -r pkg b lib; do
    grep -qx "$pkg" "$tmp/runtime" || echo "$pkg (for $lib, loaded by $b)"
  done <"$tmp/needed" | sort -u
  return $rc
}

missing=$(missing_from "$src/Dockerfile" "$src/.ci/packages-runtime.txt")
recipe_rc=$?
if [ -n "$missing" ]; then
  bad ".ci/packages-runtime.txt (the runtime image) lacks: $(echo "$missing" | paste -sd";" | sed "s/;/; /g")"
else
  passed=$((passed + 1))
fi
if [ $recipe_rc -ne 0 ]; then
  bad "Dockerfile recipe: $(grep '^error:' "$tmp/recipe" | sed 's/^error: //' | paste -sd';')"
else
  passed=$((passed + 1))
fi

# The check must be able to fail: drop one library package the binaries need from a copy of the
# runtime list and expect it to be reported.
victim=$(grep -v -E '^(libc6|libstdc\+\+6|libgcc-s1) ' "$tmp/needed" | head -1 | cut -d' ' -f1)
if [ -n "$victim" ]; then
  grep -v -E "^$victim( |$)" "$src/.ci/packages-runtime.txt" >"$tmp/packages-runtime.broken"
  broken_missing=$(missing_from "$src/Dockerfile" "$tmp/packages-runtime.broken")
  if grep -q "^$victim " <<<"$broken_missing"; then
    passed=$((passed + 1))
  else
    bad "a runtime list without $victim was not reported"
  fi
fi

# The build context must not ship build trees, release output or keys, and must ship what the
# build reads.
ignore=$src/.dockerignore
for pattern in build 'build-\*' certs/dev dist; do
  if [ -f "$ignore" ] && grep -qx "$pattern" "$ignore"; then passed=$((passed + 1)); else
    bad ".dockerignore must exclude $pattern"
  fi
done
for needed in .ci .ci/image .ci/packages-runtime.txt .ci/image/rootfs.sh; do
  if [ -f "$ignore" ] && grep -qx -e "$needed" -e "/$needed" "$ignore"; then
    bad ".dockerignore excludes $needed, which the image build reads"
  else
    passed=$((passed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
