#!/usr/bin/env python3
"""Turns the host-webhook container of a rendered kustomization into a local command line.

Usage: pod_command.py RENDERED.yaml ROOT
Writes ROOT/policy.yaml (the policy ConfigMap's content) and prints, one per line: the probe
paths (`probe readinessProbe /readyz`), then the container's args (`arg VALUE`) with $(VAR)
expanded from its env and every in-pod path moved under ROOT: /etc/webhook/tls/* -> ROOT/tls/*,
/etc/webhook/inventory-ca/* -> ROOT/inventory-ca/*, the service-account token -> ROOT/token,
the policy -> ROOT/policy.yaml. --listen becomes 127.0.0.1:0 and --inventory-url a closed
loopback port, so nothing leaves this machine.
"""
import os
import re
import sys

import yaml

rendered, root = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
c = dep["spec"]["template"]["spec"]["containers"][0]
env = {v["name"]: v.get("value", "") for v in c.get("env", [])}
args = [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], a) for a in c["args"]]

vols = {v["name"]: v for v in dep["spec"]["template"]["spec"]["volumes"]}
mounts = {m["mountPath"].rstrip("/") + "/": vols[m["name"]] for m in c["volumeMounts"]}
policy_path = args[args.index("--policy") + 1]
for prefix, vol in mounts.items():
    if policy_path.startswith(prefix):
        cm = next(d for d in docs if d["kind"] == "ConfigMap"
                  and d["metadata"]["name"] == vol["configMap"]["name"])
        with open(os.path.join(root, "policy.yaml"), "w") as f:
            f.write(cm["data"][policy_path[len(prefix):]])

moved = {
    "/etc/webhook/tls/": os.path.join(root, "tls") + "/",
    "/etc/webhook/inventory-ca/": os.path.join(root, "inventory-ca") + "/",
    "/var/run/secrets/kubernetes.io/serviceaccount/token": os.path.join(root, "token"),
    policy_path: os.path.join(root, "policy.yaml"),
}
out = []
for i, a in enumerate(args):
    prev = args[i - 1] if i else ""
    if prev == "--listen":
        a = "127.0.0.1:0"
    elif prev == "--inventory-url":
        a = "https://127.0.0.1:9"
    else:
        for old, new in moved.items():
            if a.startswith(old):
                a = new + a[len(old):]
                break
    out.append(a)

for probe in ("readinessProbe", "livenessProbe"):
    print(f"probe {probe} {c[probe]['httpGet']['path']}")
for a in out:
    print(f"arg {a}")
