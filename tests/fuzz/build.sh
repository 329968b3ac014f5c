#!/usr/bin/env bash
# Configures (once) and builds the libFuzzer targets with clang into build-fuzz; prints the bin dir.
# Used by run.sh (`make fuzz`) and smoke.sh (`make fuzz-smoke`).
set -euo pipefail
src=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
out=${FUZZ_BUILD_DIR:-$src/build-fuzz}

command -v clang++ >/dev/null 2>&1 ||
  { echo "tests/fuzz/build.sh: clang++ not found; install clang and libclang-rt-14-dev (make test-deps)" >&2; exit 2; }
if ! grep -q "CMAKE_BUILD_TYPE:STRING=Fuzz" "$out/CMakeCache.txt" 2>/dev/null; then
  CXX=clang++ cmake -S "$src" -B "$out" -G Ninja -DHOSTADM_FUZZ=ON -DHOSTADM_TESTS=OFF \
    -DHOSTADM_WERROR=ON -DCMAKE_BUILD_TYPE=Fuzz >/dev/null
fi
cmake --build "$out" --target fuzz_targets -j "${FUZZ_BUILD_JOBS:-$(nproc)}" >&2
echo "$out/bin"
