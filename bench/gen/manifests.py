#!/usr/bin/env python3
"""Writes N Host manifests for `host-harness replay` against examples/inventory.yaml, as YAML
streams of up to 500 documents per file (GitOps repositories hold many Hosts per file). The mix
covers the common paths: by id with an adapter, by name with an IP, by id with an explicit
secret, and a few denials (unknown host, address conflict).

Usage: manifests.py N OUTDIR
"""
import os
import sys

KINDS = [
    # (weight, template): all admitted except the last two
    (4, """apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata:
  name: h-{i}
  namespace: demo
  annotations:
    forklift.konveyor.io/network-adapter: Management Network
spec:
  id: host-10
  provider: {{name: vsphere-provider}}
"""),
    (3, """apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata:
  name: h-{i}
  namespace: demo
spec:
  name: esxi-host-02.example.com
  ipAddress: 192.168.1.11
  provider: {{name: vsphere-provider, namespace: demo}}
"""),
    (2, """apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata:
  name: h-{i}
  namespace: demo
  labels: {{wave: "3"}}
spec:
  id: ha-host
  ipAddress: 192.168.1.50
  provider: {{name: esxi-provider}}
  secret: {{name: esxi-secret}}
"""),
    (1, """apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata:
  name: h-{i}
  namespace: demo
spec:
  id: host-999
  ipAddress: 192.168.1.99
  provider: {{name: vsphere-provider}}
"""),
]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    pattern = [t for w, t in KINDS for _ in range(w)]
    per_file = 500
    for f in range((n + per_file - 1) // per_file):
        with open(os.path.join(out, f"hosts-{f:03d}.yaml"), "w") as fh:
            for i in range(f * per_file, min(n, (f + 1) * per_file)):
                fh.write("---\n" + pattern[i % len(pattern)].format(i=i))


if __name__ == "__main__":
    main()
