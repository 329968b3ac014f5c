#!/usr/bin/env bash
# Two builds of host-webhook side by side: the one in BIN_DIR (A, default build/bin) and the
# one in BASELINE_BIN_DIR (B, required), both running at once against one serve-inventory, with
# nginx beside them, under the same wrk load in BENCH_ROUNDS (6) rounds of nginx, A, B. On a
# shared 2-core machine nginx's own rate moves by 15 % between 10 s runs; comparing two builds
# in separate runs of mutate-throughput.sh mixes that drift into the difference, and measuring
# them in the same rounds does not. Prints each round and the medians of A/nginx, B/nginx and
# B/A. Not part of `make bench`: it needs a second build.
#   git worktree add /tmp/base <commit> && cmake -S /tmp/base -B /tmp/base/build -G Ninja
#   cmake --build /tmp/base/build --target host-webhook
#   BASELINE_BIN_DIR=/tmp/base/build/bin bench/compare-builds.sh
# Writes bench/results/compare-builds.json.
source "$(dirname "$0")/lib.sh"
[ -n "${BASELINE_BIN_DIR:-}" ] || die "BASELINE_BIN_DIR is not set: the bin directory of the build to compare with"
[ -x "$BASELINE_BIN_DIR/host-webhook" ] || die "$BASELINE_BIN_DIR/host-webhook is missing: build it first"
need_binaries
need wrk wrk
warn_if_busy
make_certs
DURATION=${BENCH_DURATION:-4}
ROUNDS=${BENCH_ROUNDS:-6}

start_inventory "$SRC/examples/inventory.yaml"
start_webhook_inventory --policy "$BENCH_DIR/policy.yaml" --keep-alive-timeout 300s
A_PID=$HOOK_PID A_URL=$HOOK_URL
BIN=$BASELINE_BIN_DIR start_webhook_inventory --policy "$BENCH_DIR/policy.yaml" \
  --keep-alive-timeout 300s
B_PID=$HOOK_PID B_URL=$HOOK_URL
start_nginx
review=$BENCH_DIR/review3k.json
check_admission "$A_URL/mutate?timeout=10s" "$review"
check_admission "$B_URL/mutate?timeout=10s" "$review"
DURATION=2 run_wrk warmup.a "$A_URL/mutate?timeout=10s" "$review"
DURATION=2 run_wrk warmup.b "$B_URL/mutate?timeout=10s" "$review"
for r in $(seq "$ROUNDS"); do
  measure "nginx.$r" "$NGINX_PID" "https://127.0.0.1:$NGINX_PORT/" "$review"
  measure "a.$r" "$A_PID" "$A_URL/mutate?timeout=10s" "$review"
  measure "b.$r" "$B_PID" "$B_URL/mutate?timeout=10s" "$review"
done

echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, /mutate; A: $BIN, B: $BASELINE_BIN_DIR"
print_header
for r in $(seq "$ROUNDS"); do
  print_row "nginx #$r" "$WORK/nginx.$r.json"
  print_row "A #$r" "$WORK/a.$r.json"
  print_row "B #$r" "$WORK/b.$r.json"
done
python3 - "$WORK" "$ROUNDS" "$RESULTS/compare-builds.json" "$(machine_json)" <<'PY'
import json, statistics, sys
work, rounds, out, machine = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
rps = lambda k, r: json.load(open(f"{work}/{k}.{r}.json"))["rps"]
a = [rps("a", r) / rps("nginx", r) for r in range(1, rounds + 1)]
b = [rps("b", r) / rps("nginx", r) for r in range(1, rounds + 1)]
res = {"a_vs_nginx": round(statistics.median(a), 3), "b_vs_nginx": round(statistics.median(b), 3),
       "b_vs_a": round(statistics.median([y / x for x, y in zip(a, b)]), 3), "rounds": rounds,
       "machine": machine, "pass": True}
print("median of the rounds: A %.3f x nginx, B %.3f x nginx, B/A %.3f" %
      (res["a_vs_nginx"], res["b_vs_nginx"], res["b_vs_a"]))
json.dump(res, open(out, "w"), indent=1)
print("result:", out)
PY
