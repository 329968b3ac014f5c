#!/usr/bin/env python3
"""Every `#include "webhook/..."` and `#include "harness/..."` of the product's sources goes in a
direction docs/design/architecture.md allows ("Which part may include which"): the decision core
includes nothing of ours outside the core, the HTTP transport nothing of the server, the
Kubernetes API client neither the core nor the server, and so on. A part is a library target of
CMakeLists.txt; a wrong include would otherwise show up only as a link error in another target,
or not at all when the header is inline.
  check_includes.py SOURCE_DIR
Exits 1 listing each forbidden include as FILE:LINE with the part it came from and the fix.
"""
import os
import re
import sys

# (part, path pattern): the first match names a file's part. The parts are CMakeLists.txt's
# library targets; a few files sit in another folder than their target for a reason written
# there (text: used by the transport, which does not link the core; url: the kube client's too).
PARTS = [
    ("text", r"webhook/core/text\.(hpp|cpp)$"),
    ("url", r"webhook/inventory/(http_url\.(hpp|cpp)|file_stamp\.hpp)$"),
    ("core", r"webhook/core/"),
    ("io", r"webhook/(inventory|io)/"),
    ("kube", r"webhook/kube/"),
    ("http", r"webhook/http/"),
    ("endpoint", r"webhook/endpoint/"),
    ("audit", r"webhook/audit/"),
    ("flags", r"webhook/cli/"),
    ("build_info", r"webhook/build_info\."),
    ("server", r"webhook/(server/|main\.cpp$)"),
    ("harness_fixture", r"harness/fixture_(rest|snapshot)\.(hpp|cpp)$"),
    ("harness", r"harness/"),
]

# What each part may include besides itself: what its library target links, no more.
ALLOWED = {
    "text": set(),
    "url": {"text"},
    "core": {"text"},
    "io": {"core", "text", "url", "flags"},
    "kube": {"text", "url"},
    "http": {"text"},
    "endpoint": {"core", "text", "http"},
    "audit": {"core", "text", "url", "kube"},
    "flags": {"core", "text"},
    "build_info": set(),
    "server": {"core", "text", "url", "io", "kube", "http", "endpoint", "audit", "flags",
               "build_info"},
    "harness_fixture": {"core", "text"},
    # The harness is the second binary: anything but the webhook server's own code.
    "harness": {"core", "text", "url", "io", "kube", "http", "endpoint", "audit", "flags",
                "build_info",
                "harness_fixture"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:webhook|harness)/[^"]+)"')
SOURCE = re.compile(r"\.(hpp|cpp|hpp\.in)$")


def part_of(path):
    for name, pattern in PARTS:
        if re.match(pattern, path):
            return name
    return None


def sources(root):
    for top in ("webhook", "harness"):
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if SOURCE.search(name):
                    full = os.path.join(directory, name)
                    yield os.path.relpath(full, root).replace(os.sep, "/"), full


def violations(root):
    found = []
    for rel, full in sources(root):
        part = part_of(rel)
        if part is None:
            found.append(f"{rel}: in no part of tests/repo/check_includes.py's PARTS; add it there "
                         "and to the table in docs/design/architecture.md")
            continue
        with open(full, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = part_of(m.group(1))
                if target == part or target in ALLOWED[part]:
                    continue
                found.append(f"{rel}:{number}: {part} includes {m.group(1)} ({target or 'no part'})"
                             f"; {part} may include only {', '.join(sorted(ALLOWED[part])) or 'itself'}"
                             " (docs/design/architecture.md): move the code to the part both use, "
                             "or pass it in through an interface")
    return found


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = violations(sys.argv[1])
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} include(s) against the layering", file=sys.stderr)
        return 1
    print("includes: every one goes in an allowed direction")
    return 0


if __name__ == "__main__":
    sys.exit(main())
