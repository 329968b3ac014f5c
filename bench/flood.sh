#!/usr/bin/env bash
# Connection flood, nginx beside the webhook in the same run: 10,000 TCP connections that never
# start TLS, 1,000 TLS connections idle after one request and 100 connections trickling a request
# head a byte every half second; meanwhile fresh admissions, each on a new connection (connect,
# handshake, POST /mutate with a 3 KiB review, answer), must all be answered within 250 ms.
# Also: the webhook's resident memory during the flood against the Deployment's memory limit,
# and its open descriptors back to the baseline afterwards. Writes bench/results/flood.json.
source "$(dirname "$0")/lib.sh"
need_binaries
need nginx nginx-light
need curl curl
need python3 python3
warn_if_busy
busy=$(machine_busy)
load_start=$(load_avg)
SILENT=${FLOOD_SILENT:-10000}
IDLE=${FLOOD_IDLE:-1000}
SLOW=${FLOOD_SLOW:-100}
FRESH=${FLOOD_FRESH:-200}
need_files=$((SILENT + IDLE + SLOW + 256))
[ "$(ulimit -Hn)" -ge "$need_files" ] ||
  die "the flood needs $need_files open files; the hard limit is $(ulimit -Hn) (raise it: ulimit -Hn)"
make_certs

start_inventory "$SRC/examples/inventory.yaml"
# Every connection of the flood stays for the whole measurement (the webhook keeps them 60 s,
# nginx 300 s): the worst case for the webhook, and room above the flood's 11,100 connections so
# none is shed to admit a fresh one.
start_webhook_inventory --policy "$BENCH_DIR/policy.yaml" --max-connections 12000 \
  --handshake-timeout 60s --keep-alive-timeout 60s --read-timeout 60s
NGINX_CONNECTIONS=16384 start_nginx

review=$BENCH_DIR/review3k.json
check_admission "$HOOK_URL/mutate?timeout=10s" "$review"
sleep 1
fds_before=$(fd_count "$HOOK_PID")

flood() {  # flood NAME PID PORT PATH
  timeout 600 python3 "$BENCH_DIR/flood_client.py" --port "$3" --path "$4" --review "$review" \
    --pid "$2" --silent "$SILENT" --idle "$IDLE" --slow "$SLOW" --fresh "$FRESH" \
    >"$WORK/$1.json" || die "the flood client failed against $1"
}
flood webhook "$HOOK_PID" "$HOOK_PORT" "/mutate?timeout=10s"
# The flood's connections are closed by the client; the server must let go of all of them.
fds_after=0
for _ in $(seq 300); do
  fds_after=$(fd_count "$HOOK_PID")
  [ "$fds_after" -le "$fds_before" ] && break
  sleep 0.1
done
closed=$(curl -sk "$HOOK_URL/metrics" | grep '^hostadm_http_connections_closed_total' | grep -v ' 0$' || true)
flood nginx "$NGINX_PID" "$NGINX_PORT" "/"
load_end=$(load_avg)

limit=$(awk '/limits:/ {l=1} l && /memory:/ {print $2; exit}' "$SRC/deploy/base/deployment.yaml")
echo "flood: $SILENT silent TCP + $IDLE idle TLS + $SLOW slow heads; $FRESH fresh admissions each on a new TLS connection"
echo "load average at start: $load_start, at end: $load_end ($(nproc) cores shared by all)"
printf '%-14s %9s %9s %9s %9s %9s %12s\n' server answered failed p50_ms p99_ms max_ms rss_peak_MB
for n in nginx webhook; do
  python3 - "$n" "$WORK/$n.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
print("%-14s %9d %9d %9s %9s %9s %12s" % (sys.argv[1], r["answered"], r["failed"], r["p50_ms"],
      r["p99_ms"], r["max_ms"], r["rss_mb_peak"]))
PY
done
echo "webhook open descriptors: $fds_before before, $fds_after after the flood"
echo "webhook connections closed, by reason:"
echo "${closed:-  (none)}" | sed 's/^/  /'

python3 - "$WORK" "$RESULTS/flood.json" "$(machine_json)" "$busy" "$fds_before" "$fds_after" \
  "$limit" "$load_start" "$load_end" <<'PY'
import json, sys
work, out, machine, busy = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
fds_before, fds_after, limit = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
runs = {n: json.load(open(f"{work}/{n}.json")) for n in ("webhook", "nginx")}
units = {"Mi": 1, "Gi": 1024}
limit_mb = next((float(limit[:-2]) * f for u, f in units.items() if limit.endswith(u)), None)
w = runs["webhook"]
checks = {
    "all_answered": w["answered"] == w["fresh"],
    "max_within_250ms": w["max_ms"] is not None and w["max_ms"] <= 250,
    "fds_back_to_baseline": fds_after <= fds_before,
    "rss_within_limit": limit_mb is not None and w["rss_mb_peak"] * 1.048576 <= limit_mb,
}
res = {"bench": "flood", "machine": machine, "busy_compilers": busy,
       "load_average": {"start": sys.argv[8], "end": sys.argv[9]},
       "runs": runs, "webhook_fds": {"before": fds_before, "after": fds_after},
       "deployment_memory_limit": limit, "checks": checks, "target": {"max_ms": 250},
       "pass": all(checks.values())}
json.dump(res, open(out, "w"), indent=2)
print("\n" + "  ".join(f"{k}: {'PASS' if v else 'MISS'}" for k, v in checks.items()))
print(f"result: {out}")
PY
