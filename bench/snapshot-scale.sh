#!/usr/bin/env bash
# `host-harness snapshot` at real scale: a vCenter of 5,000 real-size hosts (about 10 KB of JSON
# each, bench/gen/fixture.py) recorded over HTTPS with a token
#   - from serve-inventory serving the generated fixture, and
#   - from bench/gen/real_inventory.py, which answers snapshot's requests as the Forklift
#     inventory does (its routes, paging, and each host's keys in the inventory's own order),
# each BENCH_RUNS times (default 3): wall time and peak RSS of the snapshot process. Then the
# round trip (the recording served by serve-inventory and recorded again: same bytes), the time
# and peak RSS of serve-inventory reading the 5,000-host fixture, and, unless
# BENCH_FIXTURE_READERS=0, the fixture readers on the same inventory as YAML (`snapshot -o yaml`,
# about 57 MB; also timed) and as JSON: yaml-cpp, the fast subset reader and libyaml (each
# building a DOM of the whole file), and the JSON reader (a host at a time). The readers need
# bench-yaml-readers (libyaml-dev; bench/yaml-readers.sh builds it); they are skipped without it.
# Targets: snapshot <= 5 s against both servers; the round trip byte-identical.
# Writes bench/results/snapshot-scale.json.
source "$(dirname "$0")/lib.sh"
need_binaries
warn_if_busy
busy=$(machine_busy)
HOSTS=${BENCH_SNAPSHOT_HOSTS:-5000}
RUNS=${BENCH_RUNS:-3}
make_certs
TOKEN=$(cat "$INV_TOKEN_FILE")

# measured OUT CMD...: runs CMD with stdout to OUT; prints "exit seconds cpu_seconds
# peak_rss_kib" (a fresh python per run, so the children's rusage is this command's). CPU time
# (user + system) moves far less than wall time when other builds share the cores.
measured() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
with open(out, "w") as f:
    rc = subprocess.run(cmd, stdout=f).returncode
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(rc, round(time.monotonic() - t0, 3), round(ru.ru_utime + ru.ru_stime, 3), ru.ru_maxrss)
PY
}

# record NAME URL [-o yaml]: BENCH_RUNS snapshots; writes $WORK/NAME.json (the last recording)
# and $WORK/NAME.runs (one "seconds cpu_seconds rss_kib" line per run).
record() {
  local name=$1 url=$2
  shift 2
  : >"$WORK/$name.runs"
  for _ in $(seq "$RUNS"); do
    read -r rc s cpu kb < <(measured "$WORK/$name.json" "$BIN/host-harness" snapshot \
      --inventory-url "$url" --ca "$CERTS/ca.crt" --token-file "$INV_TOKEN_FILE" --timeout 120s "$@")
    [ "$rc" = 0 ] || die "snapshot of $name failed (exit $rc)"
    echo "$s $cpu $kb" >>"$WORK/$name.runs"
  done
}

python3 "$BENCH_DIR/gen/fixture.py" "$HOSTS" >"$WORK/generated.json"

# serve-inventory: the time to read the fixture (start to listening) and its memory.
t0=$(date +%s.%N)
start_inventory "$WORK/generated.json"
load_s=$(python3 -c "import sys; print(round($(date +%s.%N) - float(sys.argv[1]), 3))" "$t0")
load_cpu=$(python3 -c "import sys; print(round(int(sys.argv[1]) / int(sys.argv[2]), 2))" \
  "$(cpu_ticks "$INV_PID")" "$CLK_TCK")
load_kb=$(status_kb "$INV_PID" VmHWM)
record serve-inventory "$INV_URL"
served_kb=$(status_kb "$INV_PID" VmHWM)
stop_pid "$INV_PID"

# The real-shaped inventory.
log=$WORK/real.log
python3 "$BENCH_DIR/gen/real_inventory.py" "$WORK/generated.json" "$CERTS/tls.crt" \
  "$CERTS/tls.key" "$TOKEN" >"$log" 2>&1 &
REAL_PID=$!
STARTED_PIDS+=("$REAL_PID")
REAL_URL=https://127.0.0.1:$(wait_for_port "$log" "$REAL_PID")
record real-shaped "$REAL_URL"
stop_pid "$REAL_PID"

# The round trip: the recording served and recorded again.
start_inventory "$WORK/serve-inventory.json"
RUNS=1 record round-trip "$INV_URL"
same_bytes=false
cmp -s "$WORK/serve-inventory.json" "$WORK/round-trip.json" && same_bytes=true
same_as_real=false
cmp -s "$WORK/serve-inventory.json" "$WORK/real-shaped.json" && same_as_real=true

readers="[]"
READERS_BIN=${BENCH_YAML_BUILD:-$SRC/build-bench-yaml}/bin/bench-yaml-readers
if [ "${BENCH_FIXTURE_READERS:-1}" = 1 ] && [ ! -x "$READERS_BIN" ]; then
  echo "NOTE: no $READERS_BIN (bench/yaml-readers.sh builds it): fixture readers skipped" >&2
elif [ "${BENCH_FIXTURE_READERS:-1}" = 1 ]; then
  RUNS=1 record yaml "$INV_URL" -o yaml
  mv "$WORK/yaml.json" "$WORK/inventory.yaml"
  rows=()
  for r in json fast yaml-cpp libyaml; do
    file=$WORK/inventory.yaml
    [ "$r" = json ] && file=$WORK/serve-inventory.json
    read -r rc s cpu kb < <(measured "$WORK/reader-$r.out" "$READERS_BIN" --fixture "$r" "$file")
    rows+=("$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])) if sys.argv[2]=="0" else {"reader": sys.argv[3], "error": "declined or failed"}; r.update(wall_seconds=float(sys.argv[4]), cpu_seconds=float(sys.argv[5]), peak_rss_mb=round(int(sys.argv[6])/1024, 1), file_mb=round(int(sys.argv[7])/1048576, 1)); print(json.dumps(r))' \
      "$WORK/reader-$r.out" "$rc" "$r" "$s" "$cpu" "$kb" "$(stat -c %s "$file")")")
  done
  readers="[$(IFS=,; echo "${rows[*]}")]"
fi
stop_pid "$INV_PID"

python3 - "$WORK" "$RESULTS/snapshot-scale.json" "$(machine_json)" "$busy" "$HOSTS" "$load_s" \
  "$load_kb" "$served_kb" "$same_bytes" "$same_as_real" "$readers" "$load_cpu" <<'PY'
import json, os, statistics, sys
work, out, machine, busy, hosts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
load_s, load_kb, served_kb = float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
same_bytes, same_as_real, readers = sys.argv[9] == "true", sys.argv[10] == "true", json.loads(sys.argv[11])
load_cpu = float(sys.argv[12])
def runs(name):
    rows = [l.split() for l in open(f"{work}/{name}.runs")]
    secs = [float(r[0]) for r in rows]
    return {"runs_seconds": secs, "median_seconds": statistics.median(secs),
            "median_cpu_seconds": statistics.median(float(r[1]) for r in rows),
            "peak_rss_mb": round(max(int(r[2]) for r in rows) / 1024, 1)}
res = {"bench": "snapshot-scale", "machine": machine, "busy_compilers": busy, "hosts": hosts,
       "snapshot": {"serve-inventory": runs("serve-inventory"), "real-shaped": runs("real-shaped")},
       "output_mb": round(os.path.getsize(f"{work}/serve-inventory.json") / 1048576, 1),
       "round_trip_identical": same_bytes, "real_shaped_recording_identical": same_as_real,
       "serve_inventory": {"load_seconds": load_s, "load_cpu_seconds": load_cpu,
                           "vmhwm_after_load_mb": round(load_kb / 1024, 1),
                           "vmhwm_after_serving_mb": round(served_kb / 1024, 1)},
       "fixture_readers": readers, "target": {"snapshot_seconds": 5}}
if readers:
    res["snapshot"]["yaml"] = runs("yaml")
res["pass"] = same_bytes and all(res["snapshot"][k]["median_seconds"] <= 5
                                  for k in ("serve-inventory", "real-shaped"))
json.dump(res, open(out, "w"), indent=2)
print(f"snapshot of {hosts} real-size hosts ({res['output_mb']} MB of JSON), {len(res['snapshot']['serve-inventory']['runs_seconds'])} runs each:")
for k, v in res["snapshot"].items():
    print(f"  from {k:16} median {v['median_seconds']:6.2f} s (CPU {v['median_cpu_seconds']:.2f} s)  "
          f"runs {v['runs_seconds']}  peak RSS {v['peak_rss_mb']} MB")
print(f"round trip (serve the recording, record again) byte-identical: {same_bytes}; "
      f"the real-shaped inventory's recording is the same bytes: {same_as_real}")
print(f"serve-inventory reads the fixture in {load_s} s (CPU {load_cpu} s), VmHWM {res['serve_inventory']['vmhwm_after_load_mb']} MB "
      f"({res['serve_inventory']['vmhwm_after_serving_mb']} MB after serving the recordings)")
for r in readers:
    print(f"  reader {r['reader']:9} {r.get('seconds', float('nan')):6.2f} s (CPU {r['cpu_seconds']:6.2f} s)  "
          f"peak RSS {r['peak_rss_mb']:7.1f} MB  "
          f"({r['file_mb']} MB file) {r.get('error', '')}")
print(f"snapshot <= 5 s from both, round trip identical: {'PASS' if res['pass'] else 'MISS'}")
print(f"result: {out}")
PY
