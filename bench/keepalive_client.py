#!/usr/bin/env python3
"""POSTs one body COUNT times on one TLS keep-alive connection and checks every answer: HTTP 200
and an AdmissionReview that allows. For counting a server's work per request (valgrind), so it
sends one request at a time and reads the whole answer before the next.

Usage: keepalive_client.py --port PORT --path /mutate?timeout=10s --body FILE --count N
"""
import json
import sys

from flood_client import keepalive_session, read_answer


def main():
    args, request, conn = keepalive_session(__doc__)
    with conn as s:
        for i in range(args.count):
            s.sendall(request)
            status, answer = read_answer(s)
            if status != 200 or not json.loads(answer)["response"]["allowed"]:
                sys.exit(f"request {i + 1}: HTTP {status}: {answer[:300]!r}")
    print(f"{args.count} answers, HTTP 200, allowed")


if __name__ == "__main__":
    main()
