#!/usr/bin/env python3
"""Reads the Dockerfile the way test_image_recipe.sh needs it, without a container engine.

Usage: dockerfile_recipe.py DOCKERFILE PACKAGES_BUILD_TXT
Prints `runtime-package NAME` for each package the final stage installs, then checks the
recipe's fixed points and prints `error: ...` for each one broken (exit 1 if any).
"""
import re
import shlex
import sys


def instructions(text):
    """(KEYWORD, argument) pairs, continuation lines joined and comments dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if cur and line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        kw, _, arg = cur.strip().partition(" ")
        out.append((kw.upper(), arg.strip()))
        cur = ""
    return out


def stages(instrs):
    result = []
    for kw, arg in instrs:
        if kw == "FROM":
            result.append({"from": arg, "instrs": []})
        elif result:
            result[-1]["instrs"].append((kw, arg))
    return result


def apt_installs(run_arg):
    """Packages named literally after `apt-get install` in one RUN."""
    pkgs = []
    for cmd in re.split(r"&&|;|\|\|?", run_arg):
        words = shlex.split(cmd)
        if len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
            after = words[words.index("install") + 1:]
            pkgs += [w for w in after if not w.startswith("-")]
    return pkgs


def main():
    dockerfile, build_list = sys.argv[1], sys.argv[2]
    text = open(dockerfile).read()
    args = {}
    for kw, arg in instructions(text):
        if kw == "ARG" and "=" in arg:
            k, v = arg.split("=", 1)
            args[k] = v
    st = stages(instructions(text))
    errors = []
    if len(st) < 2:
        print("error: expected a build stage and a runtime stage")
        return 1
    build, runtime = st[0], st[-1]

    def image(s):
        return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), s["from"].split()[0])

    for s in (build, runtime):
        img = image(s)
        if not re.fullmatch(r"debian:(12\.\d+-slim|bookworm-\d{8}-slim)", img):
            errors.append(f"stage FROM {img}: pin Debian 12 slim by a dated or point-release tag")

    wanted = set()
    for line in open(build_list):
        line = line.strip()
        if line and not line.startswith("#"):
            wanted.add(line.split()[0])
    build_runs = " && ".join(a for k, a in build["instrs"] if k == "RUN")
    literal = set(apt_installs(build_runs))
    reads_list = any(k == "COPY" and "packages-build.txt" in a for k, a in build["instrs"]) and \
        re.search(r"packages-build\.txt.*xargs\s+apt-get install", build_runs) is not None
    if not reads_list and literal != wanted:
        errors.append("build stage must install .ci/packages-build.txt: read the file, or list exactly "
                      f"its packages (missing {sorted(wanted - literal)}, extra {sorted(literal - wanted)})")
    if reads_list and literal:
        errors.append(f"build stage installs {sorted(literal)} besides .ci/packages-build.txt")
    if not re.search(r"cmake -S \. -B (\S+) -G Ninja -DHOSTADM_TESTS=OFF", build_runs) or \
            "cmake --build" not in build_runs:
        errors.append("build stage must run `cmake -S . -B build -G Ninja -DHOSTADM_TESTS=OFF` and "
                      "`cmake --build build` as `make build` does")

    runtime_pkgs = []
    for k, a in runtime["instrs"]:
        if k == "RUN":
            runtime_pkgs += apt_installs(a)
    for p in runtime_pkgs:
        print(f"runtime-package {p}")
    kws = [k for k, _ in runtime["instrs"]]
    if "HEALTHCHECK" in kws:
        errors.append("no HEALTHCHECK: Kubernetes probes /readyz and /healthz")
    user = [a for k, a in runtime["instrs"] if k == "USER"]
    if not user or user[-1] not in ("65532", "65532:65532"):
        errors.append("runtime stage must end as USER 65532 (numeric, for runAsNonRoot)")
    entry = [a for k, a in runtime["instrs"] if k == "ENTRYPOINT"]
    if not entry or entry[-1] not in ('["/usr/local/bin/host-webhook"]', '["host-webhook"]'):
        errors.append("ENTRYPOINT must be host-webhook (exec form)")
    copies = " ".join(a for k, a in runtime["instrs"] if k == "COPY")
    for b in ("host-webhook", "host-harness"):
        if not re.search(rf"--from=\S+ .*\bbin/{b}\b.* /usr/local/bin/?", copies):
            errors.append(f"runtime stage must copy {b} from the build stage into /usr/local/bin")
    # The image says which build it holds: the labels come from the build args `make image`
    # fills from CMakeLists.txt and git, and the build stage feeds the revision to CMake.
    labels = {}
    for k, a in runtime["instrs"]:
        if k == "LABEL":
            for pair in shlex.split(a):
                key, _, value = pair.partition("=")
                labels[key] = value
    for key, want in (("org.opencontainers.image.version", "${VERSION}"),
                      ("org.opencontainers.image.revision", "${REVISION}"),
                      ("org.opencontainers.image.source", "${SOURCE_URL}"),
                      ("org.opencontainers.image.licenses", "Apache-2.0")):
        if labels.get(key) != want:
            errors.append(f"runtime stage must LABEL {key}={want}, has {labels.get(key)!r}")
    declared = {a.split("=")[0] for k, a in runtime["instrs"] if k == "ARG"}
    for arg in ("VERSION", "REVISION", "SOURCE_URL"):
        if arg not in declared:
            errors.append(f"runtime stage must declare ARG {arg} for its label")
    if "-DHOSTADM_REVISION=" not in build_runs:
        errors.append("build stage must pass the REVISION build arg to CMake (-DHOSTADM_REVISION)")
    for e in errors:
        print(f"error: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
