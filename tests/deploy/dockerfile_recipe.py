#!/usr/bin/env python3
"""Reads the Dockerfile the way test_image_recipe.sh needs it, without a container engine.

Usage: dockerfile_recipe.py DOCKERFILE PACKAGES_BUILD_TXT [PACKAGES_RUNTIME_TXT]
Prints `runtime-package NAME` for each package whose files make up the runtime image (the list
the rootfs stage reads; PACKAGES_RUNTIME_TXT replaces it, to test a changed list), then checks
the recipe's fixed points and prints `error: ...` for each one broken (exit 1 if any).
"""
import os
import re
import shlex
import sys

DEBIAN_12_SLIM = r"(docker\.io/library/)?debian:(12\.\d+-slim|bookworm-\d{8}-slim)"


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
    """{name: {"from": image, "instrs": [...]}} in order; unnamed stages are named by index."""
    result = {}
    for kw, arg in instrs:
        if kw == "FROM":
            words = arg.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(result))
            result[name] = {"from": words[0], "instrs": []}
        elif result:
            result[next(reversed(result))]["instrs"].append((kw, arg))
    return result


def runs(stage):
    return " && ".join(a for k, a in stage["instrs"] if k == "RUN")


def list_packages(path):
    """First words of a package list (lines "PACKAGE ..." outside comments)."""
    return [line.split()[0] for line in open(path) if line.strip() and not line.lstrip().startswith("#")]


def reads_list(stage, list_name):
    """The stage copies LIST in and feeds its first column to apt-get install."""
    copied = any(k == "COPY" and list_name in a for k, a in stage["instrs"])
    return copied and re.search(re.escape(list_name) + r".*awk 'NF\{print \$1\}'.*xargs\s+apt-get install",
                                runs(stage)) is not None


def copies_from(stage, source_stage, binary, dest):
    """The stage has `COPY --from=SOURCE_STAGE ... .../BINARY ... DEST`."""
    for k, a in stage["instrs"]:
        words = a.split()
        if k == "COPY" and words and words[0] == f"--from={source_stage}" and \
                words[-1].rstrip("/") == dest.rstrip("/") and \
                any(os.path.basename(w) == binary for w in words[1:-1]):
            return True
    return False


def labels(stage):
    out = {}
    for k, a in stage["instrs"]:
        if k == "LABEL":
            for pair in shlex.split(a):
                key, _, value = pair.partition("=")
                out[key] = value
    return out


def check_labels(name, stage, title, errors):
    got = labels(stage)
    for key, want in (("org.opencontainers.image.title", title),
                      ("org.opencontainers.image.version", "${VERSION}"),
                      ("org.opencontainers.image.revision", "${REVISION}"),
                      ("org.opencontainers.image.source", "${SOURCE_URL}"),
                      ("org.opencontainers.image.licenses", "Apache-2.0")):
        if got.get(key) != want:
            errors.append(f"{name} stage must LABEL {key}={want}, has {got.get(key)!r}")
    declared = {a.split("=")[0] for k, a in stage["instrs"] if k == "ARG"}
    for arg in ("VERSION", "REVISION", "SOURCE_URL"):
        if arg not in declared:
            errors.append(f"{name} stage must declare ARG {arg} for its labels")


def check_build(st, build_list, errors):
    build = st["build"]
    wanted = set(list_packages(build_list))
    if not reads_list(build, "packages-build.txt"):
        errors.append("build stage must install .ci/packages-build.txt (COPY it, then "
                      f"`awk 'NF{{print $1}}' | xargs apt-get install`): {sorted(wanted)}")
    text = runs(build)
    if not re.search(r"cmake -S \. -B (\S+) -G Ninja -DHOSTADM_TESTS=OFF", text) or "cmake --build" not in text:
        errors.append("build stage must run `cmake -S . -B build -G Ninja -DHOSTADM_TESTS=OFF` and "
                      "`cmake --build build` as `make build` does")
    if "-DHOSTADM_REVISION=" not in text:
        errors.append("build stage must pass the REVISION build arg to CMake (-DHOSTADM_REVISION)")


def check_rootfs(st, errors):
    rootfs = st["rootfs"]
    if not reads_list(rootfs, "packages-runtime.txt"):
        errors.append("rootfs stage must install .ci/packages-runtime.txt (COPY it, then "
                      "`awk 'NF{print $1}' | xargs apt-get install`)")
    if not re.search(r"rootfs\.sh \S*packages-runtime\.txt /rootfs", runs(rootfs)):
        errors.append("rootfs stage must assemble /rootfs with .ci/image/rootfs.sh from the same list")
    for b in ("host-webhook", "host-harness"):
        if not copies_from(rootfs, "build", b, "/rootfs/usr/local/bin"):
            errors.append(f"rootfs stage must copy {b} from the build stage into /rootfs/usr/local/bin")


def check_runtime(name, runtime, errors):
    if runtime["from"] != "scratch":
        errors.append(f"the last stage ({name}) must be FROM scratch: the runtime holds only /rootfs")
    kws = [k for k, _ in runtime["instrs"]]
    if "RUN" in kws:
        errors.append(f"{name} stage has RUN: the runtime image has no shell to run it with")
    if "HEALTHCHECK" in kws:
        errors.append("no HEALTHCHECK: Kubernetes probes /readyz and /healthz")
    if not any(k == "COPY" and re.fullmatch(r"--from=rootfs /rootfs/? /", a) for k, a in runtime["instrs"]):
        errors.append(f"{name} stage must be exactly the rootfs: COPY --from=rootfs /rootfs/ /")
    user = [a for k, a in runtime["instrs"] if k == "USER"]
    if not user or user[-1] not in ("65532", "65532:65532"):
        errors.append(f"{name} stage must end as USER 65532 (numeric, for runAsNonRoot)")
    entry = [a for k, a in runtime["instrs"] if k == "ENTRYPOINT"]
    if not entry or entry[-1] != '["/usr/local/bin/host-webhook"]':
        errors.append("ENTRYPOINT must be /usr/local/bin/host-webhook (exec form)")
    check_labels(name, runtime, "host-webhook", errors)


def check_ci(st, errors):
    ci = st.get("ci")
    if ci is None:
        errors.append("a `ci` stage must build host-harness's CI image (with a shell)")
        return
    if not reads_list(ci, "packages-runtime.txt"):
        errors.append("ci stage must install the runtime packages (.ci/packages-runtime.txt)")
    if not copies_from(ci, "build", "host-harness", "/usr/local/bin"):
        errors.append("ci stage must copy host-harness from the build stage into /usr/local/bin")
    if any(k == "ENTRYPOINT" for k, _ in ci["instrs"]):
        errors.append("ci stage must have no ENTRYPOINT: CI runners start their own shell in it")
    check_labels("ci", ci, "host-harness", errors)


def main():
    dockerfile, build_list = sys.argv[1], sys.argv[2]
    src = os.path.dirname(os.path.abspath(dockerfile))
    runtime_list = sys.argv[3] if len(sys.argv) > 3 else os.path.join(src, ".ci/packages-runtime.txt")
    text = open(dockerfile).read()
    args = {}
    for kw, arg in instructions(text):
        if kw == "ARG" and "=" in arg:
            k, v = arg.split("=", 1)
            args.setdefault(k, v)
    st = stages(instructions(text))
    errors = []
    for name in ("build", "rootfs"):
        if name not in st:
            print(f"error: no `{name}` stage (FROM ... AS {name})")
            return 1
    for name in ("build", "rootfs", "ci"):
        if name in st:
            img = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), st[name]["from"])
            if not re.fullmatch(DEBIAN_12_SLIM, img):
                errors.append(f"{name} stage FROM {img}: pin Debian 12 slim by a dated or point-release tag")
    for p in list_packages(runtime_list):
        print(f"runtime-package {p}")
    check_build(st, build_list, errors)
    check_rootfs(st, errors)
    last = next(reversed(st))
    check_runtime(last, st[last], errors)
    check_ci(st, errors)
    for e in errors:
        print(f"error: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
