#!/usr/bin/env bash
# Soak: 60 s of paced /mutate load while the inventory flaps (HTTP 500, latency beyond the
# request's deadline, 206 "not synced", dropped connections) and the serving certificate rotates
# every 10 s. What the failure policy prescribes (bench/soak-policy.yaml: 2 s TTL, stale-if-error
# 10 m, deny) is: every answer HTTP 200 within the apiserver's ?timeout=3s; admitted (with
# inventory-stale when a stale entry was served) except `provider-not-ready` denials while the
# inventory says 206 (an answer, not a failure) and for one TTL after. Anything else counts as a
# failed or late admission. Also: RSS and open fds of the webhook at start and end.
# Writes bench/results/soak.json.
source "$(dirname "$0")/lib.sh"
need_binaries
warn_if_busy
busy=$(machine_busy)
SOAK_SECONDS=${SOAK_SECONDS:-60}
RATE=${SOAK_RATE:-300}
PHASE=${SOAK_PHASE_SECONDS:-5}
ROTATE_EVERY=${SOAK_ROTATE_SECONDS:-10}
make_certs
start_inventory "$SRC/examples/inventory.yaml"
start_webhook_inventory \
  --policy "$BENCH_DIR/soak-policy.yaml" --cert-poll-interval 1s
review=$BENCH_DIR/review3k.json
check_admission "$HOOK_URL/mutate?timeout=3s" "$review"
# Warm-up: the soak's own shape for 5 s (TLS sessions, the inventory cache, the workers it uses:
# the transport hands connections to the most recently idle worker, so 8 connections keep about
# 8 workers busy and the rest asleep). Only growth after that is measured.
python3 "$BENCH_DIR/soak_client.py" "$HOOK_URL/mutate?timeout=3s" "$CERTS/ca.crt" "$review" 5 "$RATE" 8 50 >/dev/null

rss_start=$(status_kb "$HOOK_PID" VmRSS)
fd_start=$(fd_count "$HOOK_PID")
faults=('{}' '{"status": 500}' '{}' '{"latencyMs": 5000}' '{}' '{"status": 206}' '{}' '{"drop": true}'
  '{}' '{"status": 503}' '{}' '{"latencyMs": 5000}')

timeout $((SOAK_SECONDS + 60)) python3 "$BENCH_DIR/soak_client.py" "$HOOK_URL/mutate?timeout=3s" \
  "$CERTS/ca.crt" "$review" "$SOAK_SECONDS" "$RATE" 8 50 >"$WORK/soak.jsonl" &
client=$!
STARTED_PIDS+=("$client")

# Fault and rotation schedule, timestamped so every answer can be judged against it.
: >"$WORK/timeline"
t0=$(date +%s)
i=0
next_rotate=$((t0 + ROTATE_EVERY))
while kill -0 "$client" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$SOAK_SECONDS" ]; do
  f=${faults[$((i % ${#faults[@]}))]}
  curl -skf -X POST -H 'Content-Type: application/json' -d "$f" "$INV_URL/__faults" >/dev/null ||
    echo "WARNING: could not set fault $f" >&2
  echo "$(date +%s.%N) fault $f" >>"$WORK/timeline"
  end=$(($(date +%s) + PHASE))
  while [ "$(date +%s)" -lt $end ] && kill -0 "$client" 2>/dev/null; do
    if [ "$(date +%s)" -ge $next_rotate ]; then
      serial=$("$SRC/certs/make-certs.sh" --out "$CERTS" --service localhost --ip 127.0.0.1 --rotate 2>/dev/null)
      echo "$(date +%s.%N) rotate $serial" >>"$WORK/timeline"
      next_rotate=$((next_rotate + ROTATE_EVERY))
    fi
    echo "$(date +%s.%N) rss $(status_kb "$HOOK_PID" VmRSS) $(fd_count "$HOOK_PID")" >>"$WORK/timeline"
    sleep 0.5
  done
  i=$((i + 1))
done
curl -skf -X POST -H 'Content-Type: application/json' -d '{}' "$INV_URL/__faults" >/dev/null || true
echo "$(date +%s.%N) fault {}" >>"$WORK/timeline"
wait "$client" || die "soak client failed"
sleep 1
rss_end=$(status_kb "$HOOK_PID" VmRSS)
fd_end=$(fd_count "$HOOK_PID")
alive=1
kill -0 "$HOOK_PID" 2>/dev/null || alive=0

python3 - "$WORK" "$RESULTS/soak.json" "$(machine_json)" "$busy" "$rss_start" "$rss_end" \
  "$fd_start" "$fd_end" "$alive" "$SOAK_SECONDS" "$RATE" <<'PY'
import json, sys
work, out, machine, busy = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
rss0, rss1, fd0, fd1, alive = (int(x) for x in sys.argv[5:10])
secs, rate = int(sys.argv[10]), int(sys.argv[11])
TTL, NEG, DEADLINE_MS = 2.0, 1.0, 3000.0
faults, rotations, samples = [], [], []
for line in open(f"{work}/timeline"):
    t, kind, rest = line.split(" ", 2)
    if kind == "rss":
        samples.append((float(t), int(rest.split()[0]), int(rest.split()[1])))
    elif kind == "fault":
        faults.append((float(t), json.loads(rest)))
    else:
        rotations.append((float(t), rest.strip()))

def status_206_near(t):
    # the 206 window, stretched by one TTL + negative TTL after it ended, and 1 s of slack
    for i, (start, f) in enumerate(faults):
        end = faults[i + 1][0] if i + 1 < len(faults) else float("inf")
        if f.get("status") == 206 and start - 1 <= t <= end + TTL + NEG + 1:
            return True
    return False

recs = [json.loads(l) for l in open(f"{work}/soak.jsonl")]
c = {"requests": len(recs), "admitted": 0, "admitted_stale": 0, "denied_prescribed": 0,
     "failed_transport": 0, "failed_http": 0, "late": 0, "denied_unexpected": 0}
examples = []
lat = []
serials = set()
for r in recs:
    serials.add(r["serial"])
    bad = None
    if r["error"]:
        c["failed_transport"] += 1; bad = r["error"]
    elif r["status"] != 200:
        c["failed_http"] += 1; bad = f"HTTP {r['status']}"
    else:
        lat.append(r["ms"])
        if r["ms"] > DEADLINE_MS:
            c["late"] += 1; bad = f"late {r['ms']} ms"
        elif r["allowed"]:
            c["admitted"] += 1
            c["admitted_stale"] += "inventory-stale" in r["warnings"]
        elif r["rules"] == ["provider-not-ready"] and status_206_near(r["t"]):
            c["denied_prescribed"] += 1
        else:
            c["denied_unexpected"] += 1; bad = f"denied {r['rules']}"
    if bad and len(examples) < 10:
        examples.append({"t": round(r["t"] - faults[0][0], 3), "what": bad})
# Flat memory: no growth over the second half of the run (the first half meets every kind of
# fault once, which may allocate lasting state once: connections, stale entries).
half = faults[0][0] + secs / 2
mid = next((s[1] for s in samples if s[0] >= half), rss0)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else None
fails = c["failed_transport"] + c["failed_http"] + c["late"] + c["denied_unexpected"]
res = {"bench": "soak", "machine": machine, "busy_compilers": busy, "seconds": secs,
       "target_rps": rate, "counts": c, "latency_ms": {"p50": p(0.5), "p99": p(0.99), "max": lat[-1] if lat else None},
       "faults": [f for _, f in faults], "rotations": len(rotations),
       "distinct_server_serials_seen": len(serials - {None}),
       "rss_mb": {"start": round(rss0 / 1024, 1), "end": round(rss1 / 1024, 1),
                  "half_time": round(mid / 1024, 1), "max": round(max(s[1] for s in samples) / 1024, 1)},
       "rss_mb_every_5s": [round(x[1] / 1024, 1) for x in samples[::10]],
       "fds": {"start": fd0, "end": fd1}, "webhook_alive_at_end": bool(alive),
       "failed_or_late": fails, "examples": examples}
res["pass"] = (fails == 0 and alive == 1 and fd1 <= fd0 + 2 and rss1 <= mid + 1024
               and res["distinct_server_serials_seen"] >= 2)
json.dump(res, open(out, "w"), indent=2)
print(f"soak {secs} s at {rate} req/s: faults cycled {[json.dumps(f) for _, f in faults][:12]}")
print(f"certificate rotations: {len(rotations)}; distinct serials seen by fresh handshakes: {res['distinct_server_serials_seen']}")
for k, v in c.items():
    print(f"  {k:20s} {v}")
print(f"  latency ms           p50 {p(0.5)}  p99 {p(0.99)}  max {lat[-1] if lat else None}")
print(f"RSS MB start {res['rss_mb']['start']} half-time {res['rss_mb']['half_time']} end {res['rss_mb']['end']} "
      f"max {res['rss_mb']['max']} (flat: end <= half-time + 1 MB); fds start {fd0} end {fd1}")
if examples:
    print("first failures:", json.dumps(examples))
print(f"failed or late admissions: {fails} (target 0); memory flat, no fd growth: "
      f"{'PASS' if res['pass'] else 'FAIL'}")
print(f"result: {out}")
PY
