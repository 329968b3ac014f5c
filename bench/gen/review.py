#!/usr/bin/env python3
"""Writes a realistic AdmissionReview for a Host CREATE (about 3 KiB, like a Host written by a
GitOps tool: labels, annotations, managedFields), that the webhook admits with a patch.

With --kubectl-apply the review is the one `kubectl apply -f host.yaml` makes the apiserver send
(about 2.2 KB): the last-applied-configuration annotation kubectl writes, the managedFields entry
of kubectl-client-side-apply, kubectl's user and options; its size is its own, --size is ignored.

Usage: review.py [--namespace demo] [--provider vsphere-provider] [--host-id host-10]
                 [--adapter 'Management Network'] [--size 3072] [--operation CREATE]
                 [--kubectl-apply] > review.json
"""
import argparse
import json
import sys


def host(ns, provider, host_id, adapter, name="bench-host"):
    return {
        "apiVersion": "forklift.konveyor.io/v1beta1",
        "kind": "Host",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {
                "app.kubernetes.io/managed-by": "argocd",
                "app.kubernetes.io/part-of": "migration-wave-3",
                "migration.example.com/datacenter": "dc1",
                "migration.example.com/cluster": "cluster-a",
            },
            "annotations": {
                "forklift.konveyor.io/network-adapter": adapter,
                "argocd.argoproj.io/tracking-id": f"migrations:forklift.konveyor.io/Host:{ns}/{name}",
                "kubectl.kubernetes.io/last-applied-configuration": "",
            },
            "managedFields": [
                {
                    "apiVersion": "forklift.konveyor.io/v1beta1",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {
                            "f:annotations": {".": {}, "f:forklift.konveyor.io/network-adapter": {}},
                            "f:labels": {".": {}, "f:app.kubernetes.io/managed-by": {}},
                        },
                        "f:spec": {".": {}, "f:id": {}, "f:provider": {".": {}, "f:name": {}}},
                    },
                    "manager": "argocd-controller",
                    "operation": "Apply",
                    "time": "2026-11-25T10:00:00Z",
                }
            ],
        },
        "spec": {"id": host_id, "provider": {"name": provider}},
    }


def applied_host(ns, provider, host_id, adapter, name="esxi-01"):
    """The Host as `kubectl apply` hands it to the apiserver: the manifest, plus the annotation
    that records it (compact JSON and a newline, as kubectl writes it) and the field manager's
    entry the apiserver adds before admission."""
    manifest = {
        "apiVersion": "forklift.konveyor.io/v1beta1",
        "kind": "Host",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {"app.kubernetes.io/part-of": "migration-wave-3",
                       "migration.example.com/datacenter": "dc1"},
            "annotations": {"forklift.konveyor.io/network-adapter": adapter},
        },
        "spec": {"id": host_id, "provider": {"name": provider}},
    }
    obj = json.loads(json.dumps(manifest))
    obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = (
        json.dumps(manifest, separators=(",", ":"), sort_keys=True) + "\n")
    obj["metadata"]["creationTimestamp"] = None
    obj["metadata"]["managedFields"] = [{
        "apiVersion": "forklift.konveyor.io/v1beta1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": {
                "f:annotations": {
                    ".": {},
                    "f:forklift.konveyor.io/network-adapter": {},
                    "f:kubectl.kubernetes.io/last-applied-configuration": {}},
                "f:labels": {
                    ".": {},
                    "f:app.kubernetes.io/part-of": {},
                    "f:migration.example.com/datacenter": {}}},
            "f:spec": {".": {}, "f:id": {}, "f:provider": {".": {}, "f:name": {}}},
        },
        "manager": "kubectl-client-side-apply",
        "operation": "Update",
        "time": "2026-11-27T09:12:44Z",
    }]
    return obj


def review(args):
    if args.kubectl_apply:
        obj = applied_host(args.namespace, args.provider, args.host_id, args.adapter)
    else:
        obj = host(args.namespace, args.provider, args.host_id, args.adapter)
    r = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": "forklift.konveyor.io", "version": "v1beta1", "kind": "Host"},
            "resource": {"group": "forklift.konveyor.io", "version": "v1beta1", "resource": "hosts"},
            "requestKind": {"group": "forklift.konveyor.io", "version": "v1beta1", "kind": "Host"},
            "requestResource": {"group": "forklift.konveyor.io", "version": "v1beta1", "resource": "hosts"},
            "name": obj["metadata"]["name"],
            "namespace": args.namespace,
            "operation": args.operation,
            "userInfo": {
                "username": "system:serviceaccount:argocd:argocd-application-controller",
                "uid": "0f4b1e4c-1f0b-4f0e-9d55-3c8a0c3e6f00",
                "groups": ["system:serviceaccounts", "system:serviceaccounts:argocd", "system:authenticated"],
            } if not args.kubectl_apply else {
                "username": "kubernetes-admin",
                "groups": ["kubeadm:cluster-admins", "system:authenticated"],
            },
            "object": obj,
            "oldObject": obj if args.operation == "UPDATE" else None,
            "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions", "fieldManager": "argocd-controller"},
        },
    }
    if args.kubectl_apply:
        r["request"]["options"] = {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions",
                                   "fieldManager": "kubectl-client-side-apply",
                                   "fieldValidation": "Strict"}
        return r
    # Pad the last-applied annotation (what `kubectl apply` stores) up to the target size.
    text = json.dumps(r, separators=(",", ":"))
    pad = max(0, args.size - len(text))
    applied = json.dumps(host(args.namespace, args.provider, args.host_id, args.adapter), separators=(",", ":"))
    filler = (applied * (pad // max(1, len(applied)) + 1))[:pad]
    annotations = obj["metadata"]["annotations"]
    annotations["kubectl.kubernetes.io/last-applied-configuration"] = filler
    # Escaped quotes make the encoded filler longer than its length: trim to the exact size.
    while filler and len(json.dumps(r, separators=(",", ":"))) > args.size:
        filler = filler[:-1]
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = filler
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--namespace", default="demo")
    p.add_argument("--provider", default="vsphere-provider")
    p.add_argument("--host-id", default="host-10")
    p.add_argument("--adapter", default="Management Network")
    p.add_argument("--operation", default="CREATE", choices=["CREATE", "UPDATE"])
    p.add_argument("--size", type=int, default=3072)
    p.add_argument("--kubectl-apply", action="store_true",
                   help="the review `kubectl apply` causes (about 2.2 KB; --size is ignored)")
    args = p.parse_args()
    r = review(args)
    # UPDATE carries the object twice; the filler was sized for one copy, which is what matters.
    sys.stdout.write(json.dumps(r, separators=(",", ":")))


if __name__ == "__main__":
    main()
