#!/usr/bin/env bash
# Admission latency with every cluster check on against the inventory rules alone, same run:
# host-webhook without an API client (part 1 only), and host-webhook with --kubeconfig pointing
# at `host-harness serve-kube` (Secret get, Host watch, endpoint reach). Cold: the first admission
# of a fresh server (the inventory fetch, the Secret's read and the endpoint probe); warm: the
# percentiles of the next BENCH_CLUSTER_COUNT, one at a time on one keep-alive connection.
# Target: warm p50 with the cluster checks within 1.2x of part 1's.
#
# Loopback only: the inventory is examples/inventory.yaml with every adapter address rewritten to
# 127.0.0.x, so the endpoint check dials 127.0.0.x:443 (refused unless something listens there:
# a loopback answer all the same, cached as a failure for its 30 s).
# Writes bench/results/cluster-checks.json.
source "$(dirname "$0")/lib.sh"
need_binaries
warn_if_busy
busy=$(machine_busy)
COUNT=${BENCH_CLUSTER_COUNT:-2000}
ROUNDS=${BENCH_ROUNDS:-3}
make_certs

# The inventory on loopback addresses, and the objects the API serves: the providers' Secrets
# (with user and password) and their namespaces.
python3 - "$SRC/examples/inventory.yaml" "$WORK/inventory.yaml" "$WORK/objects.json" <<'PY'
import base64, json, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
n = 0
def loop(node):
    global n
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "ipAddress" and isinstance(v, str):
                n += 1
                node[k] = f"127.0.0.{n % 250 + 2}"
            else:
                loop(v)
    elif isinstance(node, list):
        for v in node:
            loop(v)
loop(doc)
yaml.safe_dump(doc, open(sys.argv[2], "w"))
b64 = lambda s: base64.b64encode(s.encode()).decode()
items, namespaces = [], set()
for p in doc.get("providers", []):
    s = p.get("secret") or {}
    for ns in (p.get("namespace"), s.get("namespace")):
        if ns:
            namespaces.add(ns)
    if s.get("name"):
        items.append({"apiVersion": "v1", "kind": "Secret",
                      "metadata": {"name": s["name"], "namespace": s.get("namespace") or p["namespace"]},
                      "data": {"user": b64("root"), "password": b64("bench-only")}})
items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
         for ns in sorted(namespaces)] + items
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(sys.argv[3], "w"))
PY

start_inventory "$WORK/inventory.yaml"
echo "bench-kube-token" >"$WORK/kube-token"
log=$WORK/kube.log
"$BIN/host-harness" serve-kube --listen 127.0.0.1:0 --tls-cert "$CERTS/tls.crt" \
  --tls-key "$CERTS/tls.key" --token-file "$WORK/kube-token" --objects "$WORK/objects.json" \
  >"$log" 2>&1 &
KUBE_PID=$!
STARTED_PIDS+=("$KUBE_PID")
KUBE_PORT=$(wait_for_port "$log" "$KUBE_PID")
cat >"$WORK/kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: bench
clusters:
- name: mock
  cluster: {server: "https://127.0.0.1:$KUBE_PORT", certificate-authority: "$CERTS/ca.crt"}
contexts:
- name: bench
  context: {cluster: mock, user: hook, namespace: default}
users:
- name: hook
  user: {tokenFile: "$WORK/kube-token"}
KC
review=$BENCH_DIR/review-apply.json

run() {  # run NAME ARGS...: a fresh webhook, one client run, the webhook stopped
  local name=$1
  shift
  start_webhook_inventory --policy "$BENCH_DIR/policy.yaml" "$@"
  timeout 300 python3 "$BENCH_DIR/latency_client.py" --port "$HOOK_PORT" \
    --path "/mutate?timeout=10s" --body "$review" --count "$COUNT" >"$WORK/$name.json" ||
    die "$name: the client failed (webhook log: $HOOK_LOG)"
  stop_pid "$HOOK_PID"
}
for r in $(seq "$ROUNDS"); do
  run "part1.$r"
  run "cluster.$r" --kubeconfig "$WORK/kubeconfig"
done

python3 - "$WORK" "$RESULTS/cluster-checks.json" "$(machine_json)" "$busy" "$ROUNDS" <<'PY'
import json, statistics, sys
work, out, machine, busy, rounds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
runs = {f"{k}.{r}": json.load(open(f"{work}/{k}.{r}.json")) for r in range(1, rounds + 1) for k in ("part1", "cluster")}
med = lambda k, f: statistics.median(runs[f"{k}.{r}"][f] for r in range(1, rounds + 1))
summary = {k: {f: med(k, f) for f in ("cold_ms", "warm_p50_ms", "warm_p99_ms")} for k in ("part1", "cluster")}
ratio = summary["cluster"]["warm_p50_ms"] / summary["part1"]["warm_p50_ms"]
print(f"{'run':<12}{'cold ms':>10}{'warm p50':>10}{'warm p99':>10}  first answer warned")
for name, v in runs.items():
    print(f"{name:<12}{v['cold_ms']:>10}{v['warm_p50_ms']:>10}{v['warm_p99_ms']:>10}  {','.join(v['warnings']) or '-'}")
print(f"median: part 1 p50 {summary['part1']['warm_p50_ms']} ms, cluster checks p50 "
      f"{summary['cluster']['warm_p50_ms']} ms, ratio {ratio:.2f} (target <= 1.2); cold "
      f"{summary['part1']['cold_ms']} -> {summary['cluster']['cold_ms']} ms")
json.dump({"machine": machine, "busy_compilers": busy, "runs": runs, "median": summary,
           "warm_p50_ratio": round(ratio, 3), "pass": ratio <= 1.2}, open(out, "w"), indent=1)
sys.exit(0 if ratio <= 1.2 else 1)
PY
