#!/usr/bin/env bash
# The Deployment's container, run for real: host-webhook started with exactly the args and policy
# the rendered manifests give it (in-pod paths moved to a temp dir, loopback only) must start,
# answer the readiness and liveness probes over HTTPS, log JSON, and stop cleanly on SIGTERM as the
# kubelet sends it. Catches a renamed flag or a policy key the server refuses before a cluster does.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${BIN_DIR:-$src/build/bin}

if [ ! -x "$bin/host-webhook" ]; then
  echo "SKIP: $bin/host-webhook is not built (run make build)"
  exit 0
fi
# shellcheck source=require_kustomize_v5.sh
. "$here/require_kustomize_v5.sh"
for tool in curl openssl python3; do
  command -v $tool >/dev/null 2>&1 || {
    echo "FAIL: $tool is missing (see .ci/packages-test.txt)" >&2
    exit 1
  }
done

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}
ok() { passed=$((passed + 1)); }

for overlay in base overlays/openshift; do
  name=${overlay##*/}
  root=$tmp/$name
  mkdir -p "$root/tls" "$root/inventory-ca"
  if ! kubectl kustomize "$src/deploy/$overlay" >"$root/rendered.yaml" 2>"$root/kustomize.err"; then
    bad "kubectl kustomize deploy/$overlay: $(cat "$root/kustomize.err")"
    continue
  fi
  "$src/certs/make-certs.sh" --out "$root/tls" --service localhost --ip 127.0.0.1 >/dev/null 2>&1 ||
    bad "make-certs.sh failed"
  # Any CA will do: the inventory is never reached here (its URL is a closed loopback port).
  cp "$root/tls/ca.crt" "$root/inventory-ca/ca.crt"
  token="deploy-test-token-$RANDOM$RANDOM"
  echo "$token" >"$root/token"
  python3 "$here/pod_command.py" "$root/rendered.yaml" "$root" >"$root/cmd" || {
    bad "$name: cannot read the container from the rendering"
    continue
  }
  mapfile -t args < <(sed -n 's/^arg //p' "$root/cmd")
  readyz=$(sed -n 's/^probe readinessProbe //p' "$root/cmd")
  healthz=$(sed -n 's/^probe livenessProbe //p' "$root/cmd")

  "$bin/host-webhook" "${args[@]}" >"$root/log" 2>&1 &
  pid=$!
  port=""
  # Bounded wait for the bound address (startup, not speed, is what's checked).
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on https://127\.0\.0\.1:[0-9]*' "$root/log" | head -1 | sed 's/.*://')
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    bad "$name: host-webhook did not start with the Deployment's args: $(head -c 2000 "$root/log")"
    kill -KILL "$pid" 2>/dev/null
    pid=""
    continue
  fi
  ok
  for probe in "$readyz" "$healthz"; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$root/tls/ca.crt" \
      "https://127.0.0.1:$port$probe" 2>"$root/curl.err")
    if [ "$code" = 200 ]; then ok; else bad "$name: GET $probe over HTTPS answered '$code' $(cat "$root/curl.err")"; fi
  done
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  pid=""
  if [ "$rc" -eq 0 ]; then ok; else bad "$name: exit status $rc after SIGTERM (want 0)"; fi
  if grep -q "$token" "$root/log"; then bad "$name: the inventory token appears in the log"; else ok; fi
  if python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if lines and all(json.loads(l) is not None for l in lines) else 1)' "$root/log" 2>/dev/null; then
    ok
  else
    bad "$name: --log-format json but the log has non-JSON lines: $(head -c 500 "$root/log")"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
