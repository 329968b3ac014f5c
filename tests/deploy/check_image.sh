#!/usr/bin/env bash
# `make test-image`: both images built from an empty image store and run, on a machine with
# podman and runc and no registry (the Debian base is made from Debian's archive):
#   - the store the test creates is empty before the build, and deleted after;
#   - the webhook image holds no shell, package manager or compiler, and its dynamic loader
#     finds every library both binaries need inside it;
#   - its packages are exactly .ci/packages-runtime.txt, and the SBOM made from it lists them
#     with the image's versions (differences from this machine's dpkg are reported);
#   - `--version` is the project version;
#   - run as the Deployment runs it (UID 65532, read-only root filesystem, no capabilities, no
#     privilege escalation, TLS on a port published on 127.0.0.1, the sample inventory mounted
#     read-only): /healthz and /readyz answer, `host-harness send` gets an admission with its
#     patch and a denial, it logs JSON, and SIGTERM stops it with status 0;
#   - the CI image runs host-harness on examples/ from `sh`, as a CI job does.
# Sizes and durations are printed. Root is needed (podman's rootful store, as CI runs it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
started=$(date +%s)

for tool in podman runc curl openssl python3; do
  command -v $tool >/dev/null 2>&1 || {
    echo "FAIL: $tool is missing (make test-image installs .ci/packages-image.txt)" >&2
    exit 1
  }
done
[ "$(id -u)" -eq 0 ] || {
  echo "FAIL: make test-image needs root (podman's rootful store and CNI networking)" >&2
  exit 1
}

version=$(sed -n 's/^project(.*VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
revision=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
image=localhost/forklift-host-webhook:$version
ci_image=localhost/forklift-host-harness:$version

# A store of its own (so "empty" is provable and nothing of the machine's is touched), runc,
# and no raised ulimits: podman's default raise is refused where the process may not raise its
# own limits, so containers inherit this shell's.
tmp=$(mktemp -d /var/tmp/hw-image-test.XXXXXX)
cat >"$tmp/containers.conf" <<'EOF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF=$tmp/containers.conf
P=(podman --root "$tmp/storage" --runroot "$tmp/run" --runtime runc)
cleanup() {
  "${P[@]}" rm -a -f -t 0 >/dev/null 2>&1
  "${P[@]}" rmi -a -f >/dev/null 2>&1
  findmnt -rn -o TARGET | grep "^$tmp/" | sort -r | xargs -r umount -l 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}
step() { echo "== $* ($(($(date +%s) - started)) s)"; }

step "an empty image store: $tmp/storage"
if [ -z "$("${P[@]}" images -aq)" ]; then ok; else bad "the new store is not empty: $("${P[@]}" images)"; fi

step "Debian base from Debian's archive (cached tarball, imported into the empty store)"
base=$("$src/.ci/image/debian-base.sh" "${P[@]}") || {
  bad "no Debian base image: .ci/image/debian-base.sh failed"
  echo "$passed passed, $failed failed"
  exit 1
}

step "make image (.ci/image/build.sh) with $base"
build_start=$(date +%s)
if CONTAINER_ENGINE="${P[*]}" DEBIAN_IMAGE=$base VERSION=$version REVISION=$revision \
  IMAGE=localhost/forklift-host-webhook IMAGE_CI=localhost/forklift-host-harness \
  "$src/.ci/image/build.sh" >"$tmp/build.log" 2>&1; then
  ok
else
  bad "the image build failed: $(tail -30 "$tmp/build.log")"
  echo "$passed passed, $failed failed"
  exit 1
fi
echo "   built in $(($(date +%s) - build_start)) s"
for ref in "$image" "$ci_image"; do
  echo "   $ref: $(("$("${P[@]}" image inspect --format '{{.Size}}' "$ref")" / 1000000)) MB"
done

step "the runtime image's files: no shell, no package manager, no compiler"
mkdir -p "$tmp/rootfs"
# files IMAGE OUT.tar: the image's filesystem as a tar, and its non-directory paths on stdout.
files() {
  local cid
  cid=$("${P[@]}" create "$1")
  "${P[@]}" export "$cid" >"$2"
  "${P[@]}" rm "$cid" >/dev/null
  tar -tvf "$2" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./||'
}
# Shells, package managers, compilers and interpreters by name anywhere, dpkg's database, and
# the compiler's own directory.
forbidden() {
  grep -E -e '(^|/)((ba|da|a|z|k|c)?sh|busybox|toybox|apt(-get|-cache)?|aptitude|dpkg(-deb|-query)?|rpm|yum|dnf|microdnf|apk|c[c+]|g(cc|\+\+)(-[0-9]+)?|cpp(-[0-9]+)?|clang(\+\+)?(-[0-9]+)?|ld(\.bfd|\.gold)?|as|tcc|x86_64-linux-gnu-[a-z+]+(-[0-9]+)?|perl|python3?(\.[0-9]+)?)$' \
    -e '^(var/lib/dpkg/status|usr/lib/gcc/.*)$' | paste -sd' '
}
forbidden=$(files "$image" "$tmp/rootfs.tar" | forbidden)
if [ -z "$forbidden" ]; then ok; else bad "the runtime image holds $forbidden"; fi
# The check must be able to fail: the CI image has a shell, apt and dpkg.
ci_forbidden=$(files "$ci_image" "$tmp/ci.tar" | forbidden)
rm -f "$tmp/ci.tar"
if [[ " $ci_forbidden " == *"/sh "* && " $ci_forbidden " == *"/apt-get "* && " $ci_forbidden " == *"/dpkg "* ]]; then
  ok
else
  bad "the tool check does not see the CI image's sh, apt-get and dpkg: '$ci_forbidden'"
fi
if "${P[@]}" run --rm --entrypoint /bin/sh "$image" -c true >/dev/null 2>&1; then
  bad "/bin/sh runs in the runtime image"
else
  ok
fi
for b in host-webhook host-harness; do
  if "${P[@]}" run --rm --entrypoint /lib64/ld-linux-x86-64.so.2 "$image" --list "/usr/local/bin/$b" \
    >"$tmp/ldd.out" 2>&1 && ! grep -q "not found" "$tmp/ldd.out"; then
    ok
  else
    bad "$b's libraries inside the image: $(cat "$tmp/ldd.out")"
  fi
done

step "the image's packages and its SBOM"
tar -xf "$tmp/rootfs.tar" -C "$tmp/rootfs" var/lib/dpkg/status.d 2>/dev/null
have=$(ls "$tmp/rootfs/var/lib/dpkg/status.d" 2>/dev/null | sort | paste -sd' ')
want=$(grep -v '^\s*#' "$src/.ci/packages-runtime.txt" | awk 'NF{print $1}' | sort | paste -sd' ')
if [ "$have" = "$want" ]; then ok; else bad "the image's packages are '$have', .ci/packages-runtime.txt lists '$want'"; fi
if python3 "$src/.ci/sbom.py" --version "$version" --revision "$revision" --image-ref "$image" \
  --status-dir "$tmp/rootfs/var/lib/dpkg/status.d" -o "$tmp/image.spdx.json" 2>"$tmp/sbom.err" &&
  python3 "$src/.ci/sbom.py" --version "$version" --host -o "$tmp/host.spdx.json" 2>>"$tmp/sbom.err"; then
  python3 - "$tmp/image.spdx.json" "$tmp/host.spdx.json" "$tmp/rootfs/var/lib/dpkg/status.d" <<'PY'
import json, os, re, sys
def debs(path):
    return {p["name"]: p["versionInfo"] for p in json.load(open(path))["packages"] if p["SPDXID"].startswith("SPDXRef-deb-")}
image, host, status = debs(sys.argv[1]), debs(sys.argv[2]), sys.argv[3]
bad = 0
for name in sorted(os.listdir(status)):
    real = re.search(r"^Version: (.+)$", open(os.path.join(status, name)).read(), re.M).group(1)
    if image.get(name) != real:
        print(f"FAIL: the SBOM says {name} {image.get(name)}, the image holds {real}", file=sys.stderr)
        bad = 1
for name in sorted(set(image) & set(host)):
    if image[name] != host[name]:
        print(f"   note: {name} is {image[name]} in the image, {host[name]} on this machine "
              "(make dist without an image would list this machine's)")
sys.exit(bad)
PY
  if [ $? -eq 0 ]; then ok; else bad "the SBOM made from the image does not match the image"; fi
else
  bad "sbom.py: $(cat "$tmp/sbom.err")"
fi

step "--version"
got=$("${P[@]}" run --rm "$image" --version 2>&1)
if [[ $got == "host-webhook $version "* ]]; then ok; else bad "$image --version: '$got', want host-webhook $version"; fi
got=$("${P[@]}" run --rm --entrypoint /usr/local/bin/host-harness "$image" --version 2>&1)
if [[ $got == "host-harness $version "* ]]; then ok; else bad "host-harness --version in $image: '$got'"; fi

step "run as the Deployment runs it"
mkdir -p "$tmp/tls"
"$src/certs/make-certs.sh" --out "$tmp/tls" --service localhost --ip 127.0.0.1 >/dev/null 2>&1 ||
  bad "certs/make-certs.sh failed"
# As a Secret volume shows them (0644 by default), so UID 65532 can read the pair.
chmod 0755 "$tmp/tls" && chmod 0644 "$tmp/tls"/*
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${P[@]}" run -d --name hw-test --user 65532:65532 --read-only --cap-drop ALL \
  --security-opt no-new-privileges -p "127.0.0.1:$port:8443" \
  -v "$tmp/tls:/etc/webhook/tls:ro" -v "$src/examples/inventory.yaml:/etc/webhook/fixture/inventory.yaml:ro" \
  "$image" --listen 0.0.0.0:8443 --tls-cert /etc/webhook/tls/tls.crt --tls-key /etc/webhook/tls/tls.key \
  --inventory-fixture /etc/webhook/fixture/inventory.yaml --log-format json --drain-delay 1s \
  >/dev/null 2>"$tmp/run.err" || bad "podman run: $(cat "$tmp/run.err")"
# Bounded wait for the first answer (startup, not speed, is what's checked).
code=""
for _ in $(seq 1 120); do
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$tmp/tls/ca.crt" \
    "https://127.0.0.1:$port/healthz" 2>/dev/null) && [ "$code" = 200 ] && break
  [ "$("${P[@]}" inspect --format '{{.State.Running}}' hw-test 2>/dev/null)" = true ] || break
  sleep 0.5
done
for path in /healthz /readyz; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$tmp/tls/ca.crt" \
    "https://127.0.0.1:$port$path" 2>&1)
  if [ "$code" = 200 ]; then ok; else bad "GET $path on 127.0.0.1:$port answered '$code': $("${P[@]}" logs hw-test 2>&1 | tail -5)"; fi
done
pid=$("${P[@]}" inspect --format '{{.State.Pid}}' hw-test 2>/dev/null)
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
if [ "$uid" = 65532 ]; then ok; else bad "the webhook runs as UID '$uid', not 65532"; fi
send() { # send FILE [-o json]: host-harness of the image, over 127.0.0.1, as kube-apiserver calls it
  local file=$1
  shift
  "${P[@]}" run --rm --network host --user 65532:65532 --read-only --cap-drop ALL \
    -v "$tmp/tls/ca.crt:/etc/webhook/ca.crt:ro" -v "$src/examples:/examples:ro" \
    --entrypoint /usr/local/bin/host-harness "$image" \
    send --webhook "https://127.0.0.1:$port" --ca /etc/webhook/ca.crt "$@" "/examples/$file"
}
send hosts/adapter-lookup.yaml -o json >"$tmp/send.json" 2>"$tmp/send.err"
rc=$?
if [ $rc -eq 0 ] && python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
sys.exit(0 if r["allowed"] and r["patch"] and r["object"]["spec"]["ipAddress"] else 1)' "$tmp/send.json"; then
  ok
else
  bad "host-harness send hosts/adapter-lookup.yaml (exit $rc): $(head -c 800 "$tmp/send.json") $(cat "$tmp/send.err")"
fi
send denied/ip-and-adapter-conflict.yaml >"$tmp/deny.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "address-conflict" "$tmp/deny.out"; then ok; else
  bad "host-harness send denied/ip-and-adapter-conflict.yaml: exit $rc, $(cat "$tmp/deny.out")"
fi
"${P[@]}" stop -t 30 hw-test >/dev/null 2>&1
status=$("${P[@]}" inspect --format '{{.State.ExitCode}}' hw-test 2>/dev/null)
if [ "$status" = 0 ]; then ok; else bad "exit status $status after SIGTERM (want 0)"; fi
"${P[@]}" logs hw-test >"$tmp/hw.log" 2>&1
if python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if lines and all(json.loads(l) for l in lines) and any(json.loads(l).get("msg") == "admission" for l in lines) else 1)' \
  "$tmp/hw.log" 2>/dev/null; then
  ok
else
  bad "the webhook's log is not JSON with admission lines: $(head -c 600 "$tmp/hw.log")"
fi

step "the CI image: host-harness on examples/ from sh, as a CI job runs it"
if "${P[@]}" run --rm -v "$src/examples:/job/examples:ro" -w /job/examples "$ci_image" sh -c \
  'host-harness --version && host-harness replay --inventory inventory.yaml --policy policy.yaml hosts warn reviews && host-harness test suite.yaml' \
  >"$tmp/ci.out" 2>&1 && grep -q " 0 failed" "$tmp/ci.out"; then
  ok
else
  bad "the CI image on examples/: $(tail -15 "$tmp/ci.out")"
fi

echo "make test-image: $(($(date +%s) - started)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
