#!/usr/bin/env bash
# `make dist`: the release a user can pin, written into OUT (default dist/):
#   forklift-host-webhook-V-cert-manager.yaml, forklift-host-webhook-V-openshift.yaml
#       each overlay rendered (kubectl kustomize) with the image pinned: IMAGE_REPO:V, plus
#       @sha256:... when the digest is known (IMAGE_DIGEST, else the local image `make image` built)
#   host-harness-V-debian12-amd64.tar.gz
#       host-harness for CI jobs on Debian 12 amd64 (not static: its README names the Debian
#       packages to install), LICENSE
#   forklift-host-webhook-V.spdx.json
#       SPDX 2.3 SBOM of the runtime image's Debian packages (.ci/sbom.py): from the image when
#       one is at hand, else from this machine's dpkg (SBOM_FROM=image|host forces one)
#   forklift-host-webhook-V-grafana-dashboard.json
#   SHA256SUMS
# Environment: VERSION (must be the project version), REVISION, SOURCE_URL, BIN_DIR, IMAGE,
# IMAGE_REPO, IMAGE_DIGEST (sha256:..., or "none"), CONTAINER_ENGINE, SOURCE_DATE_EPOCH (default:
# the commit's time, so the same commit gives the same files).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-dist}
project=$(sed -n 's/^project(.*VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
VERSION=${VERSION:-$project}
if [ "$VERSION" != "$project" ]; then
  echo "dist.sh: VERSION=$VERSION is not the project version $project (CMakeLists.txt project())" >&2
  exit 2
fi
REVISION=${REVISION:-unknown}
BIN_DIR=${BIN_DIR:-$src/build/bin}
IMAGE=${IMAGE:-forklift-host-webhook}
IMAGE_REPO=${IMAGE_REPO:-$IMAGE}
IMAGE_DIGEST=${IMAGE_DIGEST:-}
SBOM_FROM=${SBOM_FROM:-auto}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
[ -x "$BIN_DIR/host-harness" ] || {
  echo "dist.sh: $BIN_DIR/host-harness is not built (make build)" >&2
  exit 1
}
case $IMAGE_DIGEST in
  "" | none | sha256:[0-9a-f]*) ;;
  *)
    echo "dist.sh: IMAGE_DIGEST=$IMAGE_DIGEST is not sha256:<64 hex digits> (or none)" >&2
    exit 2
    ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/forklift-host-webhook-* "$out"/host-harness-* "$out/SHA256SUMS"
name=forklift-host-webhook-$VERSION

# The image as `make image` left it, when an engine has it: its digest and its package records.
engine=()
if [ -z "$IMAGE_DIGEST" ] || [ "$SBOM_FROM" != host ]; then
  read -r -a engine <<<"$("$src/.ci/image/engine.sh" 2>/dev/null || true)"
  if [ ${#engine[@]} -gt 0 ] && ! "${engine[@]}" image inspect "$IMAGE:$VERSION" >/dev/null 2>&1; then
    engine=()
  fi
fi
if [ -z "$IMAGE_DIGEST" ] && [ ${#engine[@]} -gt 0 ]; then
  IMAGE_DIGEST=$("${engine[@]}" image inspect --format '{{.Digest}}' "$IMAGE:$VERSION" 2>/dev/null ||
    "${engine[@]}" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$IMAGE:$VERSION" |
    sed -n "s|^$IMAGE_REPO@||p" | head -1)
  case $IMAGE_DIGEST in sha256:*) ;; *) IMAGE_DIGEST="" ;; esac
fi
[ "$IMAGE_DIGEST" = none ] && IMAGE_DIGEST=""
[ -n "$IMAGE_DIGEST" ] || echo "dist.sh: no image digest known: the manifests pin $IMAGE_REPO:$VERSION by tag only" >&2

# Manifests: each overlay with the image pinned.
for overlay in kubernetes cert-manager openshift; do
  mkdir -p "$tmp/$overlay"
  rel=$(realpath --relative-to="$tmp/$overlay" "$src/deploy/overlays/$overlay")
  {
    echo "resources: [$rel]"
    echo "images:"
    echo "  - {name: forklift-host-webhook, newName: $IMAGE_REPO, newTag: \"$VERSION\"${IMAGE_DIGEST:+, digest: $IMAGE_DIGEST}}"
  } >"$tmp/$overlay/kustomization.yaml"
  {
    echo "# forklift-host-webhook $VERSION (revision $REVISION), deploy/overlays/$overlay rendered by make dist."
    echo "# Create the namespace first (kubectl create namespace forklift-host-webhook); installing"
    echo "# elsewhere, next to Forklift for one: docs/install.md, with the repository at this version."
    kubectl kustomize "$tmp/$overlay"
  } >"$out/$name-$overlay.yaml"
done

# host-harness for CI: the binary (debug information left out), its license, what it needs.
dir=host-harness-$VERSION-debian12-amd64
mkdir -p "$tmp/$dir"
strip --strip-debug -o "$tmp/$dir/host-harness" "$BIN_DIR/host-harness"
cp "$src/LICENSE" "$tmp/$dir/LICENSE"
packages=$("$src/.ci/lib-packages.sh" "$BIN_DIR/host-harness" | cut -d' ' -f1 | sort -u | paste -sd' ')
cat >"$tmp/$dir/README.md" <<EOF
# host-harness $VERSION (revision $REVISION)

The webhook's decisions without a cluster, for CI: \`host-harness replay\`, \`test\`,
\`serve-inventory\`, \`send\`, \`snapshot\`, \`rules\` (\`host-harness --help\`).

Built for Debian 12 (bookworm), amd64, against Debian's shared libraries; install them with

    apt-get install --no-install-recommends $packages

or use the CI image, which has them (forklift-host-harness:$VERSION). Apache-2.0 (LICENSE).
EOF
tar -C "$tmp" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  --format=gnu -cf - "$dir" | gzip -n -9 >"$out/$dir.tar.gz"

# SBOM: the image's own package records when the image is here, else this machine's dpkg.
sbom_args=(--version "$VERSION" --revision "$REVISION" --source-url "${SOURCE_URL:-}"
  --image-ref "$IMAGE_REPO:$VERSION${IMAGE_DIGEST:+@$IMAGE_DIGEST}")
if [ "$SBOM_FROM" != host ] && [ ${#engine[@]} -gt 0 ]; then
  cid=$("${engine[@]}" create "$IMAGE:$VERSION")
  "${engine[@]}" cp "$cid:/var/lib/dpkg/status.d" "$tmp/status.d"
  "${engine[@]}" rm "$cid" >/dev/null
  python3 "$src/.ci/sbom.py" "${sbom_args[@]}" --status-dir "$tmp/status.d" -o "$out/$name.spdx.json"
elif [ "$SBOM_FROM" = image ]; then
  echo "dist.sh: SBOM_FROM=image but no engine has $IMAGE:$VERSION (make image first)" >&2
  exit 1
else
  python3 "$src/.ci/sbom.py" "${sbom_args[@]}" --host -o "$out/$name.spdx.json"
fi

cp "$src/deploy/components/monitoring/dashboard.json" "$out/$name-grafana-dashboard.json"
touch -d "@$SOURCE_DATE_EPOCH" "$out"/*
(cd "$out" && sha256sum -- $(ls | grep -v '^SHA256SUMS$' | grep -E "^($name|$dir)") >SHA256SUMS)
echo "dist.sh: $out:"
(cd "$out" && ls -l --time-style=+ | tail -n +2 | awk '{print "  " $NF " (" $5 " bytes)"}')
