#!/usr/bin/env python3
"""Turns the host-webhook container of a rendered kustomization into a local command line.

Usage: pod_command.py RENDERED.yaml ROOT
Writes ROOT/policy.yaml (the policy ConfigMap's content) and prints, one per line: the probe
paths (`probe readinessProbe /readyz`), then the container's args (`arg VALUE`) with $(VAR)
expanded from its env and every in-pod path moved under ROOT: /etc/webhook/tls/* -> ROOT/tls/*,
/etc/webhook/inventory-ca/* -> ROOT/inventory-ca/*, the service-account token -> ROOT/token,
the policy -> ROOT/policy.yaml. --listen becomes 127.0.0.1:0 and --inventory-url a closed
loopback port, so nothing leaves this machine.

When the pod uses the Kubernetes API (--manage-certificates, --inventory-ca-secret), what a pod
gets from its service account is a kubeconfig instead: `kube NAMESPACE` is printed (the pod's
namespace, which a mock API's kubeconfig context must name), `arg --kubeconfig ROOT/kubeconfig`
is added, and ROOT/kube-objects.json holds what the cluster has when the pod starts: the
rendering's Secrets and webhook configurations, and Forklift's inventory CA Secret with
ROOT/inventory-ca/ca.crt as its ca.crt.
"""
import base64
import json
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

def local(flag, value):
    if flag == "--listen":
        return "127.0.0.1:0"
    if flag == "--inventory-url":
        return "https://127.0.0.1:9"
    for old, new in moved.items():
        if value.startswith(old):
            return new + value[len(old):]
    return value


out = []
for i, a in enumerate(args):
    if a.startswith("--") and "=" in a:  # --flag=value
        flag, value = a.split("=", 1)
        out.append(f"{flag}={local(flag, value)}")
    else:
        out.append(local(args[i - 1] if i else "", a))


def flag_value(name):
    for i, a in enumerate(out):
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
        if a == name and i + 1 < len(out):
            return out[i + 1]
    return ""


for probe in ("readinessProbe", "livenessProbe"):
    print(f"probe {probe} {c[probe]['httpGet']['path']}")
ca_secret = flag_value("--inventory-ca-secret")
if "--manage-certificates" in out or ca_secret:
    objects = [d for d in docs if d["kind"] in ("Secret", "MutatingWebhookConfiguration",
                                                 "ValidatingWebhookConfiguration")]
    if ca_secret:
        ns, name = ca_secret.split("/", 1)
        with open(os.path.join(root, "inventory-ca", "ca.crt"), "rb") as f:
            ca = base64.b64encode(f.read()).decode()
        objects.append({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                        "metadata": {"name": name, "namespace": ns}, "data": {"ca.crt": ca}})
    with open(os.path.join(root, "kube-objects.json"), "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": objects}, f)
    print(f"kube {dep['metadata']['namespace']}")
    out += ["--kubeconfig", os.path.join(root, "kubeconfig")]
for a in out:
    print(f"arg {a}")
