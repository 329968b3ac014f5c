#!/usr/bin/env bash
# Renders deploy/base, each overlay and each example with `kubectl kustomize` and checks what an
# admin relies on (tests/deploy/check_manifests.py): webhooks reach the server, the certificate
# names the Service, the pods are locked down, RBAC is minimal.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}

if ! command -v kubectl >/dev/null 2>&1; then
  echo "SKIP: kubectl is not installed (Debian: apt-get install kubernetes-client)"
  exit 0
fi
python3 -c 'import yaml' 2>/dev/null || {
  echo "FAIL: python3-yaml is missing (Debian: apt-get install python3-yaml)" >&2
  exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
for target in base:base cert-manager:overlays/cert-manager openshift:overlays/openshift \
  fail-open:examples/fail-open; do
  profile=${target%%:*} dir=$src/deploy/${target#*:}
  out=$tmp/$profile.yaml
  # stderr kept apart: kustomize v5 warns about the v2-compatible fields we use on purpose.
  if ! kubectl kustomize "$dir" >"$out" 2>"$tmp/$profile.err"; then
    echo "FAIL: kubectl kustomize $dir:" >&2
    cat "$tmp/$profile.err" >&2
    failed=$((failed + 1))
    continue
  fi
  if python3 "$here/check_manifests.py" --self-test --profile "$profile" "$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done

# Each shipped policy must be one the product's own parser accepts, not only well-formed YAML:
# `host-harness replay` loads it exactly as host-webhook does and exits 2 when it is refused.
harness=${BIN_DIR:-$src/build/bin}/host-harness
if [ -x "$harness" ]; then
  for profile in base cert-manager openshift fail-open; do
    [ -s "$tmp/$profile.yaml" ] || continue
    python3 - "$tmp/$profile.yaml" "$tmp/$profile.policy.yaml" <<'PY'
import sys, yaml
cm = next(d for d in yaml.safe_load_all(open(sys.argv[1]))
          if d and d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("host-webhook-policy"))
open(sys.argv[2], "w").write(cm["data"]["policy.yaml"])
PY
    rc=0
    "$harness" replay --inventory "$src/examples/inventory.yaml" --policy "$tmp/$profile.policy.yaml" \
      "$src/examples/hosts/direct-ip.yaml" >"$tmp/replay.out" 2>&1 || rc=$?
    if [ "$rc" -eq 2 ]; then
      echo "FAIL: host-harness refuses the $profile policy ConfigMap:" >&2
      cat "$tmp/replay.out" >&2
      failed=$((failed + 1))
    else
      passed=$((passed + 1))
    fi
  done
else
  echo "note: $harness not built; the shipped policies were checked for known keys only"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
