#!/usr/bin/env python3
"""Turns an AdmissionReview and the webhook's /mutate answer into the review kube-apiserver
sends to /validate: the same request with the JSON Patch applied to the object.

Usage: validated.py REVIEW.json MUTATE_ANSWER.json > validate-review.json
"""
import base64
import json
import sys


def unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


def apply(doc, op):
    parts = [unescape(p) for p in op["path"].split("/")[1:]]
    parent = doc
    for p in parts[:-1]:
        parent = parent[int(p)] if isinstance(parent, list) else parent[p]
    last = parts[-1]
    if isinstance(parent, list):
        if op["op"] == "add":
            parent.insert(len(parent) if last == "-" else int(last), op["value"])
        elif op["op"] == "replace":
            parent[int(last)] = op["value"]
        elif op["op"] == "remove":
            del parent[int(last)]
    else:
        if op["op"] in ("add", "replace"):
            parent[last] = op["value"]
        elif op["op"] == "remove":
            del parent[last]


def main():
    review = json.load(open(sys.argv[1]))
    answer = json.load(open(sys.argv[2]))["response"]
    if not answer.get("allowed"):
        sys.exit(f"the review was denied: {answer.get('status')}")
    for op in json.loads(base64.b64decode(answer["patch"])) if answer.get("patch") else []:
        apply(review["request"]["object"], op)
    json.dump(review, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
