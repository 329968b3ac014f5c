#!/usr/bin/env bash
# `make fuzz-smoke`: builds the libFuzzer targets with clang (build-fuzz), replays every
# regression input (each was once a crash, hang or unclear error) and the hostile inputs of
# hardening.py, then fuzzes each target briefly from the seed corpus. A full run is `make fuzz`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
seconds=${FUZZ_SMOKE_SECONDS:-10}
read -r -a targets <<<"${FUZZ_SMOKE_TARGETS:-fuzz_review_decide fuzz_fixture fuzz_policy fuzz_yaml_roundtrip fuzz_http_request fuzz_http_beast fuzz_endpoint_answer}"

bin=$(SOURCE_DIR=$src "$here/build.sh")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HOSTADM_SOURCE_DIR=$src ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
python3 "$here/hardening.py" "$scratch/hardening" >/dev/null

for t in "${targets[@]}"; do
  mapfile -t inputs < <(find "$here/regressions/$t" "$scratch/hardening/$t" -type f 2>/dev/null | sort)
  if [ ${#inputs[@]} -gt 0 ]; then
    echo "== $t: replaying ${#inputs[@]} regression and hardening inputs"
    # 60 s per input: hardening's merge-chain.yaml needs about 12 s of CPU under ASan, more on a
    # loaded machine; a real hang still stops the run.
    if ! timeout 300 "$bin/$t" -timeout=60 -rss_limit_mb=2048 "${inputs[@]}" >"$scratch/$t.replay" 2>&1; then
      # Stack overflows print thousands of frames: show which input and what, not the whole trace.
      grep -E '^Running:|FUZZ FINDING|^SUMMARY|ERROR: libFuzzer' "$scratch/$t.replay" | tail -4
      grep -E '^ +#[0-9]+ .* (/work|webhook|tests)/' "$scratch/$t.replay" | grep -v 'json.hpp' | tail -8 || true
      echo "FAIL: the last input above makes $t fail; reproduce: HOSTADM_SOURCE_DIR=$src $bin/$t FILE" >&2
      exit 1
    fi
  fi
  echo "== $t: fuzzing ${seconds}s"
  mkdir -p "$scratch/$t"
  max_len=8192 dict=$here/yaml.dict
  [ "$t" != fuzz_review_decide ] || { max_len=16384; dict=$here/json.dict; }
  case $t in
    fuzz_http_request | fuzz_http_beast) max_len=4096 dict=$here/http.dict ;;
    fuzz_endpoint_answer) max_len=4096 dict=$here/soap.dict ;;
  esac
  if ! timeout $((seconds + 60)) "$bin/$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=$max_len -dict="$dict" -artifact_prefix="$scratch/" \
    "$scratch/$t" "$here/corpus/$t" >"$scratch/$t.log" 2>&1; then
    tail -60 "$scratch/$t.log"
    for a in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
      [ -f "$a" ] && { echo "--- input $(basename "$a") (base64):"; base64 "$a" | head -20; }
    done
    echo "FAIL: $t found a problem; save the input above under tests/fuzz/regressions/$t/" >&2
    exit 1
  fi
  grep -E '^Done|stat::number_of_executed_units' "$scratch/$t.log" | tail -1
done
echo "fuzz smoke: all targets clean"
