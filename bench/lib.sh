# Shared by the bench/*.sh scripts (sourced): paths, certificates, starting and stopping the
# webhook, serve-inventory and nginx by pid, /proc sampling, and running wrk. Every process a
# script starts is recorded and stopped by pid on exit, whatever happens.
# shellcheck shell=bash
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$BENCH_DIR/.." && pwd)
BIN=${BIN_DIR:-$SRC/build/bin}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
DURATION=${BENCH_DURATION:-10}   # seconds per load run
THREADS=${BENCH_THREADS:-2}      # wrk threads
CONNS=${BENCH_CONNS:-32}         # keep-alive connections
CLK_TCK=$(getconf CLK_TCK)
mkdir -p "$RESULTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hostadm-bench.XXXXXX")
STARTED_PIDS=()
INV_URL=""  # set by start_inventory; never taken from the environment

die() {
  echo "${0##*/}: $*" >&2
  exit 2
}
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed (Debian: apt-get install $2; make bench installs it)"; }

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # BENCH_KEEP_WORK=1 keeps logs (e.g. a sanitizer build's leak report) for a post-mortem.
  if [ "${BENCH_KEEP_WORK:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local pid=$1 sig=${2:-TERM}
  kill -"$sig" "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Compilers and load generators compete for the same 2 cores: record how busy the box was.
machine_busy() { pgrep -c -f 'cc1plus|ninja|clang' || true; }
machine_json() {
  printf '{"cpu":"%s","cores":%s,"mem_gib":%s,"kernel":"%s","busy_compilers_at_start":%s}' \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" "$(nproc)" \
    "$(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo)" "$(uname -r)" "$(machine_busy)"
}
warn_if_busy() {
  local n
  n=$(machine_busy)
  [ "$n" -eq 0 ] || echo "NOTE: $n compiler processes are running: numbers below are from a busy machine" >&2
}

need_binaries() {
  [ -x "$BIN/host-webhook" ] && [ -x "$BIN/host-harness" ] ||
    die "build first: make build (looked in $BIN; BIN_DIR overrides)"
}

make_certs() {
  "$SRC/certs/make-certs.sh" --out "$WORK/certs" --service localhost --ip 127.0.0.1 >/dev/null 2>&1 ||
    die "certs/make-certs.sh failed"
  CERTS=$WORK/certs
  # The inventory demands a bearer token, as the real one does.
  printf 'bench-token-%s' "$RANDOM$RANDOM" >"$WORK/token"
  INV_TOKEN_FILE=$WORK/token
}

# wait_for_port LOGFILE PID -> echoes the port from the first "https://127.0.0.1:PORT" in LOGFILE
wait_for_port() {
  local log=$1 pid=$2 port=""
  for _ in $(seq 200); do
    port=$(grep -o -m1 'https\?://127\.0\.0\.1:[0-9]\+' "$log" 2>/dev/null | head -1 | sed 's/.*://') || true
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "process $pid exited before listening"; }
    sleep 0.05
  done
  cat "$log" >&2
  die "no listening address in $log after 10 s"
}

# listen_port PID: the TCP port PID listens on (from /proc, so it works at any log level).
listen_port() {
  python3 - "$1" <<'PY'
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        t = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes.add(t[8:-1])
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).readlines()[1:]:
        f = line.split()
        if f[3] == "0A" and f[9] in inodes:
            print(int(f[1].split(":")[1], 16))
            sys.exit(0)
sys.exit(1)
PY
}
wait_for_listen() {  # wait_for_listen PID LOG -> echoes the port
  local port
  for _ in $(seq 200); do
    port=$(listen_port "$1" 2>/dev/null) && { echo "$port"; return 0; }
    kill -0 "$1" 2>/dev/null || { cat "$2" >&2; die "process $1 exited before listening"; }
    sleep 0.05
  done
  cat "$2" >&2
  die "process $1 is not listening after 10 s"
}

# start_inventory FIXTURE -> sets INV_PID INV_PORT INV_URL
start_inventory() {
  local log=$WORK/inventory.$RANDOM.log
  "$BIN/host-harness" serve-inventory --inventory "$1" --listen 127.0.0.1:0 \
    --tls-cert "$CERTS/tls.crt" --tls-key "$CERTS/tls.key" --token "$(cat "$INV_TOKEN_FILE")" \
    >"$log" 2>&1 &
  INV_PID=$!
  STARTED_PIDS+=("$INV_PID")
  INV_PORT=$(wait_for_port "$log" "$INV_PID")
  INV_URL=https://127.0.0.1:$INV_PORT
}

# start_webhook ARGS... -> sets HOOK_PID HOOK_PORT HOOK_URL (logs at warn: no per-request line)
# start_webhook_inventory ARGS...: the same, asking the serve-inventory started last.
start_webhook_inventory() {
  start_webhook --inventory-url "$INV_URL" --inventory-ca "$CERTS/ca.crt" \
    --inventory-token-file "$INV_TOKEN_FILE" "$@"
}
# start_load_webhook [ARGS...]: a serve-inventory on the sample fixture (the one already started,
# for a second webhook) and a host-webhook asking it with the bench policy, keeping idle
# connections 300 s (wrk's and hold_idle's stay open for the whole run): what the scripts that
# load /mutate with wrk compare with nginx.
start_load_webhook() {
  [ -n "${INV_URL:-}" ] || start_inventory "$SRC/examples/inventory.yaml"
  start_webhook_inventory --policy "$BENCH_DIR/policy.yaml" --keep-alive-timeout 300s "$@"
}
# The malloc tuning the image sets (ENV GLIBC_TUNABLES in the Dockerfile), so the numbers are
# the image's; BENCH_GLIBC_TUNABLES overrides it (empty: glibc's defaults).
IMAGE_TUNABLES=$(sed -n 's/^ENV GLIBC_TUNABLES=//p' "$SRC/Dockerfile")
start_webhook() {
  local log=$WORK/webhook.$RANDOM.log
  GLIBC_TUNABLES=${BENCH_GLIBC_TUNABLES-$IMAGE_TUNABLES} "$BIN/host-webhook" --listen 127.0.0.1:0 --tls-cert "$CERTS/tls.crt" --tls-key "$CERTS/tls.key" \
    --log-level "${BENCH_LOG_LEVEL:-warn}" "$@" ${BENCH_WEBHOOK_ARGS:-} >"$log" 2>&1 &
  HOOK_PID=$!
  HOOK_LOG=$log
  STARTED_PIDS+=("$HOOK_PID")
  HOOK_PORT=$(wait_for_listen "$HOOK_PID" "$log")
  HOOK_URL=https://127.0.0.1:$HOOK_PORT
  for _ in $(seq 100); do
    curl -skf "$HOOK_URL/readyz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  die "host-webhook never became ready ($log)"
}

# start_nginx -> sets NGINX_PID NGINX_PORT: a static 200-byte HTTPS answer to every request,
# keep-alive, same certificate, as many workers as cores (same CPU budget as the webhook).
# NGINX_CONNECTIONS: connections per worker (default 1024; the floods need more).
start_nginx() {
  need nginx nginx-light
  local dir=$WORK/nginx port
  mkdir -p "$dir/logs" "$dir/tmp"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local body
  body=$(python3 -c 'import json; b={"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","allowed":True}}; s=json.dumps(b,separators=(",",":")); print(s+" "*(200-len(s)))')
  sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@CERT@|$CERTS/tls.crt|g" \
    -e "s|@KEY@|$CERTS/tls.key|g" -e "s|@WORKERS@|$(nproc)|g" -e "s|@BODY@|$body|g" \
    -e "s|@CONNECTIONS@|${NGINX_CONNECTIONS:-1024}|g" \
    -e "s|@FILES@|$(( ${NGINX_CONNECTIONS:-1024} * 2 > $(ulimit -Hn) ? $(ulimit -Hn) : ${NGINX_CONNECTIONS:-1024} * 2 ))|g" \
    "$BENCH_DIR/nginx.conf.template" >"$dir/nginx.conf"
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" &
  NGINX_PID=$!
  STARTED_PIDS+=("$NGINX_PID")
  NGINX_PORT=$port
  for _ in $(seq 100); do
    [ "$(curl -sk -o /dev/null -w '%{size_download}' "https://127.0.0.1:$port/")" = 200 ] && return 0
    sleep 0.05
  done
  cat "$dir/logs/error.log" >&2
  die "nginx did not answer with 200 bytes"
}

# The pid and every descendant (nginx workers): CPU and memory are summed over them.
pid_tree() {
  local pid=$1
  echo "$pid"
  local c
  for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do pid_tree "$c"; done
}
cpu_ticks() {  # utime+stime of the tree, in clock ticks
  local total=0 p
  for p in $(pid_tree "$1"); do
    total=$((total + $(awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null || echo 0)))
  done
  echo "$total"
}
status_kb() {  # status_kb PID FIELD -> sum of FIELD (VmHWM, VmRSS) over the tree, in KiB
  local total=0 p v
  for p in $(pid_tree "$1"); do
    v=$(awk -v f="$2:" '$1 == f {print $2}' /proc/"$p"/status 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
fd_count() { ls /proc/"$1"/fd 2>/dev/null | wc -l; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }

# run_wrk NAME URL BODYFILE [extra wrk args] -> writes $WORK/NAME.wrk.json:
# {"requests","duration_s","rps","p50_ms","p90_ms","p99_ms","max_ms","errors","non2xx"}
run_wrk() {
  local name=$1 url=$2 body=$3
  shift 3
  need wrk wrk
  BODY=$body timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 5s \
    -s "$BENCH_DIR/post.lua" "$@" "$url" >"$WORK/$name.wrk.out" 2>&1 ||
    { cat "$WORK/$name.wrk.out" >&2; die "wrk failed against $url"; }
  grep '^JSON ' "$WORK/$name.wrk.out" | sed 's/^JSON //' >"$WORK/$name.wrk.json"
  [ -s "$WORK/$name.wrk.json" ] || { cat "$WORK/$name.wrk.out" >&2; die "no wrk summary"; }
}
json_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# measure NAME PID URL BODYFILE: wrk against URL while sampling PID's CPU time and RSS;
# writes $WORK/NAME.json with the wrk numbers plus cpu_us_per_req, peak_rss_mb, rss_mb_end.
measure() {
  local name=$1 pid=$2 url=$3 body=$4 t0 t1
  t0=$(cpu_ticks "$pid")
  run_wrk "$name" "$url" "$body"
  t1=$(cpu_ticks "$pid")
  python3 - "$WORK/$name.wrk.json" "$((t1 - t0))" "$CLK_TCK" "$(status_kb "$pid" VmHWM)" \
    "$(status_kb "$pid" VmRSS)" >"$WORK/$name.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
ticks, hz, hwm, rss = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
w["cpu_us_per_req"] = round(ticks / hz * 1e6 / max(1, w["requests"]), 1)
w["peak_rss_mb"] = round(hwm / 1024, 1)
w["rss_mb_end"] = round(rss / 1024, 1)
print(json.dumps(w))
PY
}

# hold_idle NAME PORT COUNT: COUNT TLS connections, each idle after one request, held open in the
# background until stop_idle NAME (sets IDLE_PID_NAME).
hold_idle() {
  local ready=$WORK/$1.hold
  python3 "$BENCH_DIR/flood_client.py" --port "$2" --pid $$ --silent 0 --slow 0 --idle "$3" \
    --hold "$ready" >"$WORK/$1.hold.log" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  printf -v "IDLE_PID_$1" '%s' "$pid"
  for _ in $(seq 1200); do
    [ -s "$ready" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/$1.hold.log" >&2; die "holding $3 idle connections failed"; }
    sleep 0.1
  done
  die "$3 idle connections were not open after 120 s"
}
stop_idle() {
  local var=IDLE_PID_$1
  stop_pid "${!var}"
}

# check_admission URL BODYFILE: one request must come back 200 and allowed, else the load run
# would measure error answers.
check_admission() {
  local out
  out=$(curl -sk -X POST -H 'Content-Type: application/json' --data-binary @"$2" "$1") ||
    die "POST $1 failed"
  python3 -c 'import json,sys; r=json.loads(sys.argv[1])["response"]; sys.exit(0 if r.get("allowed") else 1)' "$out" ||
    die "POST $1 was not admitted: $out"
}

# validate_review REVIEW URL OUT: the review /validate gets after /mutate's patch is applied.
validate_review() {
  curl -sk -X POST -H 'Content-Type: application/json' --data-binary @"$1" "$2/mutate?timeout=10s" \
    >"$WORK/mutate-answer.json" || die "POST $2/mutate failed"
  python3 "$BENCH_DIR/gen/validated.py" "$1" "$WORK/mutate-answer.json" >"$3" ||
    die "cannot build the /validate review from $(cat "$WORK/mutate-answer.json")"
}

# A table row per measured server; columns shared by the throughput scripts.
print_header() {
  printf '%-26s %10s %9s %9s %9s %12s %10s %7s\n' run req/s p50_ms p99_ms max_ms cpu_us/req peak_MB errors
}
print_row() {  # print_row LABEL FILE
  python3 - "$1" "$2" <<'PY'
import json, sys
w = json.load(open(sys.argv[2]))
print("%-26s %10.0f %9.3f %9.3f %9.2f %12.1f %10.1f %7d" % (sys.argv[1], w["rps"], w["p50_ms"],
      w["p99_ms"], w["max_ms"], w["cpu_us_per_req"], w["peak_rss_mb"], w["errors"] + w["non2xx"]))
PY
}
