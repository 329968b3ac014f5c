#!/usr/bin/env bash
# Inventory scale: one provider with 10 and 5,000 hosts of real size (about 10 KB of JSON each at
# full detail, bench/gen/fixture.py), served by `host-harness serve-inventory` over HTTPS, the
# webhook behind --inventory-url so the HTTP client and the cache are in the path.
# Per size:
#   - the inventory's own answer time for the calls a cold admission makes (the namespace's
#     provider listing, the provider, the host by id: curl, one TLS connection, like the webhook),
#   - the first admission on a fresh webhook (cold provider) minus a warm one on a new connection:
#     the time the cold admission adds, to be within the inventory's answer time + 20 ms,
#   - warm wrk load: p50, req/s, and peak RSS (VmHWM, the first fetch included).
# Then 100 concurrent cold requests for one host with the inventory slowed to 300 ms: the number
# of host lookups serve-inventory saw (target 1).
# Targets: cold extra <= inventory answer time + 20 ms; p50(5000)/p50(10) <= 1.2; VmHWM <= 50 MB;
# exactly 1 host lookup for 100 concurrent cold requests. Writes bench/results/inventory-scale.json.
source "$(dirname "$0")/lib.sh"
need_binaries
need wrk wrk
need h2load nghttp2-client
warn_if_busy
busy=$(machine_busy)
SIZES=(${BENCH_SIZES:-10 5000})
make_certs
python3 "$BENCH_DIR/gen/review.py" --host-id host-5 >"$WORK/review.json"
review=$WORK/review.json
UID_=7d1c0c6e-0000-4000-8000-00000000b001

# single_ms URL: one request on a fresh connection, total time in ms.
single_ms() {
  curl -sk -o "$WORK/single.out" -w '%{time_total}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$review" "$1" | awk '{printf "%.3f", $1 * 1000}'
}
# inventory_ms: the three calls of a cold admission, on one new TLS connection (best of 5).
inventory_ms() {
  local best=""
  for _ in 1 2 3 4 5; do
    local t
    t=$(curl -sk -H "Authorization: Bearer $(cat "$INV_TOKEN_FILE")" -o /dev/null -o /dev/null \
      -o /dev/null -w '%{time_total}\n' "$INV_URL/providers?namespace=demo" \
      "$INV_URL/providers/vsphere/$UID_" "$INV_URL/providers/vsphere/$UID_/hosts/host-5" |
      awk '{s += $1} END {printf "%.3f", s * 1000}')
    best=$(python3 -c 'import sys; a=[float(x) for x in sys.argv[1:] if x]; print(min(a))' $best "$t")
  done
  echo "$best"
}
# requests_json: what serve-inventory counted (GET /__requests).
requests_json() { curl -sk "$INV_URL/__requests"; }
set_faults() { curl -skf -X POST -H 'Content-Type: application/json' -d "$1" "$INV_URL/__faults" >/dev/null; }

for n in "${SIZES[@]}"; do
  python3 "$BENCH_DIR/gen/fixture.py" "$n" >"$WORK/fixture-$n.json"
  fixture_mb=$(du -m "$WORK/fixture-$n.json" | cut -f1)
  start_inventory "$WORK/fixture-$n.json"
  inv_ms=$(inventory_ms)
  start_webhook_inventory --policy "$BENCH_DIR/policy.yaml"
  curl -skf -X POST -d '' "$INV_URL/__requests/reset" >/dev/null
  cold=$(single_ms "$HOOK_URL/mutate?timeout=10s")
  grep -q '"allowed":true' "$WORK/single.out" || die "cold request with $n hosts not admitted: $(head -c 400 "$WORK/single.out")"
  calls=$(requests_json)
  warm=$(single_ms "$HOOK_URL/mutate?timeout=10s")
  hwm_first=$(status_kb "$HOOK_PID" VmHWM)
  DURATION=${BENCH_DURATION:-5} run_wrk "warm-$n" "$HOOK_URL/mutate?timeout=10s" "$review"
  measure "load-$n" "$HOOK_PID" "$HOOK_URL/mutate?timeout=10s" "$review"
  python3 - "$WORK/load-$n.json" "$cold" "$warm" "$inv_ms" "$hwm_first" "$calls" "$fixture_mb" \
    >"$WORK/size-$n.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
cold, warm, inv = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
w.update(cold_ms=cold, warm_single_ms=warm, inventory_answer_ms=inv,
         cold_extra_ms=round(cold - warm, 3), hwm_after_first_mb=round(int(sys.argv[5]) / 1024, 1),
         cold_inventory_calls=json.loads(sys.argv[6]), fixture_mb=int(sys.argv[7]))
print(json.dumps(w))
PY
  stop_pid "$HOOK_PID"
  stop_pid "$INV_PID"
done

# Single flight: 100 cold requests at once for one host, inventory answering after 300 ms.
big=${SIZES[${#SIZES[@]}-1]}
start_inventory "$WORK/fixture-$big.json"
set_faults '{"latencyMs": 300}'
start_webhook_inventory --policy "$BENCH_DIR/policy.yaml"
curl -skf -X POST -d '' "$INV_URL/__requests/reset" >/dev/null
timeout 60 h2load --h1 -n 100 -c 100 -t 1 -d "$review" -H 'Content-Type: application/json' \
  "$HOOK_URL/mutate?timeout=10s" >"$WORK/coalesce.out" 2>&1 || { cat "$WORK/coalesce.out" >&2; die "h2load failed"; }
coalesce_calls=$(requests_json)
succeeded=$(grep -o '[0-9]* succeeded' "$WORK/coalesce.out" | grep -o '[0-9]*' || echo 0)
set_faults '{}'

# snapshot of the whole inventory: host pages are written out as they are read; its peak RSS
# (ru_maxrss of the child) and the size of what it wrote (JSON; bench/snapshot-scale.sh
# measures snapshot on its own).
snap=$(python3 - "$BIN/host-harness" "$INV_URL" "$CERTS/ca.crt" "$INV_TOKEN_FILE" "$WORK/snapshot.json" <<'PY'
import resource, subprocess, sys, time
h, url, ca, tok, out = sys.argv[1:6]
t0 = time.monotonic()
with open(out, "w") as f:
    rc = subprocess.run([h, "snapshot", "--inventory-url", url, "--ca", ca, "--token-file", tok,
                         "--timeout", "120s"], stdout=f).returncode
print(rc, round(time.monotonic() - t0, 2), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
read -r snap_rc snap_s snap_kb <<<"$snap"
[[ $snap_rc == 0 ]] || die "snapshot of the $big-host inventory failed (exit $snap_rc)"
snap_mb=$(du -m "$WORK/snapshot.json" | cut -f1)

python3 - "$WORK" "$RESULTS/inventory-scale.json" "$(machine_json)" "$busy" "$coalesce_calls" \
  "$succeeded" "$big" "$snap_s" "$snap_kb" "$snap_mb" "${SIZES[@]}" <<'PY'
import json, sys
work, out, machine, busy = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
calls, succeeded, big = json.loads(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
snap_s, snap_mb_rss, snap_out_mb = float(sys.argv[8]), round(int(sys.argv[9]) / 1024, 1), int(sys.argv[10])
sizes = sys.argv[11:]
per = {n: json.load(open(f"{work}/size-{n}.json")) for n in sizes}
small = sizes[0]
ratio = round(per[big]["p50_ms"] / per[small]["p50_ms"], 3)
hwm = per[big]["peak_rss_mb"]
cold_ok = all(per[n]["cold_extra_ms"] <= per[n]["inventory_answer_ms"] + 20 for n in sizes)
host_calls = calls["host"]
res = {"bench": "inventory-scale", "machine": machine, "busy_compilers": busy, "sizes": per,
       "p50_ratio": {"of": f"{big} vs {small} hosts", "value": ratio},
       "single_flight": {"concurrent_cold_requests": 100, "succeeded": succeeded,
                         "inventory_latency_ms": 300, "inventory_calls": calls},
       "peak_rss_mb": {"hosts": int(big), "vmhwm_mb": hwm},
       "snapshot": {"hosts": int(big), "seconds": snap_s, "peak_rss_mb": snap_mb_rss,
                    "output_mb": snap_out_mb},
       "target": {"cold_extra_ms": "inventory answer + 20", "p50_ratio": 1.2,
                  "host_lookups": 1, "vmhwm_mb": 50}}
res["pass"] = (cold_ok and ratio <= 1.2 and host_calls == 1 and succeeded == 100 and hwm <= 50)
json.dump(res, open(out, "w"), indent=2)
print("%-6s %8s %8s %9s %8s %11s %8s %9s %9s %10s" % ("hosts", "fixtMB", "inv_ms", "cold_ms",
      "warm_ms", "cold-warm", "req/s", "p50_ms", "p99_ms", "VmHWM_MB"))
for n in sizes:
    r = per[n]
    print("%-6s %8d %8.2f %9.2f %8.2f %11.2f %8.0f %9.3f %9.3f %10.1f" % (n, r["fixture_mb"],
          r["inventory_answer_ms"], r["cold_ms"], r["warm_single_ms"], r["cold_extra_ms"], r["rps"],
          r["p50_ms"], r["p99_ms"], r["peak_rss_mb"]))
    print(f"       cold admission's inventory calls: {r['cold_inventory_calls']}")
print(f"\ncold admission adds <= inventory answer time + 20 ms at every size: {'PASS' if cold_ok else 'MISS'}")
print(f"p50 ratio {big} vs {small} hosts: {ratio} (target <= 1.2): {'PASS' if ratio <= 1.2 else 'MISS'}")
print(f"100 concurrent cold requests ({succeeded} succeeded): inventory calls {calls} "
      f"(target: 1 host lookup): {'PASS' if host_calls == 1 and succeeded == 100 else 'MISS'}")
print(f"peak RSS (VmHWM, first fetch and load included) with {big} hosts: {hwm} MB (target <= 50): "
      f"{'PASS' if hwm <= 50 else 'MISS'}")
print(f"snapshot of {big} hosts: {snap_s} s, {snap_out_mb} MB of JSON, peak RSS {snap_mb_rss} MB")
print(f"result: {out}")
PY
