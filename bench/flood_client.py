#!/usr/bin/env python3
"""Connection flood against one HTTPS server on 127.0.0.1, then fresh admissions timed under it.

Holds IDLE TLS connections idle after one request, SLOW connections trickling a request head a
byte every half second and SILENT TCP connections that never start TLS; then POSTs the review
FRESH times, each on a new connection (connect + TLS handshake + request + answer timed
together), while sampling the server's resident memory. Prints one JSON object.
"""
import argparse
import json
import os
import resource
import signal
import socket
import ssl
import threading
import time


def rss_kb(pids):
    total = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def tree(pid):
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            for child in open(f"/proc/{pid}/task/{task}/children").read().split():
                out += tree(int(child))
    except OSError:
        pass
    return out


def read_answer(s):
    """Reads one Content-Length framed answer; returns (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the answer head")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the answer body")
        body += chunk
    return status, body


def keepalive_session(doc):
    """The command line of the one-connection clients (--port --path --body --count), the
    request they repeat, and a TLS connection to the server (not verified: a benchmark's own
    server on loopback)."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/mutate?timeout=10s")
    p.add_argument("--body", required=True)
    p.add_argument("--count", type=int, required=True)
    args = p.parse_args()
    body = open(args.body, "rb").read()
    request = (f"POST {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
               ).encode() + body
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", args.port), timeout=120)
    return args, request, ctx.wrap_socket(raw, server_hostname="localhost")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/")
    ap.add_argument("--review")
    ap.add_argument("--pid", type=int, required=True, help="server pid, for its memory")
    ap.add_argument("--silent", type=int, default=10000)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--slow", type=int, default=100)
    ap.add_argument("--fresh", type=int, default=100)
    ap.add_argument("--hold", metavar="READY_FILE",
                    help="no fresh admissions: write READY_FILE once the flood is open and keep "
                         "it open until SIGTERM")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    need = a.silent + a.idle + a.slow + 64
    if hard < need:
        raise SystemExit(f"flood_client: needs {need} open files, the hard limit is {hard}")

    body = open(a.review, "rb").read() if a.review else b""
    request = (f"POST {a.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    addr = ("127.0.0.1", a.port)
    pids = tree(a.pid)
    rss_before = rss_kb(pids)

    def tls():
        s = socket.create_connection(addr, timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return ctx.wrap_socket(s)

    t0 = time.monotonic()
    # Idle and slow ones first: the silent ones are the cheapest to open, so they are the
    # freshest when the measurement starts.
    idle = []
    for _ in range(a.idle):
        s = tls()
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        read_answer(s)
        idle.append(s)
    slow = []
    for _ in range(a.slow):
        s = tls()
        s.sendall(b"POST " + a.path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        slow.append(s)
    stop = threading.Event()
    trickle_errors = [0]

    def trickle():
        while not stop.wait(0.5):
            for s in slow:
                try:
                    s.sendall(b"a")
                except OSError:
                    trickle_errors[0] += 1

    th = threading.Thread(target=trickle, daemon=True)
    th.start()
    silent = []
    silent_failed = 0
    for _ in range(a.silent):
        try:
            silent.append(socket.create_connection(addr, timeout=10))
        except OSError:
            silent_failed += 1
    setup_s = time.monotonic() - t0
    if a.hold:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with open(a.hold, "w") as f:
            json.dump({"silent": len(silent), "idle": len(idle), "slow": len(slow)}, f)
        stop.wait()
        th.join()
        for s in idle + slow + silent:
            s.close()
        return

    peak = [rss_kb(pids)]
    sampling = threading.Event()

    def sample():
        while not sampling.wait(0.1):
            peak[0] = max(peak[0], rss_kb(pids))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lat, failures = [], []
    for i in range(a.fresh):
        start = time.monotonic()
        try:
            s = tls()
            s.sendall(request)
            status, answer = read_answer(s)
            s.close()
            if status != 200:
                failures.append(f"HTTP {status}")
                continue
        except OSError as e:
            failures.append(str(e))
            continue
        lat.append((time.monotonic() - start) * 1000)
    sampling.set()
    sampler.join()
    peak[0] = max(peak[0], rss_kb(pids))
    stop.set()
    th.join()
    # Still there after the measurement: the flood was not shed to answer the fresh clients.
    idle_alive = 0
    for s in idle:
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            read_answer(s)
            idle_alive += 1
        except OSError:
            pass
    for s in idle + slow + silent:
        s.close()

    lat.sort()
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 2) if lat else None
    print(json.dumps({
        "silent": len(silent), "silent_failed": silent_failed, "idle": len(idle),
        "slow": len(slow), "setup_s": round(setup_s, 1), "fresh": a.fresh,
        "answered": len(lat), "failures": failures[:5], "failed": len(failures),
        "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": round(lat[-1], 2) if lat else None,
        "rss_mb_before": round(rss_before / 1024, 1), "rss_mb_peak": round(peak[0] / 1024, 1),
        "idle_alive_after": idle_alive, "trickle_errors": trickle_errors[0]}))


if __name__ == "__main__":
    main()
