#!/usr/bin/env bash
# Latency of /mutate at a fixed 5,000 requests/s (target: p99 <= 1 ms), TLS keep-alive, 3 KiB
# review, warm cache.
#
# Why h2load: wrk measures closed-loop (the next request waits for the previous answer), which
# says nothing about latency at a given rate, and wrk2 is not in Debian. h2load (nghttp2-client)
# paces each client with --rps, speaks HTTP/1.1 with --h1, and its --log-file records every
# request's latency, from which this script computes exact percentiles (h2load itself prints only
# mean/sd). 8 clients x 625 req/s = 5,000 req/s. Each client is paced, not open-loop: a request
# delayed past its slot delays the next (coordinated omission), which at ~0.2 ms service time
# against a 1.6 ms slot per client cannot hide more than one slot; the max column shows it.
# 8 x 125 rather than 10 x 100 dates from the cpp-httplib server, whose keep-alive wait was
# poll(10 ms) then sleep(1 ms): a client sending exactly every 10 ms landed in that sleep (+~0.8 ms
# p50). The webhook's own transport blocks in poll() until the request arrives, so the split no
# longer matters; it is kept so results stay comparable. BENCH_RATE_CLIENTS changes it.
# One h2load thread per client (-t CLIENTS), so each client keeps its own timer. With one thread
# for all (-t 1, what this script did until 2026-11-27) the clients' timers fire in the same
# event-loop turn: 40-77 % of requests started within 25 us of the one before, a burst of 8 every
# 1.6 ms, against 12 % for random arrivals at 5,000/s. No apiserver sends that: its calls come
# from independent client writes. Under those bursts the p99 is the time to answer 8 requests at
# once on 2 cores, for nginx too (1.1 ms for both on 2026-11-26). BENCH_RATE_THREADS=1 brings
# that mode back. The script prints the share of such close starts ("bursty") for every run.
# Writes bench/results/latency-fixed-rate.json.
source "$(dirname "$0")/lib.sh"
need_binaries
need h2load nghttp2-client
warn_if_busy
busy=$(machine_busy)
RATE=${BENCH_RATE:-5000}
CLIENTS=${BENCH_RATE_CLIENTS:-8}
THREADS=${BENCH_RATE_THREADS:-$CLIENTS}
SECONDS_RUN=${BENCH_RATE_SECONDS:-20}
make_certs
start_inventory "$SRC/examples/inventory.yaml"
start_webhook_inventory --policy "$BENCH_DIR/policy.yaml"
start_nginx
review=$BENCH_DIR/review3k.json
check_admission "$HOOK_URL/mutate?timeout=10s" "$review"

paced() {  # paced NAME URL
  timeout $((SECONDS_RUN + 30)) h2load --h1 -c "$CLIENTS" -t "$THREADS" --rps $((RATE / CLIENTS)) \
    --warm-up-time=2 -D "$SECONDS_RUN" -d "$review" -H 'Content-Type: application/json' \
    --log-file="$WORK/$1.log" "$2" >"$WORK/$1.out" 2>&1 ||
    { cat "$WORK/$1.out" >&2; die "h2load failed against $2"; }
}
# Rounds of one /mutate run and one nginx run, back to back: on the shared 2-core machine even
# nginx's p99 moves between 0.6 and 4 ms from one 20 s run to the next (another tenant's burst
# lands on one run), so the verdict is on the median of 5 rounds and every round is printed.
ROUNDS=${BENCH_ROUNDS:-5}
for r in $(seq "$ROUNDS"); do
  paced "mutate.$r" "$HOOK_URL/mutate?timeout=10s"
  paced "nginx.$r" "https://127.0.0.1:$NGINX_PORT/"
done

python3 - "$WORK" "$RESULTS/latency-fixed-rate.json" "$(machine_json)" "$busy" "$RATE" \
  "$CLIENTS" "$SECONDS_RUN" "$ROUNDS" "$THREADS" <<'PY'
import json, statistics, sys
work, out, machine, busy = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
rate, clients, secs, rounds = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
threads = int(sys.argv[9])
runs = {}
for name in [f"{kind}.{r}" for r in range(1, rounds + 1) for kind in ("mutate", "nginx")]:
    lat, starts, bad = [], [], 0
    for line in open(f"{work}/{name}.log"):
        f = line.split()
        if len(f) < 3:
            continue
        starts.append(int(f[0]))  # microseconds since the epoch
        lat.append(int(f[2]) / 1000.0)  # elapsed microseconds -> ms
        bad += f[1] != "200"
    lat.sort()
    starts.sort()
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    bursty = round(100.0 * sum(g < 25 for g in gaps) / len(gaps), 1) if gaps else None
    pct = lambda p: lat[min(len(lat) - 1, int(p / 100.0 * len(lat)))] if lat else float("nan")
    runs[name] = {"requests": len(lat), "achieved_rps": round(len(lat) / secs, 1),
                  "non200": bad, "p50_ms": round(pct(50), 3), "p90_ms": round(pct(90), 3),
                  "p99_ms": round(pct(99), 3), "p999_ms": round(pct(99.9), 3),
                  "max_ms": round(lat[-1], 3) if lat else None,
                  "starts_within_25us_pct": bursty}
p99 = {kind: [runs[f"{kind}.{r}"]["p99_ms"] for r in range(1, rounds + 1)] for kind in ("mutate", "nginx")}
median = {kind: statistics.median(v) for kind, v in p99.items()}
ok = median["mutate"] <= 1.0 and all(runs[f"mutate.{r}"]["non200"] == 0 for r in range(1, rounds + 1))
# The verdict stays the webhook's own; this only says whether the run could have shown it.
baseline_ok = median["nginx"] <= 1.0
res = {"bench": "latency-fixed-rate", "machine": machine, "busy_compilers": busy,
       "load": {"tool": "h2load --h1 --rps", "target_rps": rate, "clients": clients,
                "h2load_threads": threads,
                "duration_s": secs, "body_bytes": 3072, "rounds": rounds},
       "runs": runs, "p99_ms_per_round": p99, "median_p99_ms": median,
       "target": {"p99_ms": 1.0}, "nginx_within_target": baseline_ok, "pass": ok}
json.dump(res, open(out, "w"), indent=2)
print(f"fixed rate {rate} req/s ({clients} keep-alive TLS clients x {rate // clients} req/s, "
      f"{threads} h2load thread(s), {secs} s)")
print("%-26s %9s %8s %8s %8s %8s %9s %8s %7s %7s" % ("run", "requests", "req/s", "p50_ms",
      "p90_ms", "p99_ms", "p99.9_ms", "max_ms", "non200", "bursty"))
for r in range(1, rounds + 1):
    for kind, label in (("nginx", "nginx static 200 B"), ("mutate", "host-webhook /mutate")):
        x = runs[f"{kind}.{r}"]
        print("%-26s %9d %8.0f %8.3f %8.3f %8.3f %9.3f %8.2f %7d %6.1f%%" % (f"{label} #{r}",
              x["requests"], x["achieved_rps"], x["p50_ms"], x["p90_ms"], x["p99_ms"],
              x["p999_ms"], x["max_ms"], x["non200"], x["starts_within_25us_pct"] or 0))
print(f"\n/mutate p99, median of {rounds} rounds: {median['mutate']} ms (rounds {p99['mutate']}; "
      f"nginx {median['nginx']} ms, rounds {p99['nginx']}) (target <= 1 ms): "
      f"{'PASS' if ok else 'MISS'}")
if not baseline_ok:
    print(f"nginx's own median p99 was above 1 ms too: the machine was busier than the target "
          f"assumes, and this run cannot show whether the webhook meets it")
print("bursty: requests that started within 25 us of the one before (random arrivals: about "
      "12 %; clients sharing one h2load thread fire together: 40-77 %)")
print(f"result: {out}")
PY
