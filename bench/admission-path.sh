#!/usr/bin/env bash
# The admission path in-process (build/bin/bench-admission-path): microseconds per call of each
# stage of a /mutate on review-apply.json (BENCH_REVIEW to change), and of the whole handler,
# with no TLS or HTTP around it.
# No target of its own: it says where the CPU of mutate-throughput's requests goes.
# Writes bench/results/admission-path.json.
source "$(dirname "$0")/lib.sh"
[ -x "$BIN/bench-admission-path" ] || die "$BIN/bench-admission-path is missing: run make test (or cmake --build build)"
warn_if_busy
busy=$(machine_busy)
"$BIN/bench-admission-path" "$SRC" "${BENCH_MICRO_ITERATIONS:-20000}" "" \
  "${BENCH_REVIEW:-$BENCH_DIR/review-apply.json}" | tee "$WORK/micro.out" | grep -v '^JSON '
grep '^JSON ' "$WORK/micro.out" | sed 's/^JSON //' >"$WORK/micro.json"
python3 - "$WORK/micro.json" "$RESULTS/admission-path.json" "$(machine_json)" "$busy" <<'PY'
import json, sys
stages, out, machine, busy = json.load(open(sys.argv[1])), sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
json.dump({"bench": "admission-path", "machine": machine, "busy_compilers": busy,
           "us_per_call": stages, "pass": True}, open(out, "w"), indent=2)
print(f"result: {out}")
PY
