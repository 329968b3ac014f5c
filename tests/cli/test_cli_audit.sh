#!/usr/bin/env bash
# End to end, over real TLS on 127.0.0.1: `host-harness audit` against `host-harness serve-kube`
# holding Hosts and the example inventory: each output format, and the exit codes a CI job
# branches on (0 no fail, 1 a fail, 2 no cluster or bad usage).
# Env: SOURCE_DIR (repo), BIN_DIR (host-harness).
set -uo pipefail

SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN_DIR=${BIN_DIR:-$SOURCE_DIR/build/bin}
H=$BIN_DIR/host-harness
source "$(dirname "$0")/lib.sh"


[[ -x $H ]] || { echo "missing $H (build it first)" >&2; exit 1; }
bash "$SOURCE_DIR/certs/make-certs.sh" --out "$work/certs" --service localhost --ip 127.0.0.1 \
  >/dev/null 2>&1 || { echo "make-certs.sh failed" >&2; exit 1; }
TOKEN=audit-token-$$
echo "$TOKEN" >"$work/token"

# Two Hosts in demo: one every rule passes (host-10 of examples/inventory.yaml on its management
# address), one whose provider left the inventory.
cat >"$work/objects.yaml" <<'YAML'
apiVersion: v1
kind: List
items:
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: good, namespace: demo}
  spec:
    provider: {name: vsphere-provider, namespace: demo}
    id: host-10
    ipAddress: 192.168.1.10
    secret: {name: host-secret, namespace: demo}
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: orphan, namespace: demo}
  spec:
    provider: {name: deleted-provider, namespace: demo}
    id: host-10
    ipAddress: 192.168.1.10
    secret: {name: host-secret, namespace: demo}
YAML

"$H" serve-kube --objects "$work/objects.yaml" --listen 127.0.0.1:0 \
  --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" --token-file "$work/token" \
  >"$work/out" 2>"$work/err" &
pids+=("$!")
url=$(wait_for_line "$work/out" 'https://127\.0\.0\.1:[0-9]+') || { cat "$work/err"; exit 1; }
cat >"$work/kubeconfig" <<EOF2
apiVersion: v1
kind: Config
current-context: ci
clusters:
- name: mock
  cluster: {server: "$url", certificate-authority: "$work/certs/ca.crt"}
contexts:
- name: ci
  context: {cluster: mock, user: ci}
users:
- name: ci
  user: {tokenFile: "$work/token"}
EOF2
INV=$SOURCE_DIR/examples/inventory.yaml
audit() { "$H" audit --kubeconfig "$work/kubeconfig" --inventory "$INV" "$@"; }

audit -o json >"$work/all.json" 2>"$work/all.err"
expect_eq "a fail exits 1" "$?" "1"
expect_eq "json summary" "$(json 'sorted(d["summary"].items())' <"$work/all.json")" "[('fail', 1), ('pass', 1), ('warn', 0)]"
expect_eq "json results" \
  "$(json '[(r["namespace"], r["name"], r["rule"], r["result"]) for r in d["results"]]' <"$work/all.json")" \
  "[('demo', 'good', 'admission', 'pass'), ('demo', 'orphan', 'provider-not-found', 'fail')]"

audit >"$work/table" 2>&1
expect_eq "table exits 1 too" "$?" "1"
grep -q -E '^demo +orphan +provider-not-found +fail ' "$work/table" && ok "table row" ||
  fail "table row missing: $(cat "$work/table")"
grep -q '^1 pass, 1 fail, 0 warn$' "$work/table" && ok "table summary" ||
  fail "table summary: $(cat "$work/table")"

audit -o policyreport >"$work/reports.json"
expect_eq "one PolicyReport per namespace" \
  "$(json '[(i["kind"], i["metadata"]["namespace"], i["metadata"]["name"], i["summary"]["fail"]) for i in d["items"]]' <"$work/reports.json")" \
  "[('PolicyReport', 'demo', 'host-webhook', 1)]"

# Fixed: nothing fails, exit 0.
curl -s --cacert "$work/certs/ca.crt" -H "Authorization: Bearer $TOKEN" -X DELETE \
  "$url/apis/forklift.konveyor.io/v1beta1/namespaces/demo/hosts/orphan" >/dev/null
audit -o json >"$work/fixed.json"
expect_eq "no fail exits 0" "$?" "0"
expect_eq "-n limits the namespace" "$(audit -n prod -o json | json 'd["results"]')" "[]"

"$H" audit --inventory "$INV" >/dev/null 2>"$work/nocluster.err"
expect_eq "no cluster: exit 2" "$?" "2"
grep -q -- '--kubeconfig' "$work/nocluster.err" && ok "the message names --kubeconfig" ||
  fail "no-cluster message: $(cat "$work/nocluster.err")"
"$H" audit --kubeconfig "$work/kubeconfig" >/dev/null 2>"$work/noinv.err"
expect_eq "no inventory: exit 2" "$?" "2"
"$H" audit --kubeconfig "$work/kubeconfig" --inventory "$INV" -o yaml >/dev/null 2>&1
expect_eq "an unknown format: exit 2" "$?" "2"

# The API refuses: exit 2 with the reason, never the token.
echo wrong >"$work/token2"
sed "s#$work/token#$work/token2#" "$work/kubeconfig" >"$work/kubeconfig2"
"$H" audit --kubeconfig "$work/kubeconfig2" --inventory "$INV" >/dev/null 2>"$work/denied.err"
expect_eq "a refused list: exit 2" "$?" "2"
grep -q 'listing Hosts' "$work/denied.err" && ok "the message says what failed" ||
  fail "refused-list message: $(cat "$work/denied.err")"
grep -q "$TOKEN" "$work/denied.err" "$work/all.err" && fail "a token reached stderr"

[[ $failures -eq 0 ]] || { echo "$failures failure(s)" >&2; exit 1; }
echo "all passed"
