#!/usr/bin/env bash
# Two builds of host-webhook side by side: the one in BIN_DIR (A, default build/bin) and the
# one in BASELINE_BIN_DIR (B), both running at once against one serve-inventory, with nginx
# beside them, under the same wrk load in BENCH_ROUNDS (6) rounds of nginx, A, B (nginx, B, A
# in even rounds). On a shared 2-core machine nginx's own rate moves by 15 % between 10 s runs;
# comparing two builds in separate runs of mutate-throughput.sh mixes that drift into the
# difference, and measuring them in the same rounds does not. Prints each round and the medians
# of A/nginx, B/nginx and B/A.
# Not part of `make bench`: it needs a second build, or a second way to run the same one.
#   git worktree add /tmp/base <commit> && cmake -S /tmp/base -B /tmp/base/build -G Ninja
#   cmake --build /tmp/base/build --target host-webhook
#   BASELINE_BIN_DIR=/tmp/base/build/bin bench/compare-builds.sh
# One build run two ways (a flag, a malloc tuning, a preloaded allocator): B takes
# BASELINE_ARGS (more host-webhook flags) and BASELINE_ENV ("NAME=VALUE ..." in its
# environment), and BASELINE_BIN_DIR defaults to BIN_DIR when either is set:
#   BASELINE_ARGS="--threads 4" bench/compare-builds.sh
# COMPARE_PATH (/mutate?timeout=10s) is what A and B answer; METHOD=GET COMPARE_PATH=/healthz
# compares the transport alone.
# Writes bench/results/compare-builds.json.
source "$(dirname "$0")/lib.sh"
if [ -z "${BASELINE_BIN_DIR:-}" ] && [ -n "${BASELINE_ARGS:-}${BASELINE_ENV:-}" ]; then
  BASELINE_BIN_DIR=$BIN
fi
[ -n "${BASELINE_BIN_DIR:-}" ] ||
  die "BASELINE_BIN_DIR is not set: the bin directory of the build to compare with (or BASELINE_ARGS / BASELINE_ENV to run this build two ways)"
[ -x "$BASELINE_BIN_DIR/host-webhook" ] || die "$BASELINE_BIN_DIR/host-webhook is missing: build it first"
read -ra baseline_env <<<"${BASELINE_ENV:-}"
read -ra baseline_args <<<"${BASELINE_ARGS:-}"
for kv in "${baseline_env[@]}"; do
  [[ $kv == [A-Za-z_]*=* ]] || die "BASELINE_ENV: '$kv' is not NAME=VALUE (e.g. LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2)"
done
need_binaries
need wrk wrk
warn_if_busy
make_certs
DURATION=${BENCH_DURATION:-4}
ROUNDS=${BENCH_ROUNDS:-6}

start_load_webhook
A_PID=$HOOK_PID A_URL=$HOOK_URL
for kv in "${baseline_env[@]}"; do export "${kv?}"; done  # while B starts only
BIN=$BASELINE_BIN_DIR start_load_webhook "${baseline_args[@]}"
for kv in "${baseline_env[@]}"; do unset "${kv%%=*}"; done
B_PID=$HOOK_PID B_URL=$HOOK_URL
start_nginx
review=$BENCH_DIR/review3k.json
check_admission "$A_URL/mutate?timeout=10s" "$review"
check_admission "$B_URL/mutate?timeout=10s" "$review"
target=${COMPARE_PATH:-/mutate?timeout=10s}
DURATION=2 run_wrk warmup.a "$A_URL$target" "$review"
DURATION=2 run_wrk warmup.b "$B_URL$target" "$review"
# A before B in odd rounds, B before A in even ones: the same build measured twice this way
# (A/A) gave 0.97 for the second place when the order was fixed.
for r in $(seq "$ROUNDS"); do
  measure "nginx.$r" "$NGINX_PID" "https://127.0.0.1:$NGINX_PORT/" "$review"
  if ((r % 2)); then
    measure "a.$r" "$A_PID" "$A_URL$target" "$review"
    measure "b.$r" "$B_PID" "$B_URL$target" "$review"
  else
    measure "b.$r" "$B_PID" "$B_URL$target" "$review"
    measure "a.$r" "$A_PID" "$A_URL$target" "$review"
  fi
done

echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, ${METHOD:-POST} $target; A: $BIN, B: $BASELINE_BIN_DIR ${BASELINE_ARGS:-} ${BASELINE_ENV:-}"
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
