#!/usr/bin/env bash
# Can a YAML reader on libyaml, or per-file parallel parsing, reach replay's target of 10,000
# documents/s? Parses the replay benchmark's 10,000 generated Host manifests (20 YAML streams
# of 500 documents) with the fast subset reader replay uses, with yaml-cpp (the full reader) and
# with a libyaml event reader, each on 1 thread and on `nproc` threads over the files, in the
# same run; checks every reader's documents against yaml-cpp's. Parsing only: no decisions.
# Needs libyaml-dev; builds bench-yaml-readers in its own build directory (BENCH_YAML_BUILD,
# default build-bench-yaml). Writes bench/results/yaml-readers.json.
source "$(dirname "$0")/lib.sh"
pkg-config --exists yaml-0.1 || die "libyaml is not installed (Debian: apt-get install libyaml-dev)"
BUILD=${BENCH_YAML_BUILD:-$SRC/build-bench-yaml}
N=${BENCH_MANIFESTS:-10000}
RUNS=${BENCH_YAML_RUNS:-5}
# A fresh directory skips the test suites; an existing one (BENCH_YAML_BUILD=build) keeps its
# settings and only gains the benchmark target.
fresh=()
[ -f "$BUILD/CMakeCache.txt" ] || fresh=(-G Ninja -DHOSTADM_TESTS=OFF)
cmake -S "$SRC" -B "$BUILD" "${fresh[@]}" -DHOSTADM_BENCH_LIBYAML=ON \
  ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} >/dev/null
cmake --build "$BUILD" -j2 --target bench-yaml-readers >/dev/null
warn_if_busy
busy=$(machine_busy)
python3 "$BENCH_DIR/gen/manifests.py" "$N" "$WORK/manifests"
"$BUILD/bin/bench-yaml-readers" --runs "$RUNS" --threads "$(nproc)" "$WORK"/manifests/*.yaml \
  2>"$WORK/readers.json" | tee "$WORK/readers.txt"
python3 - "$WORK/readers.json" "$RESULTS/yaml-readers.json" "$(machine_json)" "$busy" <<'PY'
import json, sys
rows, out, machine, busy = json.load(open(sys.argv[1])), sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
for r in rows:
    r["meets_target"] = r["docs_per_s"] >= 10000 and r["documents_differing"] == 0
json.dump({"bench": "yaml-readers", "machine": machine, "busy_compilers": busy,
           "target": {"docs_per_s": 10000}, "results": rows}, open(out, "w"), indent=2)
fast1 = next(r for r in rows if r["reader"] == "fast" and r["threads"] == 1)
for r in rows:
    print(f'{r["reader"]:9} x{r["threads"]}: {r["docs_per_s"]:>8} documents/s '
          f'({r["docs_per_s"] / fast1["docs_per_s"]:.2f}x the fast reader on 1 thread), '
          f'{"meets" if r["meets_target"] else "misses"} the 10,000/s target')
print(f"result: {out}")
PY
