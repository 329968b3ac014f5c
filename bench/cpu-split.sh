#!/usr/bin/env bash
# Where the CPU of a /mutate goes, against nginx's static answer under the same wrk load: each
# server profiled by perf (cpu-clock samples, every thread) for one wrk run, one after the
# other, and its CPU per request split by the library it ran in (the kernel, host-webhook,
# libc, libcrypto, simdjson, ...); then system calls and context switches per request, counted
# by perf's tracepoints in a second run. mutate-throughput.sh says how far apart the two are;
# this says in which part, which is what a change meant to close the distance has to move.
# The sampling costs each server about a third more CPU per request: compare the two columns,
# not with mutate-throughput.sh's numbers; and either server's total moves by 10-20 % between
# runs on a shared machine, so run it twice before reading a row's difference as real.
# Not part of `make bench`: it needs perf (`apt-get install linux-perf`) and a kernel that lets
# root sample (perf_event_paranoid).
# Writes bench/results/cpu-split.json.
source "$(dirname "$0")/lib.sh"
need_binaries
need wrk wrk
command -v perf >/dev/null 2>&1 || die "perf is not installed (Debian: apt-get install linux-perf)"
perf stat -e cpu-clock -- true >/dev/null 2>&1 ||
  die "perf cannot count here (perf_event_paranoid is $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown); run as root, or lower it)"
warn_if_busy
make_certs
DURATION=${BENCH_DURATION:-4}
FREQ=${BENCH_PERF_FREQ:-4000}

start_load_webhook
start_nginx
review=$BENCH_DIR/review3k.json
check_admission "$HOOK_URL/mutate?timeout=10s" "$review"
DURATION=2 run_wrk warmup.webhook "$HOOK_URL/mutate?timeout=10s" "$review"
DURATION=2 run_wrk warmup.nginx "https://127.0.0.1:$NGINX_PORT/" "$review"

syscalls=(read write epoll_wait epoll_ctl futex poll)
tracepoints=()
for s in "${syscalls[@]}"; do tracepoints+=(-e "syscalls:sys_enter_$s"); done

# profiled NAME PID URL: a wrk run while perf samples every thread of PID; then one while perf
# counts its system calls. Leaves $WORK/NAME.{dso,stat,wrk.json,count.wrk.json}.
profiled() {
  local name=$1 pid=$2 url=$3 pids perf_pid
  pids=$(pid_tree "$pid" | paste -sd,)
  perf record -F "$FREQ" -p "$pids" -o "$WORK/$name.data" -- sleep $((DURATION + 1)) \
    >"$WORK/$name.record.log" 2>&1 &
  perf_pid=$!
  STARTED_PIDS+=("$perf_pid")
  sleep 0.3
  run_wrk "$name" "$url" "$review"
  wait "$perf_pid" || die "perf record failed: $(tail -3 "$WORK/$name.record.log")"
  perf report -i "$WORK/$name.data" --sort dso -n --stdio 2>/dev/null |
    awk '!/^#/ && NF >= 3 {print $2, $3}' >"$WORK/$name.dso"
  perf stat "${tracepoints[@]}" -e context-switches -x, -p "$pids" -o "$WORK/$name.stat" \
    -- sleep $((DURATION + 1)) >/dev/null 2>&1 &
  perf_pid=$!
  STARTED_PIDS+=("$perf_pid")
  sleep 0.3
  run_wrk "$name.count" "$url" "$review"
  wait "$perf_pid" || echo "perf could not count system calls (no tracefs?): that part is left out" >&2
}
profiled webhook "$HOOK_PID" "$HOOK_URL/mutate?timeout=10s"
profiled nginx "$NGINX_PID" "https://127.0.0.1:$NGINX_PORT/"

python3 - "$WORK" "$FREQ" "$RESULTS/cpu-split.json" "$(machine_json)" "${syscalls[*]}" <<'PY'
import json, os, sys
work, freq, out, machine, syscalls = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), sys.argv[5].split()
def split(name):
    requests = json.load(open(f"{work}/{name}.wrk.json"))["requests"]
    us = {}
    for line in open(f"{work}/{name}.dso"):
        samples, dso = line.split(maxsplit=1)
        dso = dso.strip()
        dso = "kernel" if dso.startswith("[kernel") else dso.split(".so")[0]
        if dso in ("host-webhook", "nginx"):
            dso = "the server's own code"
        us[dso] = us.get(dso, 0) + int(samples) * 1e6 / freq / requests
    return requests, us
def counts(name):
    path = f"{work}/{name}.stat"
    requests = json.load(open(f"{work}/{name}.count.wrk.json"))["requests"]
    per = {}
    if os.path.exists(path):
        for line in open(path):
            f = line.strip().split(",")
            if len(f) > 2 and f[0].replace(".", "").isdigit():
                event = f[2].replace("syscalls:sys_enter_", "")
                per[event] = round(int(float(f[0])) / requests, 3)
    return per
res = {"bench": "cpu-split", "machine": machine, "perf_frequency_hz": freq, "pass": True}
for name in ("webhook", "nginx"):
    requests, us = split(name)
    res[name] = {"requests": requests, "cpu_us_per_request": {k: round(v, 2) for k, v in us.items()},
                 "per_request": counts(name)}
w, n = res["webhook"]["cpu_us_per_request"], res["nginx"]["cpu_us_per_request"]
rows = sorted(set(w) | set(n), key=lambda k: -(w.get(k, 0) - n.get(k, 0)))
print(f"CPU per request under perf (us), /mutate against nginx's static answer:")
print(f"  {'where':<28}{'webhook':>9}{'nginx':>9}{'difference':>12}")
for k in rows:
    if max(w.get(k, 0), n.get(k, 0)) >= 0.1:
        print(f"  {k:<28}{w.get(k, 0):>9.2f}{n.get(k, 0):>9.2f}{w.get(k, 0) - n.get(k, 0):>12.2f}")
print(f"  {'total':<28}{sum(w.values()):>9.2f}{sum(n.values()):>9.2f}{sum(w.values()) - sum(n.values()):>12.2f}")
pw, pn = res["webhook"]["per_request"], res["nginx"]["per_request"]
if pw or pn:
    print("per request:", ", ".join(f"{e} {pw.get(e, '?')} / {pn.get(e, '?')}"
                                    for e in syscalls + ["context-switches"]), "(webhook / nginx)")
json.dump(res, open(out, "w"), indent=1)
print("result:", out)
PY
