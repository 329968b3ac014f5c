#!/usr/bin/env python3
"""Writes the hostile inputs of issue 5 item 5 (deep nesting, huge strings, invalid UTF-8,
duplicate keys, numbers where strings belong, 10,000 annotations, "billion laughs") into
OUTDIR/<fuzz target>/, so test_fuzz_replay.sh (make test) and smoke.sh (make fuzz-smoke) replay
them through each target: every one must end
in a documented error or a verdict, within the per-input timeout, without a crash or a leak.
Generated rather than committed: some are megabytes.

Usage: hardening.py OUTDIR
"""
import json
import os
import sys


def review(obj, uid="hardening"):
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "forklift.konveyor.io", "version": "v1beta1", "kind": "Host"},
            "resource": {"group": "forklift.konveyor.io", "version": "v1beta1", "resource": "hosts"},
            "namespace": "demo",
            "operation": "CREATE",
            "object": obj,
        },
    }


def host(spec, annotations=None):
    return {
        "apiVersion": "forklift.konveyor.io/v1beta1",
        "kind": "Host",
        "metadata": {"name": "h", "namespace": "demo", "annotations": annotations or {}},
        "spec": spec,
    }


GOOD = {"id": "host-10", "provider": {"name": "vsphere-provider"}}
ADAPTER = {"forklift.konveyor.io/network-adapter": "Management Network"}


def laughs(levels=12, fan=10):
    """YAML alias bomb: fan**levels nodes after expansion from a few hundred bytes."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * fan) + "]")
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    files = {}
    r = "fuzz_review_decide/"
    depth = 100_000
    files[r + "deep-array-object.json"] = json.dumps(review(None))[:-2].replace(
        '"object": null', '"object": ' + "[" * depth + "]" * depth) + "}}"
    files[r + "deep-map-in-spec.json"] = json.dumps(review(host({"id": "PLACEHOLDER"}))).replace(
        '"PLACEHOLDER"', '{"a":' * depth + "1" + "}" * depth)
    files[r + "deep-annotations.json"] = json.dumps(review(host(GOOD, {"x": "PLACEHOLDER"}))).replace(
        '"PLACEHOLDER"', "[" * depth + "]" * depth)
    files[r + "huge-string-id.json"] = json.dumps(review(host({**GOOD, "id": "h" * (4 << 20)}, ADAPTER)))
    files[r + "huge-string-adapter.json"] = json.dumps(
        review(host(GOOD, {"forklift.konveyor.io/network-adapter": "N" * (4 << 20)})))
    files[r + "huge-uid.json"] = json.dumps(review(host(GOOD, ADAPTER), uid="u" * (1 << 20)))
    files[r + "huge-ip.json"] = json.dumps(review(host({**GOOD, "ipAddress": "1" * (1 << 20)})))
    files[r + "unicode-multibyte-warnings.json"] = json.dumps(review(host(
        {"name": "\u00e9" * 300, "ipAddress": "\u4e2d" * 200, "provider": {"name": "\U0001F600" * 100}},
        {"forklift.konveyor.io/network-adapter": "\u00e9\u4e2d" * 200})), ensure_ascii=False)
    files[r + "invalid-utf8.json"] = json.dumps(review(host(GOOD, ADAPTER))).replace(
        "Management Network", "Management \udcff Network", 1).encode("utf-8", "surrogateescape")
    files[r + "duplicate-keys.json"] = (
        '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","uid":"b",'
        '"operation":"CREATE","operation":"DELETE","namespace":"demo","resource":{"group":'
        '"forklift.konveyor.io","version":"v1beta1","resource":"hosts"},"object":{"metadata":'
        '{"namespace":"demo"},"spec":{"id":"host-10","id":"host-11","provider":{"name":"x"},'
        '"provider":{"name":"vsphere-provider"},"ipAddress":"192.168.1.10"}}}}')
    wrong = [
        {"id": 10, "provider": {"name": "vsphere-provider"}},
        {"id": "host-10", "provider": {"name": 1}},
        {"id": "host-10", "provider": "vsphere-provider"},
        {"id": "host-10", "provider": {"name": "vsphere-provider", "namespace": ["demo"]}},
        {"id": "host-10", "provider": {"name": "vsphere-provider"}, "ipAddress": 3232235786},
        {"id": "host-10", "provider": {"name": "vsphere-provider"}, "ipAddress": "192.168.1.10", "secret": "s"},
        {"id": "host-10", "provider": {"name": "vsphere-provider"}, "ipAddress": "192.168.1.10", "secret": {"name": 5}},
        {"name": {"x": 1}, "provider": {"name": "vsphere-provider"}, "ipAddress": "192.168.1.10"},
    ]
    for i, spec in enumerate(wrong):
        files[r + f"number-for-string-{i}.json"] = json.dumps(review(host(spec, ADAPTER)))
    files[r + "annotation-number.json"] = json.dumps(
        review(host(GOOD, {"forklift.konveyor.io/network-adapter": 42})))
    files[r + "annotations-not-map.json"] = json.dumps(review(host(GOOD, ["a"])))  # type: ignore
    files[r + "metadata-number.json"] = json.dumps(review({"metadata": 1, "spec": GOOD}))
    files[r + "namespace-number.json"] = json.dumps(review(host(GOOD, ADAPTER))).replace(
        '"namespace": "demo", "operation"', '"namespace": 7, "operation"')
    files[r + "uid-number.json"] = json.dumps(review(host(GOOD, ADAPTER))).replace('"hardening"', "12")
    many = {f"example.com/key-{i}": "v" * 20 for i in range(10_000)}
    many.update(ADAPTER)
    files[r + "ten-thousand-annotations.json"] = json.dumps(review(host(GOOD, many)))
    files[r + "ten-thousand-owner-refs.json"] = json.dumps(review(
        {**host(GOOD, ADAPTER), "metadata": {"namespace": "demo", "annotations": ADAPTER, "ownerReferences": [
            {"apiVersion": "v1", "kind": "X", "name": f"o{i}", "uid": f"u{i}", "controller": i == 0}
            for i in range(10_000)]}}))

    bomb = laughs()
    for t in ("fuzz_fixture", "fuzz_policy", "fuzz_yaml_roundtrip"):
        files[f"{t}/billion-laughs.yaml"] = bomb
        files[f"{t}/billion-laughs-in-doc.yaml"] = (
            bomb.replace("a", "x") + "providers: []\n" if t == "fuzz_fixture" else bomb)
        files[f"{t}/deep-flow.yaml"] = "[" * 100_000 + "]" * 100_000 + "\n"
        files[f"{t}/deep-block.yaml"] = "".join(" " * i + "- \n" for i in range(0, 3000, 1)) + "\n"
        files[f"{t}/deep-map.yaml"] = "{a: " * 100_000 + "1" + "}" * 100_000 + "\n"
        files[f"{t}/huge-string.yaml"] = "key: " + "x" * (1 << 20) + "\n"
        files[f"{t}/invalid-utf8.yaml"] = b"name: \xff\xfe bad \xc3\x28\nid: \xed\xa0\x80\n"
        files[f"{t}/duplicate-keys.yaml"] = "a: 1\nb: 2\na: 3\n"
        files[f"{t}/many-docs.yaml"] = "---\na: 1\n" * 5_000
        files[f"{t}/ten-thousand-keys.yaml"] = "".join(f"k{i}: v\n" for i in range(10_000))
        files[f"{t}/self-alias.yaml"] = "a: &a [*a]\n"
        # A chain of merge keys: each map merges the previous one, 500 deep.
        files[f"{t}/merge-chain.yaml"] = "m0: &m0 {x: 1}\n" + "".join(
            f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}\n" for i in range(1, 500))
    files["fuzz_fixture/wrong-types.yaml"] = (
        "providers:\n  - name: 5\n    namespace: [x]\n    ready: \"yes\"\n    hosts:\n"
        "      - id: 7\n        name: {a: 1}\n        inMaintenance: \"no\"\n"
        "        networkAdapters: [{name: 1, ipAddress: 2}, \"x\", null]\n")
    files["fuzz_fixture/hosts-not-list.yaml"] = "providers:\n  - {name: a, namespace: b, hosts: {id: x}}\n"
    files["fuzz_fixture/providers-not-list.yaml"] = "providers: 5\n"
    files["fuzz_fixture/host-invalid-utf8.yaml"] = (
        b"providers:\n  - name: p\n    namespace: n\n    hosts:\n      - id: h\n        name: \xff\xfe\n"
        b"        extra: \"\\xff\"\n        networkAdapters: [{name: \xc3\x28, ipAddress: 10.0.0.1}]\n")
    files["fuzz_policy/wrong-types.yaml"] = (
        "secretDefault: 1\nallowHostnames: \"true\"\ncache: {ttl: 30}\ninventoryTimeout: -1s\n"
        "namespaces: [{match: 5, mode: [warn]}]\n")
    files["fuzz_policy/durations.yaml"] = (
        "cache: {ttl: 99999999999999999999h, negativeTtl: 0s, staleIfError: 1m1m1m}\n"
        "inventoryTimeout: 9223372036854775807ms\n")
    files["fuzz_policy/glob-backtracking.yaml"] = (
        "namespaces:\n  - {match: \"" + "*a" * 200 + "b\", mode: warn}\n")
    files["fuzz_policy/ten-thousand-rules.yaml"] = "namespaces:\n" + "".join(
        f"  - {{match: \"ns-{i}-*\", mode: warn}}\n" for i in range(10_000))

    # HTTP framing: request-smuggling shapes, oversized parts, hostile chunking.
    h = "fuzz_http_request/"
    files[h + "cl-and-te.http"] = (
        "POST /mutate HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    files[h + "te-obs-fold.http"] = (
        "POST /mutate HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n chunked\r\n\r\n")
    files[h + "cl-list-disagrees.http"] = (
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\nab")
    files[h + "cl-overflow.http"] = (
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + "9" * 400 + "\r\n\r\n")
    files[h + "nul-in-header.http"] = b"GET / HTTP/1.1\r\nHost: h\x00x\r\n\r\n"
    files[h + "obs-text-value.http"] = b"GET / HTTP/1.1\r\nHost: h\r\nX: \xff\xfe\r\n\r\n"
    files[h + "thousands-of-headers.http"] = (
        "GET / HTTP/1.1\r\nHost: h\r\n" + "A:b\r\n" * 2000 + "\r\n")
    files[h + "one-byte-chunks.http"] = (
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "1\r\nx\r\n" * 500 + "0\r\n\r\n")
    files[h + "chunk-size-overflow.http"] = (
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "ffffffffffffffffffff\r\n")
    files[h + "endless-trailer.http"] = (
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        + "X-T: y\r\n" * 2000)
    files[h + "only-crlf.http"] = "\r\n" * 3000
    files[h + "te-chunked-twice.http"] = (
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    # The differential target frames the same shapes a second way.
    for name in [n for n in files if n.startswith(h)]:
        files["fuzz_http_beast/" + name[len(h):]] = files[name]

    for name, data in files.items():
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
    print(f"{len(files)} inputs in {out}")


if __name__ == "__main__":
    main()
