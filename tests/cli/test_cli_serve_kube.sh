#!/usr/bin/env bash
# End to end, over real TLS on 127.0.0.1: `host-harness serve-kube` as a user starts it: seeded
# from a YAML stream and a List, answering with the API server's conventions, switching faults,
# refusing bad objects with FILE:LINE, stopping with 0 on SIGTERM.
# Env: SOURCE_DIR (repo), BIN_DIR (host-harness).
set -uo pipefail

SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN_DIR=${BIN_DIR:-$SOURCE_DIR/build/bin}
H=$BIN_DIR/host-harness
source "$(dirname "$0")/lib.sh"

[[ -x $H ]] || { echo "missing $H (build it first)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }
bash "$SOURCE_DIR/certs/make-certs.sh" --out "$work/certs" --service localhost --ip 127.0.0.1 \
  >/dev/null 2>&1 || { echo "make-certs.sh failed" >&2; exit 1; }
CA=$work/certs/ca.crt
TOKEN=serve-kube-token-$$
echo "$TOKEN" >"$work/token"

cat >"$work/objects.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: esxi, namespace: demo}
data: {user: dXNlcg==}
---
apiVersion: v1
kind: List
items:
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: h1, namespace: demo, labels: {team: a}}
  spec: {id: host-1}
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: h2, namespace: demo, labels: {team: b}}
  spec: {id: host-2}
YAML

"$H" serve-kube --objects "$work/objects.yaml" --listen 127.0.0.1:0 \
  --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" --token-file "$work/token" \
  >"$work/out" 2>"$work/err" &
pid=$!
pids+=("$pid")
url=$(wait_for_line "$work/out" 'https://127\.0\.0\.1:[0-9]+') || { cat "$work/err"; exit 1; }
api() { curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$@"; }

expect_eq "a seeded Secret" "$(api "$url/api/v1/namespaces/demo/secrets/esxi" | json 'd["data"]["user"]')" "dXNlcg=="
expect_eq "a List's items, selected by label" \
  "$(api "$url/apis/forklift.konveyor.io/v1beta1/namespaces/demo/hosts?labelSelector=team%3Db" | json '[i["metadata"]["name"] for i in d["items"]]')" "['h2']"
expect_eq "the namespace made for them" "$(api "$url/api/v1/namespaces/demo" | json 'd["kind"]')" "Namespace"
expect_eq "no token: 401" "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$url/api/v1/namespaces")" "401"
expect_eq "404 Status" "$(api "$url/api/v1/namespaces/demo/secrets/nope" | json 'd["message"]')" 'secrets "nope" not found'

curl -s --cacert "$CA" -X POST -d '{"rules":[{"verb":"get","resource":"secrets","status":403}]}' "$url/__faults" >/dev/null
expect_eq "a 403 fault" "$(api "$url/api/v1/namespaces/demo/secrets/esxi" | json 'd["reason"]')" "Forbidden"
curl -s --cacert "$CA" -X POST -d '{}' "$url/__faults" >/dev/null
expect_eq "faults cleared" "$(api -o /dev/null -w '%{http_code}' "$url/api/v1/namespaces/demo/secrets/esxi")" "200"

# A watch from before a compaction gets one ERROR event with a 410 Status.
rv=$(api "$url/apis/forklift.konveyor.io/v1beta1/namespaces/demo/hosts" | json 'd["metadata"]["resourceVersion"]')
api -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"id":"host-9"}}' \
  "$url/apis/forklift.konveyor.io/v1beta1/namespaces/demo/hosts/h1" >/dev/null
curl -s --cacert "$CA" -X POST -d '' "$url/__compact" >/dev/null
expect_eq "watch from a compacted version" \
  "$(api --max-time 10 "$url/apis/forklift.konveyor.io/v1beta1/namespaces/demo/hosts?watch=1&resourceVersion=$rv" | head -1 | json 'd["type"] + " " + str(d["object"]["code"])')" "ERROR 410"

# The token file is followed: after a rotation the old token is refused.
echo "rotated-$TOKEN" >"$work/token.new" && mv "$work/token.new" "$work/token"
expect_eq "old token after rotation" "$(api -o /dev/null -w '%{http_code}' "$url/api/v1/namespaces")" "401"
expect_eq "request log has no token" "$(curl -s --cacert "$CA" "$url/__requests" | grep -c "$TOKEN")" "0"

kill -TERM "$pid"
wait "$pid"
expect_eq "SIGTERM exits 0" "$?" "0"

# A bad object stops start-up: exit 2, the file and line named.
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: demo}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' >"$work/bad.yaml"
"$H" serve-kube --objects "$work/bad.yaml" >"$work/out2" 2>"$work/err2"
expect_eq "a bad object exits 2" "$?" "2"
grep -q "bad.yaml:5: unknown apiVersion/kind 'example.com/v1/Widget'" "$work/err2" &&
  ok "the bad object's FILE:LINE" || fail "no FILE:LINE in: $(cat "$work/err2")"
"$H" serve-kube --tls-cert x >/dev/null 2>"$work/err3"
expect_eq "--tls-cert without --tls-key exits 2" "$?" "2"

[[ $failures -eq 0 ]] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all serve-kube checks passed"
