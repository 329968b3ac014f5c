#!/usr/bin/env bash
# A real-size inventory through the record-once, replay-often loop, over real TLS on 127.0.0.1:
# a generated vCenter of real-size hosts (about 10 KB each at full detail; 2,000 of them make a
# 20 MB fixture, past the 16 MB the YAML reader takes) is served by serve-inventory, recorded by
# snapshot, and the recording is served and recorded again. The two recordings must be the same
# bytes, hold the generated hosts unchanged, and be read by replay, test and serve-inventory.
# Env: SOURCE_DIR (repo), BIN_DIR (host-harness); SNAPSHOT_HOSTS (default 2000).
set -uo pipefail

SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN_DIR=${BIN_DIR:-$SOURCE_DIR/build/bin}
H=$BIN_DIR/host-harness
HOSTS=${SNAPSHOT_HOSTS:-2000}
source "$(dirname "$0")/lib.sh"

[[ -x $H ]] || { echo "missing $H (build it first)" >&2; exit 1; }
bash "$SOURCE_DIR/certs/make-certs.sh" --out "$work/certs" --service localhost --ip 127.0.0.1 \
  >/dev/null 2>&1 || { echo "make-certs.sh failed" >&2; exit 1; }
CA=$work/certs/ca.crt

# serve NAME FIXTURE: starts serve-inventory over TLS; sets URL (60 s at most: a large fixture
# takes a moment to read on a busy machine).
serve() {
  "$H" serve-inventory --inventory "$2" --listen 127.0.0.1:0 --tls-cert "$work/certs/tls.crt" \
    --tls-key "$work/certs/tls.key" >"$work/$1.out" 2>"$work/$1.err" &
  pids+=("$!")
  URL=""
  for _ in $(seq 600); do
    URL=$(grep -o -m1 -E 'https://127\.0\.0\.1:[0-9]+' "$work/$1.out" 2>/dev/null) && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "serve-inventory $2 did not start: $(cat "$work/$1.err")" >&2
  exit 1
}

python3 "$SOURCE_DIR/bench/gen/fixture.py" "$HOSTS" >"$work/generated.json"
size=$(stat -c %s "$work/generated.json")
((size > 16 << 20)) && ok "generated fixture: $HOSTS hosts, $size bytes (past the YAML limit)" ||
  fail "generated fixture is only $size bytes; raise SNAPSHOT_HOSTS"

serve generated "$work/generated.json"
"$H" snapshot --inventory-url "$URL" --inventory-ca "$CA" --timeout 120s >"$work/first.json" 2>"$work/first.err"
[[ $? == 0 ]] && ok "snapshot of $HOSTS real-size hosts" || fail "snapshot: $(cat "$work/first.err")"

serve recorded "$work/first.json"
"$H" snapshot --inventory-url "$URL" --inventory-ca "$CA" --timeout 120s >"$work/second.json" 2>"$work/second.err"
[[ $? == 0 ]] && ok "snapshot of the served snapshot" || fail "second snapshot: $(cat "$work/second.err")"
cmp -s "$work/first.json" "$work/second.json" &&
  ok "snapshot -> serve-inventory -> snapshot is byte-identical at real size" ||
  fail "the two recordings differ: $(cmp "$work/first.json" "$work/second.json")"

python3 - "$work/generated.json" "$work/first.json" "$HOSTS" <<'EOF' &&
import json, sys
gen = json.load(open(sys.argv[1]))["providers"][0]
rec = json.load(open(sys.argv[2]))["providers"]
assert len(rec) == 1, len(rec)
rec = rec[0]
for key in ("name", "namespace", "uid", "type", "sdkEndpoint", "secret"):
    assert rec[key] == gen[key], (key, rec[key], gen[key])
assert len(rec["hosts"]) == int(sys.argv[3]), len(rec["hosts"])
# Every key of every host, unknown ones included, as generated (the served selfLink is dropped).
for g, r in zip(gen["hosts"], rec["hosts"]):
    assert g == r, (g["id"], sorted(set(g) ^ set(r)))
EOF
  ok "the recording holds every generated host unchanged" || fail "recorded hosts differ from the generated ones"

# The recording is read by replay and test at this size.
cat >"$work/host.yaml" <<'EOF'
apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata:
  name: host-5
  namespace: demo
  annotations:
    forklift.konveyor.io/network-adapter: Management Network
spec:
  id: host-5
  provider:
    name: vsphere-provider
EOF
"$H" replay --inventory "$work/first.json" -o json "$work/host.yaml" >"$work/replay.json" 2>&1
rc=$?
python3 - "$work/replay.json" <<'EOF' && [[ $rc == 0 ]] &&
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
assert r["allowed"] and r["object"]["spec"]["ipAddress"] == "192.168.0.5", r
EOF
  ok "replay against the recording fills host-5's IP from its adapter" ||
  fail "replay (exit $rc): $(head -c 600 "$work/replay.json")"
cat >"$work/suite.yaml" <<EOF
inventory: first.json
cases:
  - name: host-5 gets its management IP
    manifest: host.yaml
    expect:
      allowed: true
      object: {spec: {ipAddress: 192.168.0.5}}
EOF
"$H" test "$work/suite.yaml" >"$work/test.out" 2>&1 && ok "test reads the recording as a suite's inventory" ||
  fail "test: $(cat "$work/test.out")"

# YAML of this size is recorded with a warning and refused by the readers with the fix.
"$H" snapshot --inventory-url "$URL" --inventory-ca "$CA" --timeout 120s -o yaml >"$work/big.yaml" \
  2>"$work/yaml.err"
grep -q -- "-o json" "$work/yaml.err" && ok "snapshot -o yaml past 16 MB warns to use -o json" ||
  fail "no warning for big YAML: $(cat "$work/yaml.err")"
"$H" serve-inventory --inventory "$work/big.yaml" >/dev/null 2>"$work/big.err"
rc=$?
[[ $rc == 2 ]] && grep -q "must be JSON" "$work/big.err" &&
  ok "a YAML fixture past 16 MB is refused with the fix" || fail "big YAML (exit $rc): $(cat "$work/big.err")"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
