#!/usr/bin/env python3
"""Writes the SPDX 2.3 JSON SBOM of the runtime image: the image, the project's binaries in it,
every Debian package whose files it holds (name, Debian version, architecture, source package,
purl) and what is compiled into the binaries from the build's Debian packages.

Usage: sbom.py --version V [--revision R] [--source-url URL] [--image-ref REF]
               (--status-dir DIR | --host) [--runtime-list .ci/packages-runtime.txt] -o OUT

The packages' records come from the image itself (--status-dir: the /var/lib/dpkg/status.d the
rootfs stage writes, one dpkg status record per package) or, with no image at hand, from this
machine's dpkg (--host: the versions an image built here now would get if this machine is up to
date; the document says which). SOURCE_DATE_EPOCH, when set, is the creation time, so the same
inputs give the same file.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import urllib.parse
import uuid

# Code compiled into the binaries (header-only libraries), not loaded from a package at run time.
COMPILED_IN = ["nlohmann-json3-dev"]


def runtime_list(path):
    """[(package, [only these paths] or [])] from .ci/packages-runtime.txt."""
    out = []
    for line in open(path):
        words = line.split("#", 1)[0].split()
        if words:
            out.append((words[0], words[1:]))
    return out


def stanzas(text):
    """dpkg status records (deb822) as dicts; continuation lines are kept with the field."""
    records = []
    for block in re.split(r"\n\s*\n", text.strip()):
        rec, key = {}, None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                rec[key] += "\n" + line
            elif ":" in line:
                key, _, value = line.partition(":")
                rec[key] = value.strip()
        if rec.get("Package"):
            records.append(rec)
    return records


def from_status_dir(path):
    recs = {}
    for name in sorted(os.listdir(path)):
        if not name.endswith(".md5sums"):
            for rec in stanzas(open(os.path.join(path, name)).read()):
                recs[rec["Package"]] = rec
    return recs


def from_host(names):
    out = subprocess.run(["dpkg-query", "-s", *names], capture_output=True, text=True)
    recs = {r["Package"]: r for r in stanzas(out.stdout)}
    missing = [n for n in names if n not in recs]
    if missing:
        sys.exit(f"sbom.py: not installed on this machine: {' '.join(missing)} (make test-deps)")
    return recs


def spdx_id(kind, name):
    return f"SPDXRef-{kind}-" + re.sub(r"[^A-Za-z0-9.-]", "-", name)


def deb_package(rec, only=(), comment=None):
    name, version, arch = rec["Package"], rec["Version"], rec.get("Architecture", "amd64")
    purl = "pkg:deb/debian/{}@{}?arch={}&distro=debian-12".format(
        name, urllib.parse.quote(version, safe="~.-_"), arch)
    source = rec.get("Source", name).split(" ")[0]
    pkg = {
        "SPDXID": spdx_id("deb", name),
        "name": name,
        "versionInfo": version,
        "supplier": "Organization: Debian",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "sourceInfo": f"built from the Debian source package {source}",
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                          "referenceLocator": purl}],
    }
    if only:
        pkg["comment"] = "only these files of the package: " + " ".join(only)
    if comment:
        pkg["comment"] = comment
    return pkg


def document(a, recs, compiled):
    image_id = "SPDXRef-Image"
    app_id = spdx_id("Package", "forklift-host-webhook")
    source = f"git+{a.source_url}@{a.revision}" if a.source_url and a.revision != "unknown" else "NOASSERTION"
    packages = [
        {"SPDXID": image_id, "name": a.image_ref, "versionInfo": a.version, "primaryPackagePurpose": "CONTAINER",
         "downloadLocation": "NOASSERTION", "filesAnalyzed": False, "licenseConcluded": "NOASSERTION",
         "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION",
         "comment": "the host-webhook runtime image: the files of the Debian packages below and the "
                    "project's two binaries, on an empty base (no shell, no package manager)"},
        {"SPDXID": app_id, "name": "forklift-host-webhook", "versionInfo": a.version,
         "primaryPackagePurpose": "APPLICATION", "downloadLocation": source, "filesAnalyzed": False,
         "licenseConcluded": "Apache-2.0", "licenseDeclared": "Apache-2.0", "copyrightText": "NOASSERTION",
         "sourceInfo": f"revision {a.revision}",
         "comment": "/usr/local/bin/host-webhook and /usr/local/bin/host-harness"},
    ]
    rels = [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": image_id},
            {"spdxElementId": image_id, "relationshipType": "CONTAINS", "relatedSpdxElement": app_id}]
    for name, only in runtime_list(a.runtime_list):
        packages.append(deb_package(recs[name], only))
        rels.append({"spdxElementId": image_id, "relationshipType": "CONTAINS",
                     "relatedSpdxElement": spdx_id("deb", name)})
    for rec in compiled:
        packages.append(deb_package(rec, comment="header-only library compiled into the binaries "
                                                 "(version of the machine that ran make dist)"))
        rels.append({"spdxElementId": app_id, "relationshipType": "CONTAINS",
                     "relatedSpdxElement": spdx_id("deb", rec["Package"])})
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    created = datetime.datetime.fromtimestamp(int(epoch) if epoch else datetime.datetime.now().timestamp(),
                                              datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    name = f"forklift-host-webhook-{a.version}-image"
    digest = uuid.uuid5(uuid.NAMESPACE_URL, json.dumps([a.image_ref, a.revision, packages], sort_keys=True))
    origin = ("the image's own package records (/var/lib/dpkg/status.d)" if a.status_dir else
              "the dpkg of the machine that ran make dist, for the packages the image is made of; "
              "make test-image compares them with a built image")
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": f"https://spdx.org/spdxdocs/{name}-{digest}",
        "creationInfo": {"created": created, "creators": ["Tool: forklift-host-webhook-sbom.py"],
                         "comment": f"Debian package versions from {origin}."},
        "packages": packages,
        "relationships": rels,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", required=True)
    ap.add_argument("--revision", default="unknown")
    ap.add_argument("--source-url", default="")
    ap.add_argument("--image-ref", default="forklift-host-webhook")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--status-dir")
    src.add_argument("--host", action="store_true")
    ap.add_argument("--runtime-list", default=os.path.join(os.path.dirname(__file__), "packages-runtime.txt"))
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    names = [n for n, _ in runtime_list(a.runtime_list)]
    recs = from_status_dir(a.status_dir) if a.status_dir else from_host(names)
    missing = [n for n in names if n not in recs]
    if missing:
        sys.exit(f"sbom.py: {a.status_dir} has no record of {' '.join(missing)}, which "
                 f"{a.runtime_list} lists: the image and the list disagree")
    extra = sorted(set(recs) - set(names))
    if extra:
        sys.exit(f"sbom.py: {a.status_dir} holds {' '.join(extra)}, which {a.runtime_list} does not list")
    compiled = list(from_host(COMPILED_IN).values()) if all(
        subprocess.run(["dpkg-query", "-W", p], capture_output=True).returncode == 0 for p in COMPILED_IN) else []
    with open(a.output, "w") as f:
        json.dump(document(a, recs, compiled), f, indent=2, sort_keys=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
