#!/usr/bin/env bash
# `make fuzz`: runs every libFuzzer target for SECONDS (default 600), as many at once as there are
# cores (FUZZ_JOBS), growing a persistent corpus in fuzz-corpus/ (git-ignored) seeded from tests/fuzz/corpus.
# Exit 1 when any target finds a crash, hang, leak or property violation; the artifact path and
# the command that reproduces it are printed.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
seconds=${1:-600}
shift || true
[[ $seconds =~ ^[0-9]+$ ]] || { echo "run.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_review_decide fuzz_fixture fuzz_policy fuzz_yaml_roundtrip fuzz_http_request fuzz_http_beast fuzz_endpoint_answer)
jobs=${FUZZ_JOBS:-$(nproc)}
work=${FUZZ_CORPUS_DIR:-$src/fuzz-corpus}

bin=$(SOURCE_DIR=$src "$here/build.sh")

# Per-target inputs: the dictionary and length limit fit what the target parses.
options_for() {
  case $1 in
    fuzz_review_decide) echo "-max_len=16384 -dict=$here/json.dict" ;;
    fuzz_http_request | fuzz_http_beast) echo "-max_len=4096 -dict=$here/http.dict" ;;
    fuzz_endpoint_answer) echo "-max_len=4096 -dict=$here/soap.dict" ;;
    *) echo "-max_len=8192 -dict=$here/yaml.dict" ;;
  esac
}

run_one() {
  local t=$1
  mkdir -p "$work/$t" "$work/artifacts/$t" "$work/logs"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: alias bombs must stay bounded.
  # shellcheck disable=SC2046
  timeout --signal=INT --kill-after=30 $((seconds + 120)) \
    env HOSTADM_SOURCE_DIR="$src" ASAN_OPTIONS=detect_leaks=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    $(options_for "$t") -artifact_prefix="$work/artifacts/$t/" \
    "$work/$t" "$here/corpus/$t" >"$work/logs/$t.log" 2>&1
}

declare -A rc_of
# Batches of $jobs targets: each batch runs in parallel, one target per core.
batch=()
flush() {
  local pids=() i
  for t in "${batch[@]}"; do
    echo "fuzzing $t for ${seconds}s (log: $work/logs/$t.log)"
    run_one "$t" &
    pids+=($!)
  done
  for i in "${!batch[@]}"; do
    if wait "${pids[$i]}"; then rc_of[${batch[$i]}]=0; else rc_of[${batch[$i]}]=$?; fi
  done
  batch=()
}
for t in "${targets[@]}"; do
  [ -x "$bin/$t" ] || { echo "run.sh: no target $t in $bin" >&2; exit 2; }
  batch+=("$t")
  [ ${#batch[@]} -lt "$jobs" ] || flush
done
[ ${#batch[@]} -eq 0 ] || flush

status=0
printf '\n%-22s %6s %12s %8s %8s %s\n' target rc execs exec/s cov result
for t in "${targets[@]}"; do
  log=$work/logs/$t.log
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  result=clean
  if [ "${rc_of[$t]}" -ne 0 ]; then
    result="FINDING: $(ls "$work/artifacts/$t" 2>/dev/null | tr '\n' ' ')"
    status=1
  fi
  printf '%-22s %6s %12s %8s %8s %s\n' "$t" "${rc_of[$t]}" "$execs" "$rate" "$cov" "$result"
done
if [ $status -ne 0 ]; then
  echo
  echo "Reproduce a finding: HOSTADM_SOURCE_DIR=$src $bin/<target> $work/artifacts/<target>/<file>"
  echo "Then copy it to tests/fuzz/regressions/<target>/ so make test replays it."
fi
exit $status
