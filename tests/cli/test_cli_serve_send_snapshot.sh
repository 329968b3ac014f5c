#!/usr/bin/env bash
# End to end, over real TLS on 127.0.0.1: `host-harness serve-inventory` answers like the fixture
# and obeys its faults; `snapshot` of it replays examples/ to the same verdicts as the original
# fixture; `send` drives a running host-webhook (fixture in-process, and the real HTTP inventory
# client + cache against serve-inventory) and its load mode reports percentiles.
# Env: SOURCE_DIR (repo), BIN_DIR (host-harness, host-webhook).
set -uo pipefail

SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN_DIR=${BIN_DIR:-$SOURCE_DIR/build/bin}
H=$BIN_DIR/host-harness
W=$BIN_DIR/host-webhook
EX=$SOURCE_DIR/examples
source "$(dirname "$0")/lib.sh"

for bin in "$H" "$W"; do
  [[ -x $bin ]] || { echo "missing $bin (build it first)" >&2; exit 1; }
done
command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

bash "$SOURCE_DIR/certs/make-certs.sh" --out "$work/certs" --service localhost --ip 127.0.0.1 \
  >/dev/null 2>&1 || { echo "make-certs.sh failed" >&2; exit 1; }
bash "$SOURCE_DIR/certs/make-certs.sh" --out "$work/other" --service localhost --ip 127.0.0.1 \
  >/dev/null 2>&1 || { echo "make-certs.sh failed" >&2; exit 1; }
CA=$work/certs/ca.crt
TOKEN=test-token-$$
echo "$TOKEN" >"$work/token"

# ---- serve-inventory over HTTPS with a token
"$H" serve-inventory --inventory "$EX/inventory.yaml" --listen 127.0.0.1:0 \
  --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" --token "$TOKEN" \
  >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
wait_for_line "$work/serve.out" '^listening on https://127\.0\.0\.1:[0-9]+$' >/dev/null ||
  { echo "serve-inventory did not start: $(cat "$work/serve.err")" >&2; exit 1; }
first=$(head -1 "$work/serve.out")
[[ $first =~ ^listening\ on\ (https://127\.0\.0\.1:[0-9]+)$ ]] && ok "first stdout line: $first" ||
  fail "first stdout line is '$first'"
INV=${first#listening on }

code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$@"; }
auth=(-H "Authorization: Bearer $TOKEN")
VS_UID=7d1c0c6e-0000-4000-8000-000000000001

expect_eq "no token -> 401" "$(code "$INV/providers?detail=1")" 401
expect_eq "wrong token -> 401" "$(code -H 'Authorization: Bearer nope' "$INV/providers?detail=1")" 401
expect_eq "token -> 200" "$(code "${auth[@]}" "$INV/providers?detail=1")" 200
body=$(curl -s --cacert "$CA" "${auth[@]}" "$INV/providers?detail=1&namespace=demo")
python3 - "$body" <<'EOF' && ok "providers map by type from the fixture" || fail "providers answer: $body"
import json, sys
b = json.loads(sys.argv[1])
names = {p["name"] for p in b["vsphere"]}
assert "vsphere-provider" in names and "esxi-provider" in names, names
assert all(p["namespace"] == "demo" for t in b.values() for p in t)
EOF
hosts=$(curl -s --cacert "$CA" "${auth[@]}" "$INV/providers/vsphere/$VS_UID/hosts?detail=1")
python3 - "$hosts" <<'EOF' && ok "hosts of vsphere-provider with adapters" || fail "hosts answer: ${hosts:0:300}"
import json, sys
hs = json.loads(sys.argv[1])
h = [h for h in hs if h["id"] == "host-10"][0]
assert any(a["ipAddress"] == "192.168.1.10" for a in h["networkAdapters"])
EOF
hdr=$(curl -s -D - -o /dev/null --cacert "$CA" "${auth[@]}" "$INV/providers/vsphere/no-such-uid/hosts")
[[ $hdr == *" 404"* && $hdr == *"ProviderNotFound"* ]] && ok "unknown uid -> 404 X-Reason" ||
  fail "unknown uid answer: $hdr"

# faults
fault() { curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -X POST -d "$1" "$INV/__faults"; }
for status in 500 503 206 401 403; do
  expect_eq "fault status $status accepted" "$(fault "{\"status\": $status}")" 200
  expect_eq "fault status $status answered" "$(code "${auth[@]}" "$INV/providers?detail=1")" "$status"
done
fault '{"status": 403, "errorMessage": "may not list providers"}' >/dev/null
hdr=$(curl -s -D - -o /dev/null --cacert "$CA" "${auth[@]}" "$INV/providers")
[[ $hdr == *" 403"* && $hdr == *"forklift-error-message: may not list providers"* ]] &&
  ok "403 carries forklift-error-message" || fail "403 answer: $hdr"
# A provider still loading fails the detailed listing of its namespace, not the plain one.
fault '{"loading": ["demo/vsphere-provider"]}' >/dev/null
expect_eq "loading: detail=1 listing -> 500" "$(code "${auth[@]}" "$INV/providers?detail=1&namespace=demo")" 500
expect_eq "loading: detail=0 listing -> 200" "$(code "${auth[@]}" "$INV/providers?namespace=demo")" 200
expect_eq "loading: other namespace -> 200" \
  "$(code "${auth[@]}" "$INV/providers/vsphere?detail=1&namespace=production")" 200
# Not in parity: every route under the provider waits, then answers 206.
fault '{"unsynced": ["'$VS_UID'"], "syncDelayMs": 400}' >/dev/null
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --cacert "$CA" "${auth[@]}" \
  "$INV/providers/vsphere/$VS_UID/hosts/host-10")
python3 -c "import sys; c, s = sys.argv[1].split(); sys.exit(0 if c == '206' and float(s) >= 0.4 else 1)" "$t" &&
  ok "unsynced: 206 after syncDelayMs ($t)" || fail "unsynced answer: $t"
# The seven-key provider map; a provider Forklift has not validated is not listed.
body=$(curl -s --cacert "$CA" "${auth[@]}" "$INV/providers?namespace=demo")
python3 - "$body" <<'EOF' && ok "seven-key map without unvalidated providers" || fail "providers: $body"
import json, sys
b = json.loads(sys.argv[1])
assert sorted(b) == sorted(["openshift", "vsphere", "ovirt", "openstack", "ova", "ec2", "hyperv"]), b
assert "vsphere-unvalidated" not in {p["name"] for p in b["vsphere"]}, b
EOF
fault '{"drop": true}' >/dev/null
curl -s --cacert "$CA" "${auth[@]}" "$INV/providers?detail=1" >/dev/null
rc=$?
[[ $rc == 52 || $rc == 56 || $rc == 35 ]] && ok "drop closes the connection (curl exit $rc)" ||
  fail "drop: curl exit $rc, want 52/56 (no answer)"
fault '{"latencyMs": 300}' >/dev/null
t=$(curl -s -o /dev/null -w '%{time_total}' --cacert "$CA" "${auth[@]}" "$INV/providers")
python3 -c "import sys; sys.exit(0 if float('$t') >= 0.3 else 1)" && ok "latencyMs delays the answer" ||
  fail "latencyMs 300 answered in ${t}s"
expect_eq "bad fault key -> 400" "$(fault '{"latency": 1}')" 400
expect_eq "{} clears faults" "$(fault '{}')" 200
expect_eq "cleared -> 200" "$(code "${auth[@]}" "$INV/providers")" 200
curl -s --cacert "$CA" -X POST -d "" "$INV/__requests/reset" >/dev/null
code "${auth[@]}" "$INV/providers/vsphere/$VS_UID/hosts" >/dev/null
code "${auth[@]}" "$INV/providers/vsphere/$VS_UID/hosts/host-10" >/dev/null
code "${auth[@]}" "$INV/providers?detail=1" >/dev/null
expect_eq "/__requests counts by kind" \
  "$(curl -s --cacert "$CA" "$INV/__requests")" '{"host":1,"hosts":1,"provider":0,"providers":1,"total":3}'

# ---- snapshot
"$H" snapshot --inventory-url "$INV" --inventory-ca "$CA" --inventory-token-file "$work/token" >"$work/snap.yaml" \
  2>"$work/snap.err"
expect_eq "snapshot exit" $? 0
"$H" replay --inventory "$EX/inventory.yaml" -o json "$EX/hosts" "$EX/denied" >"$work/orig.json"
"$H" replay --inventory "$work/snap.yaml" -o json "$EX/hosts" "$EX/denied" >"$work/snap.json"
python3 - "$work/orig.json" "$work/snap.json" <<'EOF' && ok "snapshot replays examples/ to the same verdicts" || fail "snapshot verdicts differ"
import json, sys
a, b = (json.load(open(p))["results"] for p in sys.argv[1:3])
key = lambda rs: {r["source"]: (r["allowed"], sorted(r["rules"])) for r in rs}
ka, kb = key(a), key(b)
assert len(ka) > 10, len(ka)
for s in ka:
    if ka[s] != kb.get(s):
        print(s, ka[s], kb.get(s), file=sys.stderr)
        sys.exit(1)
EOF
head -c 15 "$work/snap.yaml" | grep -q '^{"providers":\[' && ok "snapshot writes JSON by default" ||
  fail "snapshot output starts: $(head -c 80 "$work/snap.yaml")"
"$H" snapshot --inventory-url "$INV" --inventory-ca "$CA" --inventory-token-file "$work/token" -o yaml \
  >"$work/snap-yaml.yaml" 2>/dev/null
expect_eq "snapshot -o yaml exit" $? 0
head -1 "$work/snap-yaml.yaml" | grep -q '^# Recorded by host-harness snapshot from' &&
  ok "snapshot -o yaml writes YAML" || fail "snapshot -o yaml: $(head -c 200 "$work/snap-yaml.yaml")"
"$H" replay --inventory "$work/snap-yaml.yaml" -o json "$EX/hosts" "$EX/denied" >"$work/snap-yaml.json"
python3 - "$work/snap.json" "$work/snap-yaml.json" <<'EOF' && ok "the YAML snapshot replays to the same verdicts" || fail "YAML snapshot verdicts differ"
import json, sys
a, b = (json.load(open(p))["results"] for p in sys.argv[1:3])
key = lambda rs: [(r["source"], r["allowed"], sorted(r["rules"])) for r in rs]
sys.exit(0 if len(a) > 10 and key(a) == key(b) else 1)
EOF
# Recorded -> served -> recorded again gives the same bytes.
"$H" serve-inventory --inventory "$work/snap.yaml" --listen 127.0.0.1:0 \
  --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" >"$work/serve-snap.out" 2>&1 &
pids+=("$!")
SNAP_INV=$(wait_for_line "$work/serve-snap.out" 'https://127\.0\.0\.1:[0-9]+') ||
  fail "serve-inventory of the snapshot did not start: $(cat "$work/serve-snap.out")"
"$H" snapshot --inventory-url "$SNAP_INV" --inventory-ca "$CA" >"$work/snap2.json" 2>"$work/snap2.err"
expect_eq "snapshot of the served snapshot exit" $? 0
cmp -s "$work/snap.yaml" "$work/snap2.json" &&
  ok "snapshot -> serve-inventory -> snapshot is byte-identical" ||
  fail "round trip differs: $(diff "$work/snap.yaml" "$work/snap2.json" | head -c 600)"
"$H" snapshot --inventory-url "$INV" --inventory-ca "$CA" --provider esxi-provider --inventory-token-file "$work/token" \
  -o yaml >"$work/one.yaml" 2>/dev/null
grep -q 'name: esxi-provider' "$work/one.yaml" && ! grep -q 'name: vsphere-provider' "$work/one.yaml" &&
  ok "snapshot --provider keeps one provider" || fail "snapshot --provider: $(cat "$work/one.yaml")"
"$H" snapshot --inventory-url "$INV" --inventory-ca "$CA" >/dev/null 2>"$work/err"
rc=$?
expect_eq "snapshot without token exits 2" $rc 2
grep -q "401" "$work/err" && grep -q "$INV" "$work/err" && ok "snapshot error names URL and 401" ||
  fail "snapshot error: $(cat "$work/err")"
"$H" snapshot --inventory-url "$INV" --inventory-ca "$work/other/ca.crt" --inventory-token-file "$work/token" \
  >/dev/null 2>"$work/err"
expect_eq "snapshot with the wrong CA exits 2" $? 2
grep -q "$TOKEN" "$work/err" "$work/snap.err" && fail "a snapshot message shows the token" ||
  ok "no token in snapshot messages"
MTV_INVENTORY_URL=$INV "$H" snapshot --inventory-ca "$CA" --inventory-token-file "$work/token" >/dev/null 2>&1
expect_eq "snapshot takes MTV_INVENTORY_URL" $? 0

# ---- send against host-webhook with the in-process fixture
# Sets WEBHOOK_URL; not run in a $(...) subshell so that its pid reaches the cleanup list.
start_webhook() {  # name, extra flags...
  local name=$1
  shift
  "$W" --listen 127.0.0.1:0 --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
    --log-format text "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=("$!")
  local line=""
  for _ in $(seq 100); do
    line=$(cat "$work/$name.out" "$work/$name.err" 2>/dev/null |
      grep -o -m1 -E 'listening on https://127\.0\.0\.1:[0-9]+')
    [[ -n $line ]] && break
    sleep 0.1
  done
  [[ -n $line ]] || { echo "host-webhook did not start: $(cat "$work/$name.err")" >&2; exit 1; }
  WEBHOOK_URL=${line#listening on }
}
start_webhook fixture --inventory-fixture "$EX/inventory.yaml"
WH=$WEBHOOK_URL

"$H" send --webhook "$WH" --ca "$CA" -o json "$EX/hosts/adapter-lookup.yaml" >"$work/send.json" \
  2>"$work/send.err"
expect_eq "send adapter-lookup exit" $? 0
python3 - "$work/send.json" <<'EOF' && ok "adapter-lookup admitted with a patch filling the IP" || fail "send json: $(head -c 600 "$work/send.json")"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
assert r["allowed"] is True
paths = {p["path"] for p in r["patch"]}
assert "/spec/ipAddress" in paths, paths
assert r["object"]["spec"]["ipAddress"] == "192.168.1.10"
EOF
"$H" send --webhook "$WH" --ca "$CA" --dry-run "$EX/denied" >/dev/null 2>&1
expect_eq "send denied examples exits 1" $? 1
"$H" send --webhook "$WH" --ca "$CA" --operation UPDATE "$EX/hosts/direct-ip.yaml" >/dev/null 2>&1
expect_eq "send UPDATE exit" $? 0
"$H" send --webhook "$WH" --ca "$CA" --repeat 50 --concurrency 4 -o json \
  "$EX/hosts/adapter-lookup.yaml" >"$work/load.json" 2>"$work/load.err"
expect_eq "load mode exit" $? 0
python3 - "$work/load.json" <<'EOF' && ok "load mode reports throughput and percentiles" || fail "load json: $(cat "$work/load.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["requests"] == 50 and r["errors"] == 0 and r["throughput"] > 0
l = r["latencyMs"]
assert 0 < l["p50"] <= l["p90"] <= l["p99"] <= l["max"]
EOF
"$H" send --webhook "$WH" --ca "$CA" --repeat 5 "$EX/hosts/adapter-lookup.yaml" >"$work/load.txt" 2>&1
grep -q "p50" "$work/load.txt" && grep -q "p99" "$work/load.txt" && grep -q "req/s" "$work/load.txt" &&
  ok "load mode table" || fail "load table: $(cat "$work/load.txt")"
"$H" send --webhook "$WH" --ca "$work/other/ca.crt" "$EX/hosts/adapter-lookup.yaml" >/dev/null \
  2>"$work/err"
expect_eq "send with the wrong CA exits 2" $? 2
grep -q "$WH" "$work/err" && ok "send connection error names the URL" || fail "send error: $(cat "$work/err")"
"$H" send --webhook "$WH" "$EX/hosts/adapter-lookup.yaml" >/dev/null 2>&1
expect_eq "send without --ca exits 2" $? 2

# ---- host-webhook through the real inventory client and cache, against serve-inventory
start_webhook remote --inventory-url "$INV" --inventory-ca "$CA" --inventory-token-file "$work/token"
WH2=$WEBHOOK_URL
curl -s --cacert "$CA" -X POST -d "" "$INV/__requests/reset" >/dev/null
"$H" send --webhook "$WH2" --ca "$CA" "$EX/hosts/adapter-lookup.yaml" "$EX/hosts/adapter-lookup.yaml" \
  "$EX/hosts/direct-ip.yaml" >"$work/remote.txt" 2>&1
expect_eq "send via the HTTP inventory exit" $? 0
counts=$(curl -s --cacert "$CA" "$INV/__requests")
python3 - "$counts" <<'EOF' && ok "cache: one call per answer for 3 Hosts ($counts)" || fail "inventory fetches: $counts"
import json, sys
c = json.loads(sys.argv[1])
# listing, provider, host by name (adapter-lookup, twice), host by id (direct-ip)
assert c["providers"] == 1 and c["provider"] == 1 and c["hosts"] == 1 and c["host"] == 1, c
EOF
fault '{"status": 500}' >/dev/null
"$H" send --webhook "$WH2" --ca "$CA" -o json "$EX/hosts/production-migration-network.yaml" \
  >"$work/unavail.json" 2>/dev/null
expect_eq "inventory 500 on a cold key -> denial (exit 1)" $? 1
grep -q "inventory-unavailable" "$work/unavail.json" && ok "denied with inventory-unavailable" ||
  fail "inventory 500: $(head -c 400 "$work/unavail.json")"
fault '{}' >/dev/null
# The 500 above is remembered for negativeTtl (5 s by default), so that production's provider
# does not cost a call per admission; wait it out so the key is cold again.
sleep 5.5
# Concurrent cold requests share one fetch. The load mode's probe request warms only the first
# document's provider (demo); production's provider is still cold when 50 connections hit it.
curl -s --cacert "$CA" -X POST -d "" "$INV/__requests/reset" >/dev/null
"$H" send --webhook "$WH2" --ca "$CA" --repeat 50 --concurrency 50 "$EX/hosts/adapter-lookup.yaml" \
  "$EX/hosts/production-migration-network.yaml" >"$work/cold.txt" 2>&1
expect_eq "concurrent cold load exit" $? 0
counts=$(curl -s --cacert "$CA" "$INV/__requests")
python3 - "$counts" <<'EOF2' && ok "50 concurrent cold requests: one call per answer ($counts)" || fail "cold fetches: $counts"
import json, sys
c = json.loads(sys.argv[1])
assert c["providers"] == 1 and c["provider"] == 1 and c["hosts"] + c["host"] == 1, c
EOF2

# ---- audit mode: replay against the live inventory with the webhook's own client
curl -s --cacert "$CA" -X POST -d "" "$INV/__requests/reset" >/dev/null
"$H" replay --inventory-url "$INV" --inventory-ca "$CA" --inventory-token-file "$work/token" -o json "$EX/hosts" "$EX/denied" \
  >"$work/audit.json" 2>"$work/audit.err"
expect_eq "audit of examples/ exits 1 (the denied ones)" $? 1
python3 - "$work/orig.json" "$work/audit.json" <<'EOF' && ok "audit gives the fixture's verdicts" || fail "audit verdicts differ: $(head -c 300 "$work/audit.err")"
import json, sys
a, b = (json.load(open(p))["results"] for p in sys.argv[1:3])
key = lambda rs: {r["source"]: (r["allowed"], sorted(r["rules"])) for r in rs}
ka, kb = key(a), key(b)
assert len(ka) > 10 and ka == kb, [(s, ka[s], kb.get(s)) for s in ka if ka[s] != kb.get(s)]
EOF
counts=$(curl -s --cacert "$CA" "$INV/__requests")
python3 - "$counts" "$work/audit.json" <<'EOF' && ok "audit: one provider list per namespace for the whole run ($counts)" || fail "audit fetches: $counts"
import json, sys
c = json.loads(sys.argv[1])
namespaces = {r["namespace"] for r in json.load(open(sys.argv[2]))["results"] if not r.get("skipped")}
assert 1 <= c["providers"] <= len(namespaces), (c, namespaces)
EOF
# `kubectl get hosts -A -o yaml | host-harness replay --inventory-url ... -`
{
  echo "apiVersion: v1"; echo "kind: List"; echo "items:"
  grep -v -e '^#' -e '^---' "$EX/hosts/direct-ip.yaml" | sed -e 's/^/  /' -e '1s/^  /- /'
} >"$work/list.yaml"
"$H" replay --inventory-url "$INV" --inventory-ca "$CA" --inventory-token-file "$work/token" -o json - <"$work/list.yaml" \
  >"$work/audit-list.json" 2>&1
expect_eq "audit of a List on stdin exits 0" $? 0
# The inventory URL from the environment, and host-harness's first flag spellings still accepted
# with a warning that names the new one.
MTV_INVENTORY_URL=$INV "$H" replay --ca "$CA" --token-file "$work/token" -o json - <"$work/list.yaml" \
  >"$work/audit-env.json" 2>"$work/audit-env.err"
expect_eq "replay takes MTV_INVENTORY_URL and the old spellings" $? 0
grep -q "warning: --ca is deprecated: use --inventory-ca" "$work/audit-env.err" &&
  grep -q "warning: --token-file is deprecated: use --inventory-token-file" "$work/audit-env.err" &&
  ok "old spellings warn with the new one" || fail "no deprecation warning: $(cat "$work/audit-env.err")"
grep -q '"source":"-#0.0"' "$work/audit-list.json" && ok "List item source -#0.0" ||
  fail "audit List: $(head -c 400 "$work/audit-list.json")"
"$H" replay --inventory-url "$INV" --inventory-ca "$CA" -o json "$EX/hosts/direct-ip.yaml" >"$work/notoken.json" 2>&1
expect_eq "audit without a token: a denial, not a crash" $? 1
grep -q "inventory-unavailable" "$work/notoken.json" && grep -q "401" "$work/notoken.json" &&
  ok "audit without a token says inventory-unavailable and 401" || fail "no token: $(head -c 400 "$work/notoken.json")"
grep -q "$TOKEN" "$work/audit.json" "$work/audit.err" "$work/audit-list.json" &&
  fail "audit output shows the token" || ok "no token in audit output"
"$H" replay --inventory-url "$INV" --inventory-ca "$CA" --inventory-insecure-skip-tls "$EX/hosts" >/dev/null 2>"$work/err"
expect_eq "audit with --ca and --insecure-skip-tls exits 2" $? 2
"$H" replay --inventory-url "not a url" "$EX/hosts" >/dev/null 2>"$work/err"
expect_eq "audit with a bad URL exits 2" $? 2
grep -q "not a url" "$work/err" && ok "bad URL message names it" || fail "bad URL: $(cat "$work/err")"

# ---- send --tls-server-name: the certificate names the Service, not the address (port-forward)
bash "$SOURCE_DIR/certs/make-certs.sh" --out "$work/svc" --service host-webhook \
  --namespace forklift-host-webhook >/dev/null 2>&1 || fail "make-certs.sh for the Service name"
"$W" --listen 127.0.0.1:0 --tls-cert "$work/svc/tls.crt" --tls-key "$work/svc/tls.key" \
  --inventory-fixture "$EX/inventory.yaml" >"$work/svc.out" 2>"$work/svc.err" &
pids+=("$!")
SVC_URL=""
for _ in $(seq 100); do
  SVC_URL=$(cat "$work/svc.out" "$work/svc.err" 2>/dev/null | grep -o -m1 -E 'https://127\.0\.0\.1:[0-9]+')
  [[ -n $SVC_URL ]] && break
  sleep 0.1
done
[[ -n $SVC_URL ]] || fail "host-webhook with the Service certificate did not start: $(cat "$work/svc.err")"
"$H" send --webhook "$SVC_URL" --ca "$work/svc/ca.crt" "$EX/hosts/direct-ip.yaml" >/dev/null 2>"$work/err"
expect_eq "send to 127.0.0.1 with a Service certificate exits 2" $? 2
grep -q "tls-server-name" "$work/err" && ok "the error points at --tls-server-name" || fail "send error: $(cat "$work/err")"
"$H" send --webhook "$SVC_URL" --ca "$work/svc/ca.crt" \
  --tls-server-name host-webhook.forklift-host-webhook.svc "$EX/hosts/direct-ip.yaml" >"$work/sni.txt" 2>&1
expect_eq "send --tls-server-name through 127.0.0.1" $? 0
"$H" send --webhook "$SVC_URL" --ca "$work/svc/ca.crt" --tls-server-name other.example.com \
  "$EX/hosts/direct-ip.yaml" >/dev/null 2>"$work/err"
expect_eq "send --tls-server-name with a name the certificate lacks exits 2" $? 2
grep -q "other.example.com" "$work/err" && ok "the error names the server name" || fail "sni error: $(cat "$work/err")"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
