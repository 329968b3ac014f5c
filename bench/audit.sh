#!/usr/bin/env bash
# One audit pass over N stored Hosts (default 5,000), the pass host-webhook runs every
# --audit-interval, run once by `host-harness audit`: the Hosts stored in `host-harness
# serve-kube` (listed in pages of 500), judged against `host-harness serve-inventory` serving one
# provider with N hosts of real size (about 10 KB each, bench/gen/fixture.py) over HTTPS, through
# the webhook's HTTP client and cache.
# Measures: wall time of the pass, the inventory calls it made by kind (serve-inventory's
# count), and the audit process's peak RSS. The pass decides one Host after the other through the
# cache, so there is never more than one call in flight and no answer is fetched twice: one
# provider listing per namespace, one provider, one host lookup per distinct host id (the
# inventory has no call that returns a provider's hosts by id in one answer). Every 7th Host
# names a provider that is gone (a `fail`), every 11th an address its host does not have.
# Writes bench/results/audit.json.
source "$(dirname "$0")/lib.sh"
need_binaries
warn_if_busy
busy=$(machine_busy)
N=${BENCH_HOSTS:-5000}
make_certs

python3 "$BENCH_DIR/gen/fixture.py" "$N" >"$WORK/fixture.json"
start_inventory "$WORK/fixture.json"

# The stored Hosts, as one List for serve-kube --objects.
python3 - "$N" >"$WORK/hosts.json" <<'PY'
import json, sys
n = int(sys.argv[1])
items = []
for i in range(n):
    a, b = divmod(i, 250)
    ip = f"192.168.{a}.{b}" if i % 11 else "203.0.113.7"
    provider = "vsphere-provider" if i % 7 else "retired-provider"
    items.append({"apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Host",
                  "metadata": {"name": f"host-{i}", "namespace": "demo"},
                  "spec": {"provider": {"name": provider, "namespace": "demo"},
                           "id": f"host-{i}", "ipAddress": ip,
                           "secret": {"name": "host-secret", "namespace": "demo"}}})
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout)
PY
kube_log=$WORK/kube.log
"$BIN/host-harness" serve-kube --objects "$WORK/hosts.json" --listen 127.0.0.1:0 \
  --tls-cert "$CERTS/tls.crt" --tls-key "$CERTS/tls.key" --token-file "$INV_TOKEN_FILE" \
  >"$kube_log" 2>&1 &
KUBE_PID=$!
STARTED_PIDS+=("$KUBE_PID")
KUBE_URL=https://127.0.0.1:$(wait_for_port "$kube_log" "$KUBE_PID")
cat >"$WORK/kubeconfig" <<YAML
apiVersion: v1
kind: Config
current-context: bench
clusters:
- name: mock
  cluster: {server: "$KUBE_URL", certificate-authority: "$CERTS/ca.crt"}
contexts:
- name: bench
  context: {cluster: mock, user: bench}
users:
- name: bench
  user: {tokenFile: "$INV_TOKEN_FILE"}
YAML

curl -skf -X POST -d '' "$INV_URL/__requests/reset" >/dev/null
set +e
/usr/bin/time -f '%e %M' -o "$WORK/time" "$BIN/host-harness" audit --kubeconfig "$WORK/kubeconfig" \
  --inventory-url "$INV_URL" --inventory-ca "$CERTS/ca.crt" \
  --inventory-token-file "$INV_TOKEN_FILE" --policy "$BENCH_DIR/policy.yaml" -o json \
  >"$WORK/audit.json" 2>"$WORK/audit.err"
code=$?
set -e
[ "$code" -le 1 ] || { cat "$WORK/audit.err" >&2; die "host-harness audit failed ($code)"; }
read -r wall rss_kb < <(tail -n 1 "$WORK/time")
calls=$(curl -sk "$INV_URL/__requests")

python3 - "$N" "$wall" "$rss_kb" "$busy" "$WORK/audit.json" "$RESULTS/audit.json" "$calls" <<'PY'
import json, sys
n, wall, rss_kb, busy = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
audit = json.load(open(sys.argv[5]))
calls = json.loads(sys.argv[7])
total = calls.get("total")
out = {"hosts": n, "results": len(audit["results"]), "summary": audit["summary"],
       "wall_seconds": wall, "hosts_per_second": round(n / wall, 1) if wall else None,
       "inventory_calls": calls, "peak_rss_mb": round(rss_kb / 1024, 1),
       "busy_compilers": int(busy or 0)}
json.dump(out, open(sys.argv[6], "w"), indent=2)
print(f"audit pass over {n} Hosts: {wall:.2f} s wall, {out['hosts_per_second']} Hosts/s, "
      f"inventory calls {calls}, peak RSS {out['peak_rss_mb']} MB; summary {audit['summary']}")
# No answer fetched twice: one listing, one provider, a host lookup per Host of a known provider.
bound = 2 + sum(1 for i in range(n) if i % 7)
if total is None or total > bound:
    sys.exit(f"FAIL: {total} inventory calls for one pass, more than the {bound} distinct lookups")
PY
