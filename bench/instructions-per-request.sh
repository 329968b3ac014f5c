#!/usr/bin/env bash
# User-space instructions and heap allocations per /mutate for the whole server (TLS, HTTP, the
# admission, the cache; every thread), counted by valgrind, so the numbers do not depend on how
# busy the machine is. The webhook runs twice under callgrind, answering 200 and then 1,200
# reviews sent one after the other on one TLS keep-alive connection; the difference divided by
# 1,000 is one request, with start-up, the handshake, the first inventory fetch and shutdown
# taken out. The same two runs under DHAT count the heap blocks allocated per request.
# The review is bench/review-apply.json (2,086 bytes: what `kubectl apply` makes the apiserver
# send, last-applied annotation and managedFields included; BENCH_REVIEW to change) against a
# serve-inventory behind --inventory-url, warm cache, glibc tuned as the image tunes it.
# Target: at most 70,000 instructions per /mutate. Writes bench/results/instructions-per-request.json.
source "$(dirname "$0")/lib.sh"
need_binaries
need valgrind valgrind
need python3 python3
busy=$(machine_busy)
make_certs
start_inventory "$SRC/examples/inventory.yaml"

REVIEW=${BENCH_REVIEW:-$BENCH_DIR/review-apply.json}
URL_PATH=${BENCH_PATH:-/mutate?timeout=10s}
SMALL=${BENCH_SMALL:-200}
LARGE=${BENCH_LARGE:-1200}
TARGET=70000
# The bench policy, with time for the first inventory fetch under valgrind (50 times slower).
{ cat "$BENCH_DIR/policy.yaml"; echo "inventoryTimeout: 20s"; } >"$WORK/policy.yaml"

# counted TOOL COUNT: the webhook under valgrind TOOL answering COUNT reviews; leaves its output
# in $WORK/TOOL.COUNT.{out,log}.
counted() {
  local tool=$1 count=$2 log=$WORK/$1.$2.log pid port
  local out_flag=--callgrind-out-file
  [ "$tool" = dhat ] && out_flag=--dhat-out-file
  GLIBC_TUNABLES=${BENCH_GLIBC_TUNABLES-$IMAGE_TUNABLES} valgrind --tool="$tool" \
    "$out_flag=$WORK/$tool.$count.out" "$BIN/host-webhook" --listen 127.0.0.1:0 \
    --tls-cert "$CERTS/tls.crt" --tls-key "$CERTS/tls.key" --log-level warn \
    --inventory-url "$INV_URL" --inventory-ca "$CERTS/ca.crt" \
    --inventory-token-file "$INV_TOKEN_FILE" --policy "$WORK/policy.yaml" \
    ${BENCH_WEBHOOK_ARGS:-} >"$log" 2>&1 &
  pid=$!
  STARTED_PIDS+=("$pid")
  for _ in $(seq 600); do
    port=$(listen_port "$pid" 2>/dev/null) && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "host-webhook under $tool exited"; }
    sleep 0.1
  done
  [ -n "${port:-}" ] || die "host-webhook under $tool is not listening after 60 s"
  timeout 600 python3 "$BENCH_DIR/keepalive_client.py" --port "$port" --path "$URL_PATH" \
    --body "$REVIEW" --count "$count" >/dev/null || { cat "$log" >&2; die "the client failed"; }
  # valgrind writes its counts when the process exits: SIGTERM is a graceful shutdown.
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

for tool in callgrind dhat; do
  for count in "$SMALL" "$LARGE"; do counted "$tool" "$count"; done
done

python3 - "$WORK" "$SMALL" "$LARGE" "$TARGET" "$REVIEW" "$URL_PATH" "$RESULTS/instructions-per-request.json" \
  "$(machine_json)" "$busy" <<'PY'
import json, os, re, sys
work, small, large, target, review, path, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
machine, busy = json.loads(sys.argv[8]), int(sys.argv[9])

def instructions(count):
    for line in open(f"{work}/callgrind.{count}.out"):
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    sys.exit(f"no totals in callgrind.{count}.out")

def blocks(count):
    text = open(f"{work}/dhat.{count}.log").read()
    m = re.search(r"Total:\s+([\d,]+) bytes in ([\d,]+) blocks", text)
    if not m:
        sys.exit(f"no DHAT totals in dhat.{count}.log")
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))

n = large - small
ir = (instructions(large) - instructions(small)) / n
(b_large, k_large), (b_small, k_small) = blocks(large), blocks(small)
allocs, nbytes = (k_large - k_small) / n, (b_large - b_small) / n
print(f"{path} with {os.path.basename(review)} ({os.path.getsize(review)} bytes), "
      f"{small} and {large} requests on one keep-alive connection:")
print(f"  user-space instructions per request: {ir:,.0f} (target <= {target:,})")
print(f"  heap allocations per request:        {allocs:.1f} ({nbytes:,.0f} bytes)")
ok = ir <= target or not path.startswith("/mutate")
json.dump({"bench": "instructions-per-request", "machine": machine, "busy_compilers": busy,
           "review": os.path.basename(review), "review_bytes": os.path.getsize(review),
           "path": path, "instructions_per_request": round(ir), "target": target,
           "allocations_per_request": round(allocs, 1), "bytes_allocated_per_request": round(nbytes),
           "pass": ok}, open(out, "w"), indent=2)
print(f"result: {out}")
sys.exit(0 if ok else 1)
PY
