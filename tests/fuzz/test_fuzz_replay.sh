#!/usr/bin/env bash
# Part of `make test`: every input that once crashed, hung or escaped with an undocumented error
# (regressions/), the hostile inputs of hardening.py and the seed corpus, replayed through each
# fuzz target as built by the ordinary build (<target>_replay: replay_main.cpp drives the
# target's LLVMFuzzerTestOneInput). Each input must end in a verdict or a documented error. The
# same inputs under clang's sanitizers, plus a short fuzzing run, are `make fuzz-smoke`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${BIN_DIR:?set BIN_DIR to the bin directory of the build}
targets=(fuzz_review_decide fuzz_fixture fuzz_policy fuzz_yaml_roundtrip fuzz_http_request
  fuzz_http_beast fuzz_endpoint_answer)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HOSTADM_SOURCE_DIR=$src
python3 "$here/hardening.py" "$scratch/hardening" >/dev/null

for t in "${targets[@]}"; do
  [ -x "$bin/${t}_replay" ] || { echo "FAIL: $bin/${t}_replay is not built (cmake --build build --target fuzz_replay)" >&2; exit 1; }
  dirs=()
  for d in "$here/regressions/$t" "$scratch/hardening/$t" "$here/corpus/$t"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  [ ${#dirs[@]} -gt 0 ] || { echo "FAIL: no inputs for $t" >&2; exit 1; }
  # 120 s for a target's whole set: a hang still stops the run (hardening's merge-chain.yaml takes
  # well under a second here).
  if ! timeout 120 "$bin/${t}_replay" "${dirs[@]}" >"$scratch/$t.out" 2>"$scratch/$t.err"; then
    grep -E '^Running:' "$scratch/$t.err" | tail -1
    grep -vE '^Running:' "$scratch/$t.err" | tail -8
    echo "FAIL: the last input above makes $t fail; reproduce: HOSTADM_SOURCE_DIR=$src $bin/${t}_replay FILE" >&2
    exit 1
  fi
  echo "== $t: $(cat "$scratch/$t.out")"
done
echo "fuzz replay: every input clean"
