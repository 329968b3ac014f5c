#!/usr/bin/env python3
"""POSTs one body COUNT times on one TLS keep-alive connection and checks every answer: HTTP 200
and an AdmissionReview that allows. For counting a server's work per request (valgrind), so it
sends one request at a time and reads the whole answer before the next.

Usage: keepalive_client.py --port PORT --path /mutate?timeout=10s --body FILE --count N
"""
import argparse
import json
import socket
import ssl
import sys

from flood_client import read_answer  # one Content-Length framed answer


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    with socket.create_connection(("127.0.0.1", args.port), timeout=120) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            for i in range(args.count):
                s.sendall(request)
                status, answer = read_answer(s)
                if status != 200 or not json.loads(answer)["response"]["allowed"]:
                    sys.exit(f"request {i + 1}: HTTP {status}: {answer[:300]!r}")
    print(f"{args.count} answers, HTTP 200, allowed")


if __name__ == "__main__":
    main()
