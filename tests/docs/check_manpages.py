#!/usr/bin/env python3
"""The command pages under docs/commands/ document the flags the binaries have.

host-webhook: the OPTIONS table of docs/commands/host-webhook.md names exactly the flags
`host-webhook --help` lists. host-harness: every flag a command's `--help` names has a row in
that command's page (the help is a synopsis, so the page may say more).
  check_manpages.py BIN_DIR SOURCE_DIR
"""
import os
import re
import subprocess
import sys

COMMANDS = ["replay", "test", "serve-inventory", "serve-kube", "send", "snapshot", "rules",
            "audit"]
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-o)\b")


def options_flags(page):
    """Flags in the first column of the tables of the page's OPTIONS section."""
    text = open(page, encoding="utf-8").read()
    start = text.find("\n## OPTIONS\n")
    if start < 0:
        sys.exit("FAIL: %s has no OPTIONS section" % page)
    end = text.find("\n## ", start + 1)
    flags = set()
    for line in text[start:end if end > 0 else None].splitlines():
        if line.startswith("| `"):
            flags.update(FLAG.findall(line.split(" | ")[0]))
    return flags


def help_flags(argv):
    run = subprocess.run(argv, capture_output=True, text=True)
    return set(FLAG.findall(run.stdout + run.stderr)) - {"--help"}


def main():
    bin_dir, src = sys.argv[1], sys.argv[2]
    failures = []
    page = os.path.join(src, "docs/commands/host-webhook.md")
    have = options_flags(page) - {"--help", "--version"}
    want = help_flags([os.path.join(bin_dir, "host-webhook"), "--help"]) - {"--version"}
    want = {f for f in want if f != "-o"}
    for f in sorted(want - have):
        failures.append("docs/commands/host-webhook.md: OPTIONS has no row for %s" % f)
    for f in sorted(have - want):
        failures.append("docs/commands/host-webhook.md: OPTIONS documents %s, which "
                        "`host-webhook --help` does not list" % f)
    for cmd in COMMANDS:
        rel = "docs/commands/host-harness-%s.md" % cmd
        have = options_flags(os.path.join(src, rel))
        want = help_flags([os.path.join(bin_dir, "host-harness"), cmd, "--help"])
        for f in sorted(want - have):
            failures.append("%s: `host-harness %s --help` names %s; OPTIONS has no row for it" %
                            (rel, cmd, f))
    for f in failures:
        print("FAIL: " + f)
    if failures:
        print("These pages are written by hand: add or remove the rows named above.")
        sys.exit(1)
    print("ok: the command pages document every flag the binaries list")


if __name__ == "__main__":
    main()
