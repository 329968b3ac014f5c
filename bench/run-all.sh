#!/usr/bin/env bash
# `make bench`: every benchmark in turn; each prints its table and writes bench/results/*.json.
# Exit 1 when any target is missed (the tables say which), 2 when a benchmark could not run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in admission-path instructions-per-request mutate-throughput latency-fixed-rate flood inventory-scale cluster-checks snapshot-scale replay-throughput audit soak; do
  echo "=== $b"
  "$here/$b.sh"
  rc=$?
  [ $rc -eq 0 ] || { echo "=== $b exited $rc" >&2; [ $rc -eq 2 ] && status=2; }
  python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("pass") else 1)' \
    "${BENCH_RESULTS:-$here/results}/$b.json" 2>/dev/null || { [ $status -eq 2 ] || status=1; }
  echo
done
leftover=$(pgrep -f 'host-webhook --listen 127.0.0.1:0|host-harness serve-inventory|nginx -p /tmp/hostadm-bench' || true)
[ -z "$leftover" ] || echo "WARNING: processes left running: $leftover" >&2
exit $status
