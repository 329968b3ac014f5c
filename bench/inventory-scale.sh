#!/usr/bin/env bash
# Inventory scale: one provider with 10, 1,000 and 5,000 hosts, served by
# `host-harness serve-inventory` over HTTPS, the webhook behind --inventory-url so the cache is
# exercised. Per size: cold request (fetch + index the whole host list) and the RSS it adds, then
# warm wrk load: p50, req/s, RSS. Then 100 concurrent cold requests for one provider with the
# inventory slowed to 300 ms, and the number of hosts fetches serve-inventory saw (target 1).
# Targets: p50(5000)/p50(10) <= 1.2, exactly 1 fetch, RSS under load with 5,000 hosts <= 50 MB.
# Writes bench/results/inventory-scale.json.
source "$(dirname "$0")/lib.sh"
need_binaries
need wrk wrk
need h2load nghttp2-client
warn_if_busy
busy=$(machine_busy)
SIZES=(${BENCH_SIZES:-10 1000 5000})
make_certs
python3 "$BENCH_DIR/gen/review.py" --host-id host-5 >"$WORK/review.json"
review=$WORK/review.json

# single_ms URL: one request on a fresh connection, total time in ms.
single_ms() {
  curl -sk -o "$WORK/single.out" -w '%{time_total}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$review" "$1" | awk '{printf "%.3f", $1 * 1000}'
}
# hosts_fetches: how many hosts-list requests serve-inventory answered (GET /__requests).
hosts_fetches() {
  curl -sk "$INV_URL/__requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hosts"])'
}
set_faults() { curl -skf -X POST -H 'Content-Type: application/json' -d "$1" "$INV_URL/__faults" >/dev/null; }

for n in "${SIZES[@]}"; do
  python3 "$BENCH_DIR/gen/fixture.py" "$n" >"$WORK/fixture-$n.json"
  start_inventory "$WORK/fixture-$n.json"
  start_webhook_inventory --policy "$BENCH_DIR/policy.yaml"
  rss0=$(status_kb "$HOOK_PID" VmRSS)
  cold=$(single_ms "$HOOK_URL/mutate?timeout=10s")
  grep -q '"allowed":true' "$WORK/single.out" || die "cold request with $n hosts not admitted: $(head -c 400 "$WORK/single.out")"
  warm=$(single_ms "$HOOK_URL/mutate?timeout=10s")
  rss1=$(status_kb "$HOOK_PID" VmRSS)
  DURATION=2 run_wrk "warm-$n" "$HOOK_URL/mutate?timeout=10s" "$review"
  measure "load-$n" "$HOOK_PID" "$HOOK_URL/mutate?timeout=10s" "$review"
  python3 - "$WORK/load-$n.json" "$cold" "$warm" "$rss0" "$rss1" "$(hosts_fetches)" >"$WORK/size-$n.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
w.update(cold_ms=float(sys.argv[2]), warm_single_ms=float(sys.argv[3]),
         fetch_index_ms=round(float(sys.argv[2]) - float(sys.argv[3]), 3),
         rss_before_mb=round(int(sys.argv[4]) / 1024, 1), rss_after_fetch_mb=round(int(sys.argv[5]) / 1024, 1),
         rss_fetch_delta_mb=round((int(sys.argv[5]) - int(sys.argv[4])) / 1024, 1), hosts_fetches=int(sys.argv[6]))
print(json.dumps(w))
PY
  stop_pid "$HOOK_PID"
  stop_pid "$INV_PID"
done

# Single flight: 100 cold requests at once, inventory answering after 300 ms.
big=${SIZES[${#SIZES[@]}-1]}
start_inventory "$WORK/fixture-$big.json"
set_faults '{"latencyMs": 300}'
start_webhook_inventory --policy "$BENCH_DIR/policy.yaml"
before=$(hosts_fetches)
timeout 60 h2load --h1 -n 100 -c 100 -t 1 -d "$review" -H 'Content-Type: application/json' \
  "$HOOK_URL/mutate?timeout=10s" >"$WORK/coalesce.out" 2>&1 || { cat "$WORK/coalesce.out" >&2; die "h2load failed"; }
after=$(hosts_fetches)
succeeded=$(grep -o '[0-9]* succeeded' "$WORK/coalesce.out" | grep -o '[0-9]*' || echo 0)
set_faults '{}'

python3 - "$WORK" "$RESULTS/inventory-scale.json" "$(machine_json)" "$busy" "$((after - before))" \
  "$succeeded" "$big" "${SIZES[@]}" <<'PY'
import json, sys
work, out, machine, busy = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
fetches, succeeded, big, sizes = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8:]
per = {n: json.load(open(f"{work}/size-{n}.json")) for n in sizes}
small = sizes[0]
ratio = round(per[big]["p50_ms"] / per[small]["p50_ms"], 3)
rss_load = per[big]["peak_rss_mb"]
res = {"bench": "inventory-scale", "machine": machine, "busy_compilers": busy, "sizes": per,
       "p50_ratio": {"of": f"{big} vs {small} hosts", "value": ratio},
       "single_flight": {"concurrent_cold_requests": 100, "succeeded": succeeded,
                         "inventory_latency_ms": 300, "hosts_fetches": fetches},
       "rss_under_load_mb": {"hosts": int(big), "peak_mb": rss_load},
       "target": {"p50_ratio": 1.2, "hosts_fetches": 1, "rss_mb": 50}}
res["pass"] = ratio <= 1.2 and fetches == 1 and succeeded == 100 and rss_load <= 50
json.dump(res, open(out, "w"), indent=2)
print("%-7s %9s %10s %9s %9s %10s %10s %12s %10s" % ("hosts", "cold_ms", "fetch_ms", "rss+_MB",
      "req/s", "p50_ms", "p99_ms", "peak_RSS_MB", "cpu_us/req"))
for n in sizes:
    r = per[n]
    print("%-7s %9.2f %10.2f %9.1f %9.0f %10.3f %10.3f %12.1f %10.1f" % (n, r["cold_ms"],
          r["fetch_index_ms"], r["rss_fetch_delta_mb"], r["rps"], r["p50_ms"], r["p99_ms"],
          r["peak_rss_mb"], r["cpu_us_per_req"]))
print(f"\np50 ratio {big} vs {small} hosts: {ratio} (target <= 1.2): {'PASS' if ratio <= 1.2 else 'MISS'}")
print(f"100 concurrent cold requests ({succeeded} succeeded): {fetches} hosts fetch(es) (target 1): "
      f"{'PASS' if fetches == 1 and succeeded == 100 else 'MISS'}")
print(f"peak RSS under load with {big} hosts: {rss_load} MB (target <= 50): {'PASS' if rss_load <= 50 else 'MISS'}")
print(f"result: {out}")
PY
