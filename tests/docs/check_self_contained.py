#!/usr/bin/env python3
"""No file of the repository refers to a document outside it, or to a README section that
has moved: a checkout of this repository alone must resolve every reference it makes.
  check_self_contained.py SOURCE_DIR
Scans the git-tracked files (every file below SOURCE_DIR outside build trees when it is not a
git checkout).
"""
import os
import re
import subprocess
import sys

# Written in pieces so this file does not match itself.
PATTERNS = [
    (re.compile(r"\.\./" + "shared"), "a path outside the repository"),
    (re.compile(r"/" + r"work/"), "an absolute path of a build machine"),
    (re.compile(r"\bspec" + r" section\b|\bsection \d+ of the " + r"spec\b", re.I),
     "a section of an outside specification"),
    (re.compile(r"host-admission" + r"\.md"), "an outside specification"),
    (re.compile(r"reference/(forklift|admission|cpp-stack)" + r"\.md"), "an outside reference"),
    (re.compile(r"README" + r"[,:]? *\(?\"[A-Z]"), "a README section (the README is a landing "
     "page now: name the page under docs/)"),
    (re.compile(r"\(see the " + r"README\)|format in the " + r"README|\(see " + r"README\)"),
     "the README as a reference (name the page under docs/)"),
]
# Fuzz inputs are data kept byte for byte (a regression input must still reproduce its finding):
# only the outside-document patterns apply to them, not the README wording.
FROZEN = ("tests/fuzz/corpus/", "tests/fuzz/regressions/")
README_PATTERNS = 5  # PATTERNS from this index on are about README sections
SKIP_DIRS = {".git", "build", "build-asan", "build-tsan", "build-fuzz"}


def files(src):
    try:
        out = subprocess.run(["git", "-C", src, "ls-files", "-z"], check=True,
                             capture_output=True).stdout
        return [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for root, dirs, names in os.walk(src):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
            found += [os.path.relpath(os.path.join(root, n), src) for n in names]
        return found


def main():
    src = sys.argv[1]
    failures, scanned = [], 0
    for rel in files(src):
        path = os.path.join(src, rel)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        try:
            text = open(path, encoding="utf-8").read()
        except UnicodeDecodeError:
            continue  # binary
        scanned += 1
        for n, line in enumerate(text.splitlines(), 1):
            for i, (pattern, what) in enumerate(PATTERNS):
                if i >= README_PATTERNS and rel.startswith(FROZEN):
                    continue
                if pattern.search(line):
                    failures.append("%s:%d: %s: %s" % (rel, n, what, line.strip()[:120]))
    for f in failures:
        print("FAIL: " + f)
    if failures:
        print("Say it in the repository's own words, or link the page under docs/ that holds it.")
        sys.exit(1)
    print("ok: %d files refer to nothing outside the repository" % scanned)


if __name__ == "__main__":
    main()
