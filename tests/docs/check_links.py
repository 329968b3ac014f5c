#!/usr/bin/env python3
"""Every relative link in README.md and docs/ points at a file of the repository, and every
#anchor at a heading of that file (GitHub's heading ids).
  check_links.py SOURCE_DIR
"""
import glob
import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)  # GitHub keeps letters, digits, '-', '_' and spaces
    return s.replace(" ", "-")


def outside_code(text):
    """The lines of a markdown text that are not in fenced code blocks."""
    fence = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        if not fence:
            yield n, line


def anchors(path):
    ids, seen = set(), {}
    for _, line in outside_code(open(path, encoding="utf-8").read()):
        m = re.match(r"^#{1,6} (.*)$", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            ids.add(base if n == 0 else "%s-%d" % (base, n))
    return ids


def main():
    src = os.path.abspath(sys.argv[1])
    pages = [os.path.join(src, "README.md")] + sorted(
        glob.glob(os.path.join(src, "docs", "**", "*.md"), recursive=True))
    failures, count = [], 0
    for page in pages:
        for n, line in outside_code(open(page, encoding="utf-8").read()):
            for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
                if re.match(r"^[a-z]+:", target):
                    continue  # https:, mailto:
                count += 1
                path, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
                where = "%s:%d: %s" % (os.path.relpath(page, src), n, target)
                if not dest.startswith(src + os.sep) and dest != src:
                    failures.append(where + ": points outside the repository")
                elif not os.path.exists(dest):
                    failures.append(where + ": no such file")
                elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    failures.append(where + ": no heading with id '%s' in %s" %
                                    (anchor, os.path.relpath(dest, src)))
    for f in failures:
        print("FAIL: " + f)
    if failures:
        print("Fix the link (or the heading it names) in the page above.")
        sys.exit(1)
    print("ok: %d relative links in %d pages resolve" % (count, len(pages)))


if __name__ == "__main__":
    main()
