#!/usr/bin/env python3
"""docs/reference/rule-fixes.md says what to do about every rule id `host-harness rules` knows,
and names no rule that does not exist.
  check_rule_fixes.py BIN_DIR SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys

HARNESS_IDS = {"schema", "patch", "internal", "contract"}  # the harness's own steps


def main():
    bin_dir, src = sys.argv[1], sys.argv[2]
    out = subprocess.run([os.path.join(bin_dir, "host-harness"), "rules", "-o", "json"],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    rules = data["rules"] if isinstance(data, dict) else data
    ids = {r["id"] for r in rules}
    page = open(os.path.join(src, "docs/reference/rule-fixes.md")).read()
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", page, re.M))
    missing = sorted(ids - documented)
    unknown = sorted(documented - ids - HARNESS_IDS)
    if missing or unknown:
        print("FAIL: docs/reference/rule-fixes.md (written by hand) is out of step with the rule "
              "table: no row for %s; rows for ids that do not exist: %s" %
              (", ".join(missing) or "none", ", ".join(unknown) or "none"))
        sys.exit(1)
    print("ok: %d rule ids, each with what to do" % len(ids))


if __name__ == "__main__":
    main()
