#!/usr/bin/env bash
# host-harness replay throughput on 10,000 generated Host manifests (20 YAML streams of 500
# documents) against the sample inventory, with JSON output (what CI parses): documents/s
# (target: >= 10,000). Best of BENCH_REPLAY_RUNS (default 3) runs.
# Writes bench/results/replay-throughput.json.
source "$(dirname "$0")/lib.sh"
need_binaries
warn_if_busy
busy=$(machine_busy)
N=${BENCH_MANIFESTS:-10000}
RUNS=${BENCH_REPLAY_RUNS:-3}
python3 "$BENCH_DIR/gen/manifests.py" "$N" "$WORK/manifests"

times=()
for i in $(seq "$RUNS"); do
  start=$(date +%s%N)
  rc=0
  timeout 300 "$BIN/host-harness" replay --inventory "$SRC/examples/inventory.yaml" -o json \
    "$WORK/manifests" >"$WORK/replay.json" 2>"$WORK/replay.err" || rc=$?
  end=$(date +%s%N)
  # 1 = some documents were denied (the mix includes unknown hosts on purpose).
  [ $rc -le 1 ] || { cat "$WORK/replay.err" >&2; die "host-harness replay exited $rc"; }
  times+=($(((end - start) / 1000)))
done
python3 - "$WORK/replay.json" "$RESULTS/replay-throughput.json" "$(machine_json)" "$busy" "$N" \
  "${times[@]}" <<'PY'
import json, sys
out_json, out, machine, busy, n = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
times = [int(t) / 1e6 for t in sys.argv[6:]]
summary = json.load(open(out_json))["summary"]
if summary["total"] != n:
    sys.exit(f"replay saw {summary['total']} documents, expected {n}")
best = min(times)
res = {"bench": "replay-throughput", "machine": machine, "busy_compilers": busy, "documents": n,
       "summary": summary, "seconds": [round(t, 3) for t in times], "best_seconds": round(best, 3),
       "docs_per_s": round(n / best), "target": {"docs_per_s": 10000}, "pass": n / best >= 10000}
json.dump(res, open(out, "w"), indent=2)
print("%-10s %9s %9s %9s %9s %12s" % ("documents", "admitted", "denied", "skipped", "best_s", "documents/s"))
print("%-10d %9d %9d %9d %9.3f %12.0f" % (n, summary["admitted"], summary["denied"],
      summary["skipped"], best, n / best))
print(f"runs (s): {', '.join('%.3f' % t for t in times)}")
print(f"documents/s {n / best:.0f} (target >= 10,000): {'PASS' if res['pass'] else 'MISS'}")
print(f"result: {out}")
PY
