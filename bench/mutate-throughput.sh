#!/usr/bin/env bash
# /mutate and /validate over TLS keep-alive with a 3 KiB AdmissionReview, warm inventory cache
# (serve-inventory over HTTPS behind --inventory-url), against nginx serving a static 200-byte
# HTTPS answer, all under the same wrk load in the same run (target: /mutate >= 0.5x nginx), then
# the same again with IDLE_CONNS (2,000) TLS keep-alive connections held idle on both servers.
# Writes bench/results/mutate-throughput.json.
source "$(dirname "$0")/lib.sh"
need_binaries
need wrk wrk
need curl curl
warn_if_busy
busy=$(machine_busy)
make_certs

start_inventory "$SRC/examples/inventory.yaml"
# Idle connections stay as long as nginx keeps them (60 s), so the idle runs hold all of them.
start_webhook_inventory --policy "$BENCH_DIR/policy.yaml" --keep-alive-timeout 60s
IDLE_CONNS=${BENCH_IDLE_CONNS:-2000}
NGINX_CONNECTIONS=$((IDLE_CONNS + 2048)) start_nginx
load_start=$(load_avg)

review=$BENCH_DIR/review3k.json
check_admission "$HOOK_URL/mutate?timeout=10s" "$review"
validate_review "$review" "$HOOK_URL" "$WORK/validate-review.json"
check_admission "$HOOK_URL/validate?timeout=10s" "$WORK/validate-review.json"

# Warm-up: TLS sessions, the inventory cache, page faults of the thread stacks.
DURATION=2 run_wrk warmup "$HOOK_URL/mutate?timeout=10s" "$review"

measure nginx "$NGINX_PID" "https://127.0.0.1:$NGINX_PORT/" "$review"
measure mutate "$HOOK_PID" "$HOOK_URL/mutate?timeout=10s" "$review"
measure validate "$HOOK_PID" "$HOOK_URL/validate?timeout=10s" "$WORK/validate-review.json"
# The same server answering GET /healthz: what the HTTPS transport costs with no admission work,
# to tell its share of the gap to nginx from the decision path's.
METHOD=GET measure healthz "$HOOK_PID" "$HOOK_URL/healthz" "$review"

hold_idle nginx "$NGINX_PORT" "$IDLE_CONNS"
hold_idle webhook "$HOOK_PORT" "$IDLE_CONNS"
measure nginx_idle "$NGINX_PID" "https://127.0.0.1:$NGINX_PORT/" "$review"
measure mutate_idle "$HOOK_PID" "$HOOK_URL/mutate?timeout=10s" "$review"
idle_open=$(curl -sk "$HOOK_URL/metrics" | awk '$1 == "hostadm_http_connections{state=\"idle\"}" {print $2}')
stop_idle nginx
stop_idle webhook
load_end=$(load_avg)

echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, TLS keep-alive, 3 KiB POST body ($(nproc) cores shared by all)"
print_header
print_row "nginx static 200 B" "$WORK/nginx.json"
print_row "host-webhook /mutate" "$WORK/mutate.json"
print_row "host-webhook /validate" "$WORK/validate.json"
print_row "host-webhook GET /healthz" "$WORK/healthz.json"
print_row "nginx, $IDLE_CONNS idle open" "$WORK/nginx_idle.json"
print_row "/mutate, $IDLE_CONNS idle open" "$WORK/mutate_idle.json"
echo "idle connections the webhook held during its idle run: ${idle_open:-?}"
echo "load average at start: $load_start, at end: $load_end"

python3 - "$WORK" "$RESULTS/mutate-throughput.json" "$(machine_json)" "$busy" \
  "$THREADS" "$CONNS" "$DURATION" "$IDLE_CONNS" "$load_start" "$load_end" <<'PY'
import json, sys
work, out, machine, busy = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
names = ("nginx", "mutate", "validate", "healthz", "nginx_idle", "mutate_idle")
runs = {n: json.load(open(f"{work}/{n}.json")) for n in names}
ratio = {n: round(runs[n]["rps"] / runs["nginx"]["rps"], 3) for n in ("mutate", "validate", "healthz")}
ratio["mutate_idle"] = round(runs["mutate_idle"]["rps"] / runs["nginx_idle"]["rps"], 3)
res = {"bench": "mutate-throughput", "machine": machine, "busy_compilers": busy,
       "load": {"tool": "wrk", "threads": int(sys.argv[5]), "connections": int(sys.argv[6]),
                "duration_s": int(sys.argv[7]), "body_bytes": 3072,
                "idle_connections": int(sys.argv[8])},
       "load_average": {"start": sys.argv[9], "end": sys.argv[10]},
       "runs": runs, "ratio_vs_nginx": ratio, "target": {"ratio_vs_nginx": 0.5},
       "pass": all(ratio[n] >= 0.5 and runs[n]["errors"] + runs[n]["non2xx"] == 0
                   for n in ("mutate", "mutate_idle"))}
json.dump(res, open(out, "w"), indent=2)
print(f"\nreq/s ratio vs nginx: /mutate {ratio['mutate']}  /validate {ratio['validate']}  "
      f"/mutate with {sys.argv[8]} idle open {ratio['mutate_idle']}  (target >= 0.5): "
      f"{'PASS' if res['pass'] else 'MISS'};  transport alone (GET /healthz) {ratio['healthz']}")
print(f"result: {out}")
PY
