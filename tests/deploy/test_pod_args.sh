#!/usr/bin/env bash
# The Deployment's container, run for real: host-webhook started with exactly the args and policy
# the rendered manifests give it (in-pod paths moved to a temp dir, loopback only) must start,
# answer the readiness and liveness probes over HTTPS, log JSON, and stop cleanly on SIGTERM as the
# kubelet sends it. Catches a renamed flag or a policy key the server refuses before a cluster does.
#
# An install that uses the Kubernetes API (the default one: self-managed certificates, Forklift's
# inventory CA Secret) gets a mock API (host-harness serve-kube) holding what applying the
# rendering creates, and a kubeconfig in place of the pod's service account: it must make its
# certificates, become ready serving them for the Service's name under the CA it wrote into both
# webhook configurations, and never log the token or a private key.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${BIN_DIR:-$src/build/bin}

if [ ! -x "$bin/host-webhook" ] || [ ! -x "$bin/host-harness" ]; then
  echo "SKIP: $bin/host-webhook or host-harness is not built (run make build)"
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
pid="" kube_pid=""
cleanup() {
  [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
  [ -z "$kube_pid" ] || kill -KILL "$kube_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}
ok() { passed=$((passed + 1)); }

# wait_for_line FILE REGEX PID: the first match of REGEX in FILE, waiting while PID runs (bounded:
# startup, not speed, is what's checked).
wait_for_line() {
  local file=$1 re=$2 p=$3 got=""
  for _ in $(seq 1 400); do
    got=$(grep -o "$re" "$file" | head -1)
    [ -n "$got" ] && break
    kill -0 "$p" 2>/dev/null || break
    sleep 0.05
  done
  echo "$got"
}

# start_kube ROOT NAMESPACE: serve-kube with ROOT/kube-objects.json, and ROOT/kubeconfig for it.
start_kube() {
  local root=$1 ns=$2 kport
  mkdir -p "$root/kube-certs"
  "$src/certs/make-certs.sh" --out "$root/kube-certs" --service localhost --ip 127.0.0.1 >/dev/null 2>&1
  echo "kube-token-$RANDOM$RANDOM" >"$root/kube-token"
  "$bin/host-harness" serve-kube --objects "$root/kube-objects.json" --listen 127.0.0.1:0 \
    --tls-cert "$root/kube-certs/tls.crt" --tls-key "$root/kube-certs/tls.key" \
    --token-file "$root/kube-token" >"$root/kube.log" 2>&1 &
  kube_pid=$!
  kport=$(wait_for_line "$root/kube.log" 'listening on https://127\.0\.0\.1:[0-9]*' "$kube_pid" | sed 's/.*://')
  [ -n "$kport" ] || return 1
  cat >"$root/kubeconfig" <<EOF
apiVersion: v1
kind: Config
current-context: pod
clusters:
- name: mock
  cluster: {server: "https://127.0.0.1:$kport", certificate-authority: "$root/kube-certs/ca.crt"}
contexts:
- name: pod
  context: {cluster: mock, user: pod, namespace: "$ns"}
users:
- name: pod
  user: {tokenFile: "$root/kube-token"}
EOF
  echo "$kport" >"$root/kube-port"
}

# kube_get ROOT PATH: an object from the mock API, JSON.
kube_get() {
  curl -sS --max-time 10 --cacert "$1/kube-certs/ca.crt" \
    -H "Authorization: Bearer $(cat "$1/kube-token")" "https://127.0.0.1:$(cat "$1/kube-port")$2"
}

# check_managed ROOT NAMESPACE PORT ARGS...: the self-managed certificate is served for the
# Service's name under the CA that both webhook configurations now carry.
check_managed() {
  local root=$1 ns=$2 port=$3 secret config service host
  shift 3
  secret=$(printf '%s\n' "$@" | sed -n 's/^--certificate-secret=//p')
  config=$(printf '%s\n' "$@" | sed -n 's/^--webhook-configuration=//p')
  service=$(printf '%s\n' "$@" | sed -n 's/^--service-name=//p')
  host=$service.$ns.svc
  kube_get "$root" "/api/v1/namespaces/$ns/secrets/$secret" |
    python3 -c 'import sys, json, base64; print(base64.b64decode(json.load(sys.stdin)["data"]["ca.crt"]).decode(), end="")' \
      >"$root/managed-ca.crt" || {
    bad "$name: Secret $ns/$secret holds no ca.crt"
    return
  }
  for kind in mutatingwebhookconfigurations validatingwebhookconfigurations; do
    if kube_get "$root" "/apis/admissionregistration.k8s.io/v1/$kind/$config" |
      python3 -c '
import sys, json, base64
cfg = json.load(sys.stdin)
ca = open(sys.argv[1], "rb").read()
sys.exit(0 if all(base64.b64decode(w["clientConfig"].get("caBundle", "")) == ca for w in cfg["webhooks"]) else 1)' \
        "$root/managed-ca.crt"; then ok; else bad "$name: $kind $config does not carry the Secret's CA"; fi
  done
  # As kube-apiserver dials it: the Service's name, verified with the caBundle.
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$root/managed-ca.crt" \
    --resolve "$host:$port:127.0.0.1" "https://$host:$port/readyz" 2>"$root/curl.err")
  if [ "$code" = 200 ]; then ok; else bad "$name: https://$host/readyz with the caBundle's CA answered '$code' $(cat "$root/curl.err")"; fi
}

for overlay in kubernetes cert-manager openshift; do
  name=$overlay
  root=$tmp/$name
  mkdir -p "$root/tls" "$root/inventory-ca"
  if ! kubectl kustomize "$src/deploy/overlays/$overlay" >"$root/rendered.yaml" 2>"$root/kustomize.err"; then
    bad "kubectl kustomize deploy/overlays/$overlay: $(cat "$root/kustomize.err")"
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
  kube_ns=$(sed -n 's/^kube //p' "$root/cmd")
  if [ -n "$kube_ns" ] && ! start_kube "$root" "$kube_ns"; then
    bad "$name: serve-kube did not start: $(head -c 2000 "$root/kube.log")"
    continue
  fi

  "$bin/host-webhook" "${args[@]}" >"$root/log" 2>&1 &
  pid=$!
  port=$(wait_for_line "$root/log" 'listening on https://127\.0\.0\.1:[0-9]*' "$pid" | sed 's/.*://')
  if [ -z "$port" ]; then
    bad "$name: host-webhook did not start with the Deployment's args: $(head -c 2000 "$root/log")"
    kill -KILL "$pid" 2>/dev/null
    pid=""
    continue
  fi
  ok
  # The self-managed certificate is not the test's: readiness is asked without verification here,
  # and verified for the Service's name in check_managed.
  verify=(--cacert "$root/tls/ca.crt")
  [[ " ${args[*]} " == *" --manage-certificates "* ]] && verify=(--insecure)
  for probe in "$readyz" "$healthz"; do
    code=""
    for _ in $(seq 1 100); do
      code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "${verify[@]}" \
        "https://127.0.0.1:$port$probe" 2>"$root/curl.err")
      [ "$code" = 200 ] && break
      sleep 0.1
    done
    if [ "$code" = 200 ]; then ok; else bad "$name: GET $probe over HTTPS answered '$code' $(cat "$root/curl.err") $(tail -c 1500 "$root/log")"; fi
  done
  [[ " ${args[*]} " == *" --manage-certificates "* ]] && check_managed "$root" "$kube_ns" "$port" "${args[@]}"
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  pid=""
  if [ "$rc" -eq 0 ]; then ok; else bad "$name: exit status $rc after SIGTERM (want 0)"; fi
  if grep -q "$token" "$root/log"; then bad "$name: the inventory token appears in the log"; else ok; fi
  if [ -n "$kube_ns" ] && grep -q "$(cat "$root/kube-token")" "$root/log"; then
    bad "$name: the API token appears in the log"
  fi
  if grep -q "PRIVATE KEY" "$root/log"; then bad "$name: a private key appears in the log"; fi
  if python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if lines and all(json.loads(l) is not None for l in lines) else 1)' "$root/log" 2>/dev/null; then
    ok
  else
    bad "$name: --log-format json but the log has non-JSON lines: $(head -c 500 "$root/log")"
  fi
  if [ -n "$kube_pid" ]; then
    kill -TERM "$kube_pid" 2>/dev/null
    wait "$kube_pid" 2>/dev/null
    kube_pid=""
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
