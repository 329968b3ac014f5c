#!/usr/bin/env bash
# `make dist` as a user receives it (.ci/dist.sh, the script the target runs; no container
# engine needed): every artefact is there and SHA256SUMS verifies it (and catches a changed
# byte); each manifest is a complete install of its overlay (check_manifests.py) with the image
# pinned by tag and digest, or by tag alone when no digest is known; the SBOM is SPDX 2.3 and
# lists every runtime package with its Debian version; the host-harness tarball runs the
# examples on this machine (Debian 12) and names the packages it needs; the same commit gives
# byte-identical files; a VERSION other than the project's is refused.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${BIN_DIR:-$src/build/bin}

if [ ! -x "$bin/host-harness" ]; then
  echo "SKIP: $bin/host-harness is not built (run make build)"
  exit 0
fi
# shellcheck source=require_kustomize_v5.sh
. "$here/require_kustomize_v5.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}
version=$(sed -n 's/^project(.*VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
repo=registry.example.com/forklift/host-webhook
digest=sha256:$(printf 'a%.0s' $(seq 64))
name=forklift-host-webhook-$version

dist() { # dist OUT [VAR=VALUE...]: .ci/dist.sh into OUT, fixed inputs, no engine consulted
  local out=$1
  shift
  env VERSION="$version" REVISION=0123456789ab SOURCE_URL=https://example.com/forklift-host-webhook.git \
    BIN_DIR="$bin" IMAGE_REPO="$repo" IMAGE_DIGEST="$digest" SBOM_FROM=host SOURCE_DATE_EPOCH=1790000000 \
    "$@" "$src/.ci/dist.sh" "$out" >"$tmp/dist.out" 2>&1
}

if dist "$tmp/dist"; then ok; else
  bad ".ci/dist.sh failed: $(cat "$tmp/dist.out")"
  echo "$passed passed, $failed failed"
  exit 1
fi
d=$tmp/dist
tarball=host-harness-$version-debian12-amd64.tar.gz
for f in "$name-kubernetes.yaml" "$name-cert-manager.yaml" "$name-openshift.yaml" "$tarball" "$name.spdx.json" \
  "$name-grafana-dashboard.json" SHA256SUMS; do
  if [ -s "$d/$f" ]; then ok; else bad "dist/ has no $f"; fi
done

# Checksums: every other file listed, all verify, and a changed byte is caught.
listed=$(awk '{print $2}' "$d/SHA256SUMS" | sort | paste -sd' ')
present=$(ls "$d" | grep -vx SHA256SUMS | sort | paste -sd' ')
if [ "$listed" = "$present" ]; then ok; else bad "SHA256SUMS lists '$listed', dist/ holds '$present'"; fi
if (cd "$d" && sha256sum --quiet -c SHA256SUMS) >"$tmp/sum.out" 2>&1; then ok; else
  bad "sha256sum -c SHA256SUMS: $(cat "$tmp/sum.out")"
fi
cp -r "$d" "$tmp/tampered"
printf '#' >>"$tmp/tampered/$name-openshift.yaml"
if (cd "$tmp/tampered" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1; then
  bad "SHA256SUMS still verifies a changed manifest"
else
  ok
fi

# Each manifest is a complete install of its overlay, pinned to the image by tag and digest.
for overlay in kubernetes cert-manager openshift; do
  f=$d/$name-$overlay.yaml
  if python3 "$here/check_manifests.py" --profile "$overlay" --version "$version" "$f" >"$tmp/check.out" 2>&1; then
    ok
  else
    bad "$name-$overlay.yaml: $(cat "$tmp/check.out")"
  fi
  images=$(grep -E '^\s+image: ' "$f" | awk '{print $2}' | sort -u)
  if [ "$images" = "$repo:$version@$digest" ]; then ok; else bad "$name-$overlay.yaml pins '$images'"; fi
done
dist "$tmp/no-digest" IMAGE_DIGEST=none || bad ".ci/dist.sh with IMAGE_DIGEST=none: $(cat "$tmp/dist.out")"
images=$(grep -hE '^\s+image: ' "$tmp/no-digest/"*.yaml | awk '{print $2}' | sort -u)
if [ "$images" = "$repo:$version" ]; then ok; else bad "without a digest the manifests pin '$images'"; fi

# The SBOM: SPDX 2.3 with every runtime package at the version dpkg reports here.
if python3 - "$d/$name.spdx.json" "$src/.ci/packages-runtime.txt" "$version" >"$tmp/sbom.out" 2>&1 <<'PY'; then
import json, re, subprocess, sys
doc = json.load(open(sys.argv[1]))
want = [l.split()[0] for l in open(sys.argv[2]) if l.strip() and not l.lstrip().startswith("#")]
errors = []
for key, value in (("spdxVersion", "SPDX-2.3"), ("dataLicense", "CC0-1.0"), ("SPDXID", "SPDXRef-DOCUMENT")):
    if doc.get(key) != value:
        errors.append(f"{key} is {doc.get(key)!r}, not {value!r}")
if not re.match(r"https?://\S+$", doc.get("documentNamespace", "")) or "#" in doc["documentNamespace"]:
    errors.append(f"documentNamespace {doc.get('documentNamespace')!r} is not a URI without '#'")
ci = doc.get("creationInfo", {})
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ci.get("created", "")) or not ci.get("creators"):
    errors.append(f"creationInfo {ci} lacks created (UTC) or creators")
ids = [p.get("SPDXID", "") for p in doc.get("packages", [])]
if len(ids) != len(set(ids)) or not all(re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", i) for i in ids):
    errors.append(f"package SPDXIDs are not unique valid ids: {ids}")
for p in doc["packages"]:
    if not p.get("name") or "downloadLocation" not in p:
        errors.append(f"package {p.get('SPDXID')} lacks name or downloadLocation")
debs = {p["name"]: p for p in doc["packages"] if p["SPDXID"].startswith("SPDXRef-deb-")}
for name in want:
    p = debs.get(name)
    if p is None:
        errors.append(f"runtime package {name} is not in the SBOM")
        continue
    have = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True, text=True).stdout
    if p.get("versionInfo") != have:
        errors.append(f"{name}: versionInfo {p.get('versionInfo')!r}, dpkg says {have!r}")
    purls = [r["referenceLocator"] for r in p.get("externalRefs", []) if r.get("referenceType") == "purl"]
    if not purls or not purls[0].startswith(f"pkg:deb/debian/{name}@"):
        errors.append(f"{name}: no purl pkg:deb/debian/{name}@...")
rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc.get("relationships", [])}
described = [r for r in rels if r[0] == "SPDXRef-DOCUMENT" and r[1] == "DESCRIBES"]
if len(described) != 1:
    errors.append(f"the document must DESCRIBE one element, describes {described}")
else:
    image = described[0][2]
    for name in want:
        if (image, "CONTAINS", debs.get(name, {}).get("SPDXID")) not in rels:
            errors.append(f"the image does not CONTAIN {name}")
app = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "APPLICATION"]
if not app or app[0].get("versionInfo") != sys.argv[3] or app[0].get("licenseDeclared") != "Apache-2.0":
    errors.append(f"no APPLICATION package forklift-host-webhook {sys.argv[3]} (Apache-2.0)")
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
  ok
else
  bad "$name.spdx.json: $(cat "$tmp/sbom.out")"
fi

# The tarball: host-harness runs the examples here and its README names what it needs.
mkdir -p "$tmp/unpacked"
tar -xzf "$d/$tarball" -C "$tmp/unpacked"
h=$tmp/unpacked/host-harness-$version-debian12-amd64
if [ -x "$h/host-harness" ] && [ -s "$h/LICENSE" ] && [ -s "$h/README.md" ]; then ok; else
  bad "$tarball lacks host-harness, LICENSE or README.md: $(ls "$h" 2>&1)"
fi
if "$h/host-harness" --version 2>&1 | grep -q "^host-harness $version " &&
  "$h/host-harness" test "$src/examples/suite.yaml" >"$tmp/suite.out" 2>&1; then
  ok
else
  bad "the tarball's host-harness: $("$h/host-harness" --version 2>&1) $(tail -3 "$tmp/suite.out")"
fi
for pkg in $("$src/.ci/lib-packages.sh" "$bin/host-harness" | cut -d' ' -f1 | sort -u); do
  if grep -q "apt-get install .*\b$pkg\b" "$h/README.md"; then ok; else bad "README.md does not name $pkg"; fi
done

# The same commit gives the same files; a version that is not the project's is refused.
dist "$tmp/again" || bad ".ci/dist.sh (second run): $(cat "$tmp/dist.out")"
if cmp -s "$d/SHA256SUMS" "$tmp/again/SHA256SUMS"; then ok; else
  bad "two runs from the same commit differ: $(diff "$d/SHA256SUMS" "$tmp/again/SHA256SUMS")"
fi
if dist "$tmp/wrong" VERSION=9.9.9; then
  bad "VERSION=9.9.9 was released as version $version"
elif grep -q "CMakeLists.txt" "$tmp/dist.out"; then
  ok
else
  bad "VERSION=9.9.9 was refused without naming CMakeLists.txt: $(cat "$tmp/dist.out")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
