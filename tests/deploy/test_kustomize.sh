#!/usr/bin/env bash
# Renders every way the install can be put together with `kubectl kustomize` (kustomize v5) and
# checks each rendering structurally (tests/deploy/check_manifests.py): each overlay (kubernetes,
# the default, cert-manager, openshift), each component over each overlay, and a user's
# kustomization that sets `namespace:` and/or `namePrefix:` over each overlay, written into a temp
# dir as an admin would, among them the install next to Forklift in its own namespace
# (konveyor-forklift, openshift-mtv). Every render must be silent on stderr (no deprecated
# fields), a rename must leave no reference behind (the self-managed certificates' Secret,
# configurations and Service the webhook is told, the RBAC's resourceNames, Certificate DNS names,
# CA injection, webhook service refs, the trust-manager target), and no rendering may hold a
# Namespace (it would relabel Forklift's, and `kubectl delete -k` delete it) or keep any
# namespace's Hosts from the webhooks. deploy/base, which is no install by itself, must render.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}

# shellcheck source=require_kustomize_v5.sh
. "$here/require_kustomize_v5.sh"
python3 -c 'import yaml' 2>/dev/null || {
  echo "FAIL: python3-yaml is missing (Debian: apt-get install python3-yaml)" >&2
  exit 1
}

version=$(sed -n 's/^project(.*VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || {
  echo "FAIL: no VERSION in $src/CMakeLists.txt project()" >&2
  exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
deploy=$src/deploy
components="fail-open monitoring network-policy inventory-ca-trust-manager"

# render NAME DIR: kubectl kustomize DIR into $tmp/NAME.yaml; fails on an error or any stderr.
render() {
  local name=$1 dir=$2
  if ! kubectl kustomize "$dir" >"$tmp/$name.yaml" 2>"$tmp/$name.err"; then
    echo "FAIL: kubectl kustomize $dir:" >&2
    cat "$tmp/$name.err" >&2
    return 1
  fi
  if [ -s "$tmp/$name.err" ]; then
    echo "FAIL: kubectl kustomize $dir wrote to stderr (deprecated or wrong fields?):" >&2
    cat "$tmp/$name.err" >&2
    return 1
  fi
}

# check NAME PROFILE [check_manifests.py options]: the render result against the structural
# checks, queued; check_all runs every queued check in one checker process.
check() {
  local name=$1 profile=$2
  shift 2
  printf '%q ' --self-test --profile "$profile" --version "$version" --source-dir "$src" "$@" \
    "$tmp/$name.yaml" >>"$tmp/checks"
  echo >>"$tmp/checks"
}
check_all() {
  local out=$tmp/checks.out
  python3 "$here/check_manifests.py" --jobs "$tmp/checks" >"$out" 2>&1 || true
  grep -v ': ok$\|all [0-9]* broken renderings caught$' "$out" >&2 || true
  local line
  line=$(grep '^checked [0-9]* renderings: ' "$out" || true)
  [ -n "$line" ] || {
    echo "FAIL: check_manifests.py --jobs printed no summary" >&2
    failed=$((failed + 1))
    return
  }
  line=${line#*: }
  passed=$((passed + ${line%% passed*}))
  line=${line#*passed, }
  failed=$((failed + ${line%% failed*}))
}

# user_dir NAME: a fresh directory for a user's kustomization, and the path back to deploy/.
user_dir() {
  mkdir -p "$tmp/$1"
  realpath --relative-to="$tmp/$1" "$deploy"
}

run() { # run NAME DIR PROFILE [options]
  local name=$1 dir=$2 profile=$3
  shift 3
  if render "$name" "$dir"; then check "$name" "$profile" "$@"; else failed=$((failed + 1)); fi
}

overlays="kubernetes cert-manager openshift"
if render base "$deploy/base"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
for overlay in $overlays; do
  run "$overlay" "$deploy/overlays/$overlay" "$overlay"
done
run example-fail-open "$deploy/examples/fail-open" kubernetes --components fail-open

# Each component over each overlay, then all of them together.
for overlay in $overlays; do
  for comp in $components all; do
    name=$overlay+$comp
    rel=$(user_dir "$name")
    list=$comp
    [ "$comp" = all ] && list=$components
    {
      echo "apiVersion: kustomize.config.k8s.io/v1beta1"
      echo "kind: Kustomization"
      echo "resources: [$rel/overlays/$overlay]"
      echo "components:"
      for c in $list; do echo "  - $rel/components/$c"; done
    } >"$tmp/$name/kustomization.yaml"
    # trust-manager replaces reading Forklift's Secret, which OpenShift's service CA never needed.
    if [ "$overlay" = openshift ] && [[ " $list " == *" inventory-ca-trust-manager "* ]]; then
      continue
    fi
    run "$name" "$tmp/$name" "$overlay" --components "$(echo "$list" | tr ' ' ',')"
  done
done

# A user's kustomization renaming the install: namespace, prefix, or both, over each overlay (with
# every component too), and nothing else. The cert-manager overlay needs its follow-names
# transformer listed (composite names: "<service>.<namespace>.svc", "<namespace>/<certificate>").
for target in overlays/kubernetes overlays/cert-manager overlays/openshift; do
  profile=${target#overlays/}
  # Next to Forklift: its namespace upstream, or MTV's on OpenShift.
  forklift_ns=konveyor-forklift
  [ "$profile" = openshift ] && forklift_ns=openshift-mtv
  for rename in "team-platform:acme-" "team-platform:" ":acme-" "$forklift_ns:"; do
    ns=${rename%%:*} prefix=${rename#*:}
    for comps in none all; do
      name=user-$profile-${ns:-samens}-${prefix:-noprefix}-$comps
      rel=$(user_dir "$name")
      list=""
      if [ "$comps" = all ]; then
        list=$components
        [ "$profile" = openshift ] && list="fail-open monitoring network-policy"
      fi
      {
        echo "apiVersion: kustomize.config.k8s.io/v1beta1"
        echo "kind: Kustomization"
        [ -n "$ns" ] && echo "namespace: $ns"
        [ -n "$prefix" ] && echo "namePrefix: $prefix"
        echo "resources: [$rel/$target]"
        if [ -n "$list" ]; then
          echo "components:"
          for c in $list; do echo "  - $rel/components/$c"; done
        fi
        [ "$profile" = cert-manager ] && echo "transformers: [$rel/overlays/cert-manager/follow-names]"
      } >"$tmp/$name/kustomization.yaml"
      run "$name" "$tmp/$name" "$profile" --namespace "${ns:-forklift-host-webhook}" --prefix "$prefix" \
        --components "$(echo "$list" | tr ' ' ',')"
    done
  done
done

# Without follow-names, a renamed cert-manager install is exactly the inconsistent one admins hit
# (old namespace in the certificate and the CA injection): the checker must refuse it.
rel=$(user_dir forgot-follow-names)
printf 'namespace: team-platform\nresources: [%s/overlays/cert-manager]\n' "$rel" \
  >"$tmp/forgot-follow-names/kustomization.yaml"
if render forgot-follow-names "$tmp/forgot-follow-names" &&
  ! python3 "$here/check_manifests.py" --profile cert-manager --namespace team-platform \
    "$tmp/forgot-follow-names.yaml" >"$tmp/forgot.out"; then
  if grep -q "dnsNames" "$tmp/forgot.out" && grep -q "inject-ca-from" "$tmp/forgot.out"; then
    passed=$((passed + 1))
  else
    echo "FAIL: the rename without follow-names was refused for other reasons:" >&2
    cat "$tmp/forgot.out" >&2
    failed=$((failed + 1))
  fi
else
  echo "FAIL: a cert-manager install renamed without follow-names passed the checks" >&2
  failed=$((failed + 1))
fi

# The monitoring how-to of docs/install.md: kube-prometheus-stack selects PodMonitors and
# PrometheusRules by its `release` label; one patch on the monitoring.coreos.com group adds it.
rel=$(user_dir release-label)
cat >"$tmp/release-label/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$rel/overlays/cert-manager]
components: [$rel/components/monitoring]
patches:
  - target: {group: monitoring.coreos.com}
    patch: |-
      - op: add
        path: /metadata/labels/release
        value: kube-prometheus-stack
EOF
if render release-label "$tmp/release-label" && python3 - "$tmp/release-label.yaml" <<'PY'; then
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
mon = [d for d in docs if d["apiVersion"].startswith("monitoring.coreos.com/")]
sys.exit(0 if len(mon) == 2 and all(d["metadata"]["labels"].get("release") == "kube-prometheus-stack"
                                     for d in mon) else 1)
PY
  check release-label cert-manager --components monitoring
else
  echo "FAIL: the documented release-label patch does not label the PodMonitor and the PrometheusRule" >&2
  failed=$((failed + 1))
fi

# The one version: CMakeLists.txt project() == the base's images newTag (checked above on every
# rendering through --version) == what `make version` prints and `make image` builds and tags.
make_version=$(make -s --no-print-directory -C "$src" version 2>/dev/null || true)
make_image=$(DRY_RUN=1 make -s --no-print-directory -C "$src" image CONTAINER_ENGINE=podman \
  DEBIAN_IMAGE=docker.io/library/debian:12.11-slim 2>/dev/null || true)
if [ "$make_version" = "$version" ] && [[ $make_image == *"--build-arg VERSION=$version "* ]] &&
  [[ $make_image == *"-t forklift-host-webhook:$version "* ]] &&
  [[ $make_image == *"-t forklift-host-harness:$version "* ]]; then
  passed=$((passed + 1))
else
  echo "FAIL: make version prints '$make_version' and make image runs '$make_image';" \
    "CMakeLists.txt says $version" >&2
  failed=$((failed + 1))
fi

# Each shipped policy must be one the product's own parser accepts, not only well-formed YAML:
# `host-harness replay` loads it exactly as host-webhook does and exits 2 when it is refused.
harness=${BIN_DIR:-$src/build/bin}/host-harness
if [ -x "$harness" ]; then
  for profile in $overlays example-fail-open; do
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

check_all
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
