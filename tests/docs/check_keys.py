#!/usr/bin/env python3
"""The policy and fixture pages list exactly the keys the parsers accept.

The parsers are strict: an unknown key is refused with the list of accepted keys. This feeds
each level a document with an unknown key through `host-harness replay`, reads that list from the
error, and compares it with the keys in the page's table under the matching heading.
  check_keys.py BIN_DIR SOURCE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

ACCEPTED = re.compile(r"accepted(?: keys)?: (.*?)(?: \(at [^)]*\))?$", re.M)

# (page, heading of the table, how to build a document with an unknown key at that level)
POLICY = [
    ("## Top-level keys", "zzUnknown: 1\n"),
    ("## `cache` keys", "cache: {zzUnknown: 1}\n"),
    ("## `namespaces` entry keys", "namespaces: [{match: a, zzUnknown: 1}]\n"),
    ("## `selector` keys", "namespaces: [{selector: {zzUnknown: 1}}]\n"),
    ("## `matchExpressions` entry keys",
     "namespaces: [{selector: {matchExpressions: [{key: a, operator: Exists, zzUnknown: 1}]}}]\n"),
]
FIXTURE = [
    ("## Top-level keys", "providers: []\nzzUnknown: 1\n"),
    ("## Provider keys", "providers: [{name: a, namespace: b, zzUnknown: 1}]\n"),
    ("## Provider `secret` keys", "providers: [{name: a, namespace: b, secret: {name: s, zzUnknown: 1}}]\n"),
    ("## Condition keys",
     "providers: [{name: a, namespace: b, conditions: [{type: X, status: 'True', zzUnknown: 1}]}]\n"),
    ("## `secrets` entry keys", "providers: []\nsecrets: [{name: s, zzUnknown: 1}]\n"),
    ("## `clusterHosts` entry keys", "providers: []\nclusterHosts: [{name: h, zzUnknown: 1}]\n"),
    ("## `endpoints` entry keys", "providers: []\nendpoints: [{address: a, zzUnknown: 1}]\n"),
    ("## `namespaces` entry keys", "providers: []\nnamespaces: [{name: n, zzUnknown: 1}]\n"),
]


def documented(page_text, heading):
    """First-column `key`s of the first table under `heading`."""
    start = page_text.find("\n" + heading + "\n")
    if start < 0:
        return None
    keys = []
    for line in page_text[start + len(heading) + 2:].splitlines():
        if line.startswith("## "):
            break
        m = re.match(r"^\| `([^`]+)` \|", line)
        if m:
            keys.append(m.group(1))
    return keys


def accepted(bin_dir, src, kind, body):
    with tempfile.TemporaryDirectory() as tmp:
        doc = os.path.join(tmp, "doc.yaml")
        with open(doc, "w") as f:
            f.write(body)
        if kind == "policy":
            args = ["--inventory", os.path.join(src, "examples/inventory.yaml"), "--policy", doc]
        else:
            args = ["--inventory", doc]
        run = subprocess.run([os.path.join(bin_dir, "host-harness"), "replay", *args,
                              os.path.join(src, "examples/hosts/direct-ip.yaml")],
                             capture_output=True, text=True)
    m = ACCEPTED.search(run.stderr)
    if run.returncode != 2 or not m:
        sys.exit("FAIL: host-harness did not refuse an unknown %s key with the accepted keys "
                 "(exit %d): %s" % (kind, run.returncode, run.stderr.strip()))
    return [k.strip() for k in m.group(1).split(",")]


def main():
    bin_dir, src = sys.argv[1], sys.argv[2]
    failures = 0
    for kind, page, levels in (("policy", "docs/reference/policy.md", POLICY),
                               ("fixture", "docs/reference/fixture.md", FIXTURE)):
        text = open(os.path.join(src, page)).read()
        for heading, body in levels:
            want = accepted(bin_dir, src, kind, body)
            have = documented(text, heading)
            if have is None:
                print("FAIL: %s has no heading '%s'" % (page, heading))
                failures += 1
                continue
            missing = [k for k in want if k not in have]
            extra = [k for k in have if k not in want]
            if missing or extra:
                print("FAIL: %s, '%s': the parser accepts %s; undocumented: %s; documented but "
                      "refused: %s. This page is written by hand: edit its table." %
                      (page, heading, ", ".join(want), ", ".join(missing) or "none",
                       ", ".join(extra) or "none"))
                failures += 1
            else:
                print("ok: %s, %s: %d keys" % (page, heading, len(want)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
