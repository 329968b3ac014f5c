#!/usr/bin/env bash
# `make image`: builds the webhook's runtime image and host-harness's CI image from the
# Dockerfile, tagged $IMAGE:$VERSION and $IMAGE_CI:$VERSION, with the version, revision and
# source URL as build args (they become the OCI labels).
# The engine: .ci/image/engine.sh (docker with a daemon, else podman with runc). The base:
# $DEBIAN_IMAGE when set; else the Dockerfile's, when the engine has it or can pull it; else one
# made from Debian's archive (.ci/image/debian-base.sh), for machines without a registry.
# DRY_RUN=1 prints the build commands instead of running them.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
: "${VERSION:?set VERSION (make image passes the project version)}"
REVISION=${REVISION:-unknown}
SOURCE_URL=${SOURCE_URL:-}
IMAGE=${IMAGE:-forklift-host-webhook}
IMAGE_CI=${IMAGE_CI:-forklift-host-harness}
read -r -a engine <<<"$("$src/.ci/image/engine.sh")"

run() {
  if [ -n "${DRY_RUN:-}" ]; then echo "$*"; else "$@"; fi
}

base=${DEBIAN_IMAGE:-}
if [ -z "$base" ] && [ -z "${DRY_RUN:-}" ]; then
  wanted=$(sed -n 's/^ARG DEBIAN_IMAGE=//p' "$src/Dockerfile")
  if "${engine[@]}" image inspect "$wanted" >/dev/null 2>&1; then
    base=$wanted
  elif timeout "${PULL_TIMEOUT:-120}" "${engine[@]}" pull -q "$wanted" >/dev/null 2>&1; then
    base=$wanted
  else
    echo "build.sh: $wanted can't be pulled (no registry reachable?): using a base made from Debian's archive" >&2
    base=$("$src/.ci/image/debian-base.sh" "${engine[@]}")
  fi
fi
args=(--build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "SOURCE_URL=$SOURCE_URL")
[ -z "$base" ] || args+=(--build-arg "DEBIAN_IMAGE=$base")

run "${engine[@]}" build "${args[@]}" --target runtime -t "$IMAGE:$VERSION" "$src"
run "${engine[@]}" build "${args[@]}" --target ci -t "$IMAGE_CI:$VERSION" "$src"
[ -n "${DRY_RUN:-}" ] && exit 0
for ref in "$IMAGE:$VERSION" "$IMAGE_CI:$VERSION"; do
  size=$("${engine[@]}" image inspect --format '{{.Size}}' "$ref")
  echo "built $ref ($((size / 1000000)) MB)"
done
