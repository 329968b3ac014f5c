# Shared by the CLI test scripts (sourced): a work directory, the processes a script starts
# (stopped by pid on exit, with the work directory removed), and the ok/fail tally.
# shellcheck shell=bash
work=$(mktemp -d)
pids=()
failures=0

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
ok() { echo "ok: $*"; }
# A check of two values; the first line of FILE matching the regex, waited for up to 30 s (a
# server's log); an expression over the JSON on stdin (`d`).
expect_eq() {
  if [[ "$2" == "$3" ]]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi
}
wait_for_line() {
  for _ in $(seq 300); do
    local line
    line=$(grep -o -m1 -E "$2" "$1" 2>/dev/null) && { echo "$line"; return 0; }
    sleep 0.1
  done
  return 1
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
