#!/usr/bin/env bash
# Prints the container engine command `make image` uses: $CONTAINER_ENGINE when set; else
# docker when its daemon answers (a docker CLI may be installed with no daemon behind it); else
# podman, with runc as its runtime when runc is installed (podman's default, crun, fails on hosts
# with hybrid cgroups v1, and `podman build` 4.3 has no --runtime flag of its own, so the runtime
# goes before the subcommand: `podman --runtime runc build`).
set -euo pipefail
if [ -n "${CONTAINER_ENGINE:-}" ]; then
  echo "$CONTAINER_ENGINE"
  exit 0
fi
if command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; then
  echo docker
  exit 0
fi
if command -v podman >/dev/null 2>&1; then
  if command -v runc >/dev/null 2>&1; then echo "podman --runtime runc"; else echo podman; fi
  exit 0
fi
echo "no container engine: install podman and runc (Debian: apt-get install podman runc, or" \
  "make test-image installs them), start the Docker daemon, or set CONTAINER_ENGINE" >&2
exit 1
