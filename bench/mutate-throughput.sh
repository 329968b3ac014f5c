#!/usr/bin/env bash
# /mutate and /validate over TLS keep-alive with a 3 KiB AdmissionReview, warm inventory cache
# (serve-inventory over HTTPS behind --inventory-url), against nginx serving a static 200-byte
# HTTPS answer, all under the same wrk load in the same run (target: ratio >= 0.4).
# Writes bench/results/mutate-throughput.json.
source "$(dirname "$0")/lib.sh"
need_binaries
need wrk wrk
need curl curl
warn_if_busy
busy=$(machine_busy)
make_certs

start_inventory "$SRC/examples/inventory.yaml"
start_webhook_inventory --policy "$BENCH_DIR/policy.yaml"
start_nginx

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

echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, TLS keep-alive, 3 KiB POST body ($(nproc) cores shared by all)"
print_header
print_row "nginx static 200 B" "$WORK/nginx.json"
print_row "host-webhook /mutate" "$WORK/mutate.json"
print_row "host-webhook /validate" "$WORK/validate.json"
print_row "host-webhook GET /healthz" "$WORK/healthz.json"

python3 - "$WORK" "$RESULTS/mutate-throughput.json" "$(machine_json)" "$busy" \
  "$THREADS" "$CONNS" "$DURATION" <<'PY'
import json, sys
work, out, machine, busy = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
runs = {n: json.load(open(f"{work}/{n}.json")) for n in ("nginx", "mutate", "validate", "healthz")}
ratio = {n: round(runs[n]["rps"] / runs["nginx"]["rps"], 3) for n in ("mutate", "validate", "healthz")}
res = {"bench": "mutate-throughput", "machine": machine, "busy_compilers": busy,
       "load": {"tool": "wrk", "threads": int(sys.argv[5]), "connections": int(sys.argv[6]),
                "duration_s": int(sys.argv[7]), "body_bytes": 3072},
       "runs": runs, "ratio_vs_nginx": ratio, "target": {"ratio_vs_nginx": 0.4},
       "pass": ratio["mutate"] >= 0.4 and runs["mutate"]["errors"] + runs["mutate"]["non2xx"] == 0}
json.dump(res, open(out, "w"), indent=2)
print(f"\nreq/s ratio vs nginx: /mutate {ratio['mutate']}  /validate {ratio['validate']}  "
      f"(target >= 0.4): {'PASS' if res['pass'] else 'MISS'};  transport alone (GET /healthz) {ratio['healthz']}")
print(f"result: {out}")
PY
