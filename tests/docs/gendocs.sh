#!/usr/bin/env bash
# Writes the generated reference pages, or with --check compares them and fails when one drifted.
#   tests/docs/gendocs.sh BIN_DIR SOURCE_DIR [--check] [rules|flags|metrics ...]
# `make docs` runs it without --check; the docs.* tests in `make test` run it with --check.
set -euo pipefail
bin=$1 src=$2
shift 2
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
pages=("$@")
[ ${#pages[@]} -gt 0 ] || pages=(rules flags metrics)

generate() {
  case $1 in
    rules) "$bin/host-harness" rules -o markdown ;;
    flags) python3 "$src/tests/docs/gen_flags.py" "$bin/host-webhook" ;;
    metrics) "$bin/docs-metrics" | python3 "$src/tests/docs/gen_metrics.py" ;;
    *) echo "gendocs.sh: unknown page '$1' (rules, flags, metrics)" >&2; exit 2 ;;
  esac
}

status=0
for page in "${pages[@]}"; do
  target="$src/docs/reference/$page.md"
  fresh=$(mktemp)
  generate "$page" >"$fresh"
  if [ $check = 1 ]; then
    if ! diff -u "$target" "$fresh" >"$fresh.diff" 2>&1; then
      echo "FAIL: docs/reference/$page.md is out of date with the code; regenerate it with: make docs"
      head -40 "$fresh.diff"
      status=1
    else
      echo "ok: docs/reference/$page.md matches the code"
    fi
    rm -f "$fresh.diff"
  else
    mv "$fresh" "$target"
    echo "wrote docs/reference/$page.md"
  fi
  rm -f "$fresh"
done
exit $status
