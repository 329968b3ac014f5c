#!/usr/bin/env python3
"""Paced admission client for bench/soak.sh: THREADS keep-alive HTTPS connections that verify
the webhook's certificate against the CA (so a botched rotation shows up as a failure), each
reconnecting every RECONNECT requests (so rotated certificates are actually picked up), POSTing
the review at RATE requests/s in total for SECONDS. One JSON line per request on stdout:
{"t": start (epoch s), "ms": latency, "status": HTTP code or 0, "allowed": bool|null,
 "rules": [denial rule ids], "warnings": [warning rule ids], "serial": peer cert serial, "error": transport error or null}

Usage: soak_client.py URL CA REVIEW SECONDS RATE THREADS RECONNECT
"""
import http.client
import json
import re
import ssl
import sys
import threading
import time
import urllib.parse

RULE = re.compile(r"^([a-z][a-z-]+):")


def worker(url, ctx, body, stop_at, period, reconnect, out, lock):
    u = urllib.parse.urlsplit(url)
    conn, used, serial = None, 0, None
    next_at = time.time()
    while True:
        now = time.time()
        if now >= stop_at:
            break
        if now < next_at:
            time.sleep(next_at - now)
        next_at += period
        rec = {"t": time.time(), "ms": None, "status": 0, "allowed": None, "rules": [],
               "warnings": [], "serial": None, "error": None}
        try:
            if conn is None or used >= reconnect:
                if conn is not None:
                    conn.close()
                conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
                conn.connect()
                serial = conn.sock.getpeercert().get("serialNumber")
                used = 0
            t0 = time.perf_counter()
            conn.request("POST", u.path + "?" + u.query, body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            rec["ms"] = round((time.perf_counter() - t0) * 1000, 3)
            rec["status"] = resp.status
            used += 1
            if resp.status == 200:
                r = json.loads(data)["response"]
                rec["allowed"] = bool(r.get("allowed"))
                rec["warnings"] = sorted({m.group(1) for m in map(RULE.match, r.get("warnings") or []) if m})
                if not rec["allowed"]:
                    texts = (r.get("status", {}).get("message") or "").split("; ")
                    rec["rules"] = sorted({m.group(1) for m in map(RULE.match, texts) if m})
        except Exception as e:  # noqa: BLE001 - every failure is a data point
            rec["error"] = f"{type(e).__name__}: {e}"
            if conn is not None:
                conn.close()
            conn = None
        rec["serial"] = serial
        with lock:
            out.write(json.dumps(rec) + "\n")
    if conn is not None:
        conn.close()


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    url, ca, review, secs, rate, threads, reconnect = sys.argv[1:]
    secs, rate, threads, reconnect = float(secs), float(rate), int(threads), int(reconnect)
    ctx = ssl.create_default_context(cafile=ca)
    body = open(review, "rb").read()
    stop_at = time.time() + secs
    lock = threading.Lock()
    ts = [threading.Thread(target=worker, args=(url, ctx, body, stop_at, threads / rate, reconnect,
                                                sys.stdout, lock)) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    main()
