#!/usr/bin/env python3
"""POSTs one body COUNT times on one TLS keep-alive connection, one at a time, and prints the
latency of the first answer (cold: nothing cached yet) and the percentiles of the rest (warm) as
one JSON line, with the rule ids the first answer warned about. Every answer must be HTTP 200.

Usage: latency_client.py --port PORT --path /mutate?timeout=10s --body FILE --count N
"""
import json
import sys
import time

from flood_client import keepalive_session, read_answer


def main():
    args, request, conn = keepalive_session(__doc__)
    times, first = [], None
    with conn as s:
        for i in range(args.count):
            start = time.perf_counter()
            s.sendall(request)
            status, answer = read_answer(s)
            times.append((time.perf_counter() - start) * 1000.0)
            if status != 200:
                sys.exit(f"request {i + 1}: HTTP {status}: {answer[:300]!r}")
            if first is None:
                first = json.loads(answer)["response"]
    warm = sorted(times[1:]) or [float("nan")]
    pct = lambda q: warm[min(len(warm) - 1, int(q / 100.0 * len(warm)))]
    print(json.dumps({"cold_ms": round(times[0], 3), "warm_p50_ms": round(pct(50), 3),
                      "warm_p99_ms": round(pct(99), 3), "requests": len(times),
                      "allowed": first.get("allowed"),
                      "warnings": [w.split(":")[0] for w in first.get("warnings", [])]}))


if __name__ == "__main__":
    main()
