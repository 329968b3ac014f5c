#!/usr/bin/env python3
"""Checks a rendered kustomization (deploy/base, an overlay, components over it, or a user's
kustomization renaming it) for the properties a cluster admin relies on: the webhooks reach the
server and see every namespace's Hosts, the certificate names the Service, the pods are locked
down, RBAC is minimal, every name and namespace agrees with every reference to it, no Namespace
is owned (so installing next to Forklift can't label its namespace and uninstalling can't delete
it), the image is the project version, the optional parts (monitoring, network policy,
trust-manager) point at what they serve.

Usage: check_manifests.py --profile kubernetes|cert-manager|openshift [--components a,b]
                          [--namespace NS] [--prefix P] [--version X.Y.Z] FILE [--self-test]
       check_manifests.py --jobs JOBS   (one such argument list per line; one process for all)

--self-test breaks the rendering in one way at a time and fails unless every break is caught, so
a checker that silently stopped checking something can't keep passing.
"""
import argparse
import shlex
import copy
import json
import os
import re
import sys

import yaml

NAMESPACE = "forklift-host-webhook"
COMPONENTS = {"fail-open", "monitoring", "network-policy", "inventory-ca-trust-manager"}
# Cluster-scoped kinds of the rendering; everything else must sit in the install's namespace.
CLUSTER_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass",
                 "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
# Cluster-scoped custom resources: kustomize cannot know their scope, so a `namespace:` on top
# stamps one on them, which the apiserver drops for a cluster-scoped kind.
CLUSTER_CUSTOM_KINDS = {"Bundle"}
SA_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"
POLICY_KEYS = {
    "adapterAnnotation", "secretDefault", "allowHostnames", "allowCrossNamespaceSecret",
    "ownerReference", "inventoryFailure", "cache", "inventoryTimeout", "namespaces",
    "secretCheck", "duplicateCheck", "endpointCheck", "endpointTimeout", "kubeApiTimeout",
}
# The Secrets Forklift's operator creates with cert-manager in its namespace: the inventory's
# serving certificate (ca.crt: the CA that signed it) and its root CA.
FORKLIFT_CA_SECRETS = {"forklift-inventory-serving-cert", "forklift-cert"}
INVENTORY_NS = {"kubernetes": "konveyor-forklift", "cert-manager": "konveyor-forklift",
                "openshift": "openshift-mtv"}
# The Secret cert-manager writes the inventory's certificate into, for Forklift's operator: its
# ca.crt is the CA the webhook follows through the API (the Kubernetes installs).
FORKLIFT_INVENTORY_CA_SECRET = "forklift-inventory-serving-cert"
WEBHOOKS = {
    "MutatingWebhookConfiguration": ("hosts.mutate.forklift-host-webhook.konveyor.io", "/mutate"),
    "ValidatingWebhookConfiguration": ("hosts.validate.forklift-host-webhook.konveyor.io", "/validate"),
}


class Errors(list):
    def need(self, cond, msg):
        if not cond:
            self.append(msg)
        return bool(cond)


def one(docs, kind, errors, name=None):
    found = [d for d in docs if d.get("kind") == kind
             and (name is None or d["metadata"]["name"] == name)]
    errors.need(len(found) == 1, f"expected exactly one {kind}{' ' + name if name else ''}, "
                f"found {len(found)}")
    return found[0] if found else None


def flag(args, name):
    """The value after `name` in a container's args (both `--f v` and `--f=v`)."""
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def expand(value, env):
    """The kubelet's $(VAR) expansion; unknown variables are left as-is (and reported)."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), value)


def duration_seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", str(text))
    if not m:
        return None
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def mount_for(container, volumes, path):
    """(volume, sub-path inside it) serving file `path`, or (None, None)."""
    for vm in container.get("volumeMounts", []):
        prefix = vm["mountPath"].rstrip("/") + "/"
        if path.startswith(prefix) and "subPath" not in vm:
            vol = next((v for v in volumes if v["name"] == vm["name"]), None)
            return vol, path[len(prefix):]
    return None, None


def file_in_volume(vol, rel):
    """The key of the ConfigMap/Secret that lands at `rel` inside the volume."""
    src = vol.get("secret") or vol.get("configMap") or {}
    items = src.get("items")
    if items is None:
        return rel
    return next((i["key"] for i in items if i["path"] == rel), None)


class Ctx:
    """What the rendering is expected to be: which overlay, which components, and the namespace
    and name prefix a kustomization on top chose."""

    def __init__(self, profile, components=(), namespace=NAMESPACE, prefix="", version=None,
                 metric_names=None):
        self.profile, self.components = profile, set(components)
        self.namespace, self.prefix, self.version = namespace, prefix, version
        self.metric_names = metric_names


def check(docs, ctx):
    e = Errors()
    docs = [d for d in docs if d]
    profile, ns, prefix = ctx.profile, ctx.namespace, ctx.prefix
    fail_open = "fail-open" in ctx.components
    dep = one(docs, "Deployment", e, prefix + "host-webhook")
    svc = one(docs, "Service", e, prefix + "host-webhook")
    if not (dep and svc):
        return e
    check_names(docs, ctx, e)
    check_sizing(dep, ctx, e)
    check_components(docs, ctx, e)
    pod = dep["spec"]["template"]
    spec = pod["spec"]
    containers = spec["containers"]
    c = next((x for x in containers if x["name"] == "host-webhook"), None)
    if not e.need(c is not None, "Deployment has no container host-webhook"):
        return e
    env = {v["name"]: v.get("value", "") for v in c.get("env", [])}
    args = [expand(a, env) for a in c.get("args", [])]
    for a in args:
        e.need("$(" not in a, f"argument {a!r} names an env variable the container doesn't set")

    # --- the port chain: webhook -> Service port -> targetPort -> container port == --listen ----
    listen = flag(args, "--listen") or ""
    m = re.fullmatch(r"(?:[0-9.]+|\[[0-9a-fA-F:]*\]):(\d+)", listen)
    listen_port = int(m.group(1)) if e.need(m, f"--listen {listen!r} is not HOST:PORT") else None
    e.need(listen.startswith("0.0.0.0:") or listen.startswith("[::]:"),
           f"--listen {listen!r} must bind all addresses so the Service can reach the pod")
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    e.need(listen_port in ports.values(), f"no containerPort is the --listen port {listen_port}")
    svc_ports = svc["spec"].get("ports", [])
    e.need(len(svc_ports) == 1, "the Service should expose exactly one port")
    svc_port = svc_ports[0] if svc_ports else {}
    target = svc_port.get("targetPort", svc_port.get("port"))
    target = ports.get(target) if isinstance(target, str) else target
    e.need(target == listen_port,
           f"Service targetPort resolves to {target}, the server listens on {listen_port}")
    labels = pod["metadata"].get("labels", {})
    sel = svc["spec"].get("selector", {})
    e.need(sel and all(labels.get(k) == v for k, v in sel.items()),
           f"Service selector {sel} does not select the pod labels {labels}")
    dsel = dep["spec"]["selector"].get("matchLabels", {})
    e.need(dsel and all(labels.get(k) == v for k, v in dsel.items()),
           "Deployment selector does not match its pod labels")

    # --- webhooks -----------------------------------------------------------------------------
    policy_doc = None
    timeout_limits = []
    for kind, (hook_name, path) in WEBHOOKS.items():
        cfg = one(docs, kind, e)
        if not cfg:
            continue
        hooks = cfg.get("webhooks", [])
        e.need(len(hooks) == 1, f"{kind} should have one webhook, has {len(hooks)}")
        for h in hooks:
            w = f"{kind} webhook {h.get('name')}"
            e.need(h.get("name") == hook_name, f"{w}: name should be {hook_name}")
            e.need(h.get("admissionReviewVersions") == ["v1"], f"{w}: admissionReviewVersions != [v1]")
            e.need(h.get("sideEffects") == "None", f"{w}: sideEffects must be None (dry-run)")
            e.need(h.get("matchPolicy") == "Equivalent", f"{w}: matchPolicy must be Equivalent")
            want_fp = "Ignore" if fail_open else "Fail"
            e.need(h.get("failurePolicy") == want_fp, f"{w}: failurePolicy should be {want_fp}")
            t = h.get("timeoutSeconds")
            e.need(isinstance(t, int) and 1 <= t <= 30, f"{w}: timeoutSeconds must be 1..30")
            timeout_limits.append(t if isinstance(t, int) else 0)
            if kind.startswith("Mutating"):
                e.need(h.get("reinvocationPolicy") == "IfNeeded", f"{w}: reinvocationPolicy IfNeeded")
            rules = h.get("rules", [])
            e.need(rules == [{"apiGroups": ["forklift.konveyor.io"], "apiVersions": ["*"],
                              "resources": ["hosts"], "operations": ["CREATE", "UPDATE"],
                              "scope": "Namespaced"}],
                   f"{w}: rules must be exactly hosts CREATE/UPDATE in forklift.konveyor.io, got {rules}")
            ref = h.get("clientConfig", {}).get("service", {})
            e.need(ref.get("name") == svc["metadata"]["name"]
                   and ref.get("namespace") == svc["metadata"]["namespace"],
                   f"{w}: clientConfig.service {ref} is not the Service")
            e.need(ref.get("port") == svc_port.get("port"), f"{w}: port {ref.get('port')} is not the Service port")
            e.need(ref.get("path") == path, f"{w}: path {ref.get('path')} should be {path}")
            for sel in ("namespaceSelector", "objectSelector"):
                e.need(not h.get(sel), f"{w}: {sel} {h.get(sel)} lets Hosts through unchecked; the "
                       f"webhooks see only Hosts, so every namespace ({ns} too) is intercepted")
        ann = cfg["metadata"].get("annotations", {})
        if profile == "cert-manager":
            inject = ann.get("cert-manager.io/inject-ca-from", "")
            ns, _, cert = inject.partition("/")
            crt = one(docs, "Certificate", e, cert) if cert else None
            e.need(crt is not None and ns == crt["metadata"]["namespace"],
                   f"{kind}: inject-ca-from {inject!r} names no Certificate in the rendering")
        elif profile == "openshift":
            e.need(ann.get("service.beta.openshift.io/inject-cabundle") == "true",
                   f"{kind}: needs service.beta.openshift.io/inject-cabundle: \"true\"")
        else:
            e.need(not any("inject" in k for k in ann),
                   f"{kind}: the webhook writes its own caBundle; no CA injector may fight it")
            e.need(not any(h.get("clientConfig", {}).get("caBundle") for h in hooks),
                   f"{kind}: a rendered caBundle would be put back by every apply; the webhook "
                   "writes it")

    # --- the serving certificate, the policy, the inventory CA --------------------------------
    volumes = spec.get("volumes", [])
    tls_secret = check_serving_source(docs, ctx, c, args, env, volumes, e)
    p = flag(args, "--policy")
    vol, rel = mount_for(c, volumes, p or "")
    if e.need(vol and "configMap" in vol, f"--policy {p} is not inside a mounted ConfigMap"):
        cm = one(docs, "ConfigMap", e, vol["configMap"]["name"])
        key = file_in_volume(vol, rel)
        if cm and e.need(key in cm.get("data", {}), f"policy ConfigMap has no key {key}"):
            policy_doc = yaml.safe_load(cm["data"][key]) or {}
    inventory_ca_secret = check_inventory_ca(docs, ctx, c, args, volumes, e)

    # --- inventory wiring, as Forklift's own clients use it ----------------------------------
    url = flag(args, "--inventory-url") or env.get("MTV_INVENTORY_URL")
    want = f"https://forklift-inventory.{INVENTORY_NS[profile]}.svc:8443"
    e.need(url == want, f"inventory URL {url!r} should be {want}")
    e.need(flag(args, "--inventory-token-file") == SA_TOKEN, "--inventory-token-file must be the SA token")
    e.need(flag(args, "--inventory-insecure-skip-tls") is None and "--inventory-insecure-skip-tls" not in args,
           "the inventory's TLS must be verified")
    e.need(flag(args, "--log-format") == "json", "--log-format json for log collectors")
    e.need(spec.get("automountServiceAccountToken", True) is not False,
           "the SA token must be mounted: it is the inventory's bearer credential")

    # --- policy --------------------------------------------------------------------------------
    if e.need(isinstance(policy_doc, dict), "policy.yaml must be a YAML mapping"):
        unknown = set(policy_doc) - POLICY_KEYS
        e.need(not unknown, f"policy.yaml has unknown keys {sorted(unknown)}")
        want_failure = "allow" if fail_open else "deny"
        e.need(policy_doc.get("inventoryFailure") == want_failure,
               f"policy inventoryFailure should be {want_failure}")
        it = duration_seconds(policy_doc.get("inventoryTimeout", "2s"))
        e.need(it is not None and all(it < t for t in timeout_limits),
               "policy inventoryTimeout must be shorter than every webhook timeoutSeconds")

    # --- availability and lock-down ------------------------------------------------------------
    e.need(dep["spec"].get("replicas", 1) >= 2, "at least 2 replicas")
    tsc = spec.get("topologySpreadConstraints", [])
    e.need(any(t.get("topologyKey") == "kubernetes.io/hostname" for t in tsc), "spread across nodes")
    pdbs = [d for d in docs if d.get("kind") == "PodDisruptionBudget"]
    e.need(any(p["spec"].get("minAvailable") == 1 and all(
        labels.get(k) == v for k, v in p["spec"]["selector"].get("matchLabels", {}).items())
        for p in pdbs), "a PodDisruptionBudget with minAvailable 1 selecting the pods")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    drain = duration_seconds(flag(args, "--drain-delay") or "5s")
    hard_stop = duration_seconds(flag(args, "--shutdown-timeout") or "25s")
    e.need(drain is not None and hard_stop is not None, "--drain-delay/--shutdown-timeout unreadable")
    if drain is not None and hard_stop is not None:
        e.need(hard_stop > drain + max(timeout_limits or [0]),
               "--shutdown-timeout must exceed the drain delay plus the longest request")
        e.need(grace > hard_stop, f"terminationGracePeriodSeconds {grace} must exceed --shutdown-timeout "
               "so the server stops by itself before SIGKILL")
    psc = spec.get("securityContext", {})
    csc = c.get("securityContext", {})
    e.need(psc.get("runAsNonRoot") is True or csc.get("runAsNonRoot") is True, "runAsNonRoot")
    if profile == "openshift":
        e.need("runAsUser" not in psc and "runAsUser" not in csc, "OpenShift assigns the UID: no runAsUser")
    else:
        e.need((csc.get("runAsUser") or psc.get("runAsUser")) == 65532, "runAsUser 65532")
    e.need((csc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault",
           "seccompProfile RuntimeDefault")
    e.need(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation false")
    e.need(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem true")
    e.need(csc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities drop ALL")
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        g = c.get(probe, {}).get("httpGet", {})
        port = ports.get(g.get("port")) if isinstance(g.get("port"), str) else g.get("port")
        e.need(g.get("scheme") == "HTTPS" and g.get("path") == path and port == listen_port,
               f"{probe} must be HTTPS {path} on the listen port")

    # --- RBAC: exactly what the enabled features use -------------------------------------------
    sa = spec.get("serviceAccountName")
    e.need(sa and one(docs, "ServiceAccount", e, sa), "the pods run as their own ServiceAccount")
    check_rbac(docs, ctx, dep, sa, args, inventory_ca_secret, policy_doc, e)

    # --- certificate source ----------------------------------------------------------------------
    svc_names = {f"{svc['metadata']['name']}.{svc['metadata']['namespace']}.svc"}
    svc_names.add(next(iter(svc_names)) + ".cluster.local")
    if profile == "cert-manager":
        certs = [d for d in docs if d.get("kind") == "Certificate"
                 and d["spec"].get("secretName") == tls_secret]
        if e.need(len(certs) == 1, f"one Certificate must write the Secret {tls_secret}"):
            crt = certs[0]
            dns = set(crt["spec"].get("dnsNames", []))
            e.need(svc_names <= dns, f"Certificate dnsNames {sorted(dns)} must include {sorted(svc_names)}")
            e.need(dns <= svc_names | {svc["metadata"]["name"],
                                       f"{svc['metadata']['name']}.{svc['metadata']['namespace']}"},
                   f"Certificate dnsNames {sorted(dns)} name something other than the Service")
            e.need(crt["spec"].get("commonName", next(iter(dns), "")) in dns,
                   f"Certificate commonName {crt['spec'].get('commonName')} is not one of its dnsNames")
            e.need("server auth" in crt["spec"].get("usages", ["server auth"]), "serving cert needs server auth")
            issuer = one(docs, crt["spec"]["issuerRef"].get("kind", "Issuer"), e, crt["spec"]["issuerRef"]["name"])
            ca_secret = (issuer or {}).get("spec", {}).get("ca", {}).get("secretName")
            e.need(any(d.get("kind") == "Certificate" and d["spec"].get("isCA") is True
                       and d["spec"].get("secretName") == ca_secret for d in docs),
                   "the serving certificate's Issuer must be a CA Issuer backed by an isCA Certificate")
            e.need(any(d["metadata"].get("annotations", {}).get("cert-manager.io/inject-ca-from")
                       == f"{crt['metadata']['namespace']}/{crt['metadata']['name']}"
                       for d in docs if d.get("kind") in WEBHOOKS), "inject-ca-from must name the serving Certificate")
    elif profile == "openshift":
        e.need(svc["metadata"].get("annotations", {}).get(
            "service.beta.openshift.io/serving-cert-secret-name") == tls_secret,
            f"Service must ask the service CA for the Secret {tls_secret}")
    return e

# --- where the serving certificate comes from ------------------------------------------------------
def check_serving_source(docs, ctx, c, args, env, volumes, e):
    """The Secret holding the served pair as files (cert-manager, OpenShift), or None when the
    webhook keeps its own certificates (kubernetes): then every name it is given must be an object
    of the rendering, so that a namePrefix renames both."""
    manage = "--manage-certificates" in args
    files = [f for f in ("--tls-cert", "--tls-key") if flag(args, f)]
    if ctx.profile != "kubernetes":
        e.need(not manage, "--manage-certificates where an issuer writes the certificate's Secret")
        tls_secret = None
        for f in ("--tls-cert", "--tls-key"):
            p = flag(args, f)
            vol, rel = mount_for(c, volumes, p or "")
            if e.need(vol and "secret" in vol, f"{f} {p} is not inside a mounted Secret (whole-dir, no subPath)"):
                tls_secret = vol["secret"]["secretName"]
                e.need(file_in_volume(vol, rel) in ("tls.crt", "tls.key"), f"{f} {p} is not a kubernetes.io/tls key")
        return tls_secret
    e.need(manage and not files,
           f"the Kubernetes install keeps its own certificates: --manage-certificates, not {files}")
    name = flag(args, "--certificate-secret") or "host-webhook-certificates"
    secrets = [d for d in docs if d.get("kind") == "Secret" and d["metadata"]["name"] == name]
    if e.need(len(secrets) == 1, f"--certificate-secret {name} names no Secret of the rendering "
              "(a namePrefix would leave the flag behind)"):
        sec = secrets[0]
        e.need(not sec.get("data") and not sec.get("stringData"),
               f"Secret {name} must be rendered empty: an applied value would overwrite what the webhook wrote")
        e.need(sec.get("type", "Opaque") == "Opaque",
               f"Secret {name} must have no type: kubernetes.io/tls needs tls.crt and tls.key applied")
    config = flag(args, "--webhook-configuration") or "forklift-host-webhook"
    for kind in WEBHOOKS:
        e.need(any(d.get("kind") == kind and d["metadata"]["name"] == config for d in docs),
               f"--webhook-configuration {config} names no {kind} of the rendering")
    service = flag(args, "--service-name") or "host-webhook"
    e.need(any(d.get("kind") == "Service" and d["metadata"]["name"] == service for d in docs),
           f"--service-name {service} names no Service of the rendering: the certificate would name "
           "another than the one kube-apiserver dials")
    return None


def check_inventory_ca(docs, ctx, c, args, volumes, e):
    """Exactly one source for the inventory's CA: Forklift's Secret through the API (the Kubernetes
    installs), or a mounted ConfigMap (OpenShift's service CA, trust-manager). Returns the Secret's
    NAMESPACE/NAME, or None."""
    secret = flag(args, "--inventory-ca-secret") or ""
    path = flag(args, "--inventory-ca") or ""
    e.need(bool(secret) != bool(path),
           f"exactly one of --inventory-ca-secret ({secret!r}) and --inventory-ca ({path!r}) may be set")
    if ctx.profile == "openshift" or "inventory-ca-trust-manager" in ctx.components:
        e.need(not secret, "the inventory's CA comes from a mounted ConfigMap here, not the API")
        vol, rel = mount_for(c, volumes, path)
        if e.need(vol and "configMap" in vol, f"--inventory-ca {path} is not inside a mounted ConfigMap"):
            key = file_in_volume(vol, rel)
            if ctx.profile == "openshift":
                cm = one(docs, "ConfigMap", e, vol["configMap"]["name"])
                e.need(cm and cm["metadata"].get("annotations", {}).get(
                    "service.beta.openshift.io/inject-cabundle") == "true",
                    "inventory CA ConfigMap must be filled by the service CA (inject-cabundle)")
                e.need(key == "service-ca.crt", f"inventory CA must come from key service-ca.crt, not {key}")
            else:
                e.need(key == "ca.crt", f"inventory CA key should be ca.crt, is {key}")
        return None
    want = f"{INVENTORY_NS[ctx.profile]}/{FORKLIFT_INVENTORY_CA_SECRET}"
    e.need(secret == want, f"--inventory-ca-secret {secret!r} should be Forklift's Secret {want}")
    return secret or None


# --- RBAC: exactly what the enabled features use --------------------------------------------------
def same(a, b):
    return sorted(a or []) == sorted(b or [])


def rules_are(role, wanted):
    """`role`'s rules are exactly `wanted`: (apiGroups, resources, verbs, resourceNames) each."""
    rules = role.get("rules", [])
    return len(rules) == len(wanted) and all(
        any(same(r.get("apiGroups"), g) and same(r.get("resources"), res) and same(r.get("verbs"), v)
            and same(r.get("resourceNames"), n) and not r.get("nonResourceURLs") for r in rules)
        for g, res, v, n in wanted)


def cluster_check_rbac(policy):
    """The cluster checks' grants the policy uses (the pod always has an API client)."""
    policy = policy if isinstance(policy, dict) else {}
    entries = [n for n in policy.get("namespaces") or [] if isinstance(n, dict)]
    wanted = []
    if (policy.get("secretCheck", "on") != "off" or policy.get("endpointCheck") == "login"
            or any(n.get("requireVerifiedTls") for n in entries)):
        wanted.append(("ClusterRole", "get on Secrets (the Host's own, by name; never list/watch)",
                       [([""], ["secrets"], ["get"], [])]))
    if policy.get("duplicateCheck", "on") != "off":
        wanted.append(("ClusterRole", "list/watch on Hosts (duplicateCheck)",
                       [(["forklift.konveyor.io"], ["hosts"], ["list", "watch"], [])]))
    if any("selector" in n for n in entries):
        wanted.append(("ClusterRole", "list/watch on Namespaces (namespace label selectors)",
                       [([""], ["namespaces"], ["list", "watch"], [])]))
    return wanted


def check_rbac(docs, ctx, dep, sa, args, inventory_ca_secret, policy_doc, e):
    ns = dep["metadata"]["namespace"]
    wanted = [("ClusterRole", "get/list on providers (the inventory checks the caller may)",
               [(["forklift.konveyor.io"], ["providers"], ["get", "list"], [])])]
    wanted += cluster_check_rbac(policy_doc)
    if inventory_ca_secret:
        wanted.append(("ClusterRole", f"list/watch on the Secret {inventory_ca_secret} by name",
                       [([""], ["secrets"], ["list", "watch"], [inventory_ca_secret.split("/", 1)[1]])]))
    if ctx.profile == "kubernetes":
        secret = flag(args, "--certificate-secret") or "host-webhook-certificates"
        config = flag(args, "--webhook-configuration") or "forklift-host-webhook"
        wanted.append(("Role", f"get/list/watch/patch on the Secret {secret} by name",
                       [([""], ["secrets"], ["get", "list", "watch", "patch"], [secret])]))
        wanted.append(("ClusterRole", f"get/patch on the webhook configurations {config} by name",
                       [(["admissionregistration.k8s.io"],
                         ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
                         ["get", "patch"], [config])]))
    if (flag(args, "--audit-interval") or "10m") not in ("0", "0s"):
        lease = flag(args, "--leader-election-id") or "host-webhook-audit"
        wanted.append(("ClusterRole", "list/watch on hosts, the audit's PolicyReports and Events",
                       [(["forklift.konveyor.io"], ["hosts"], ["list", "watch"], []),
                        (["wgpolicyk8s.io"], ["policyreports"],
                         ["get", "list", "create", "update", "delete"], []),
                        ([""], ["events"], ["create", "patch"], [])]))
        wanted.append(("Role", f"get/update on the audit Lease {lease} by name, and create",
                       [(["coordination.k8s.io"], ["leases"], ["get", "update"], [lease]),
                        (["coordination.k8s.io"], ["leases"], ["create"], [])]))
    roles = [d for d in docs if d.get("kind") in ("ClusterRole", "Role")]
    for r in roles:
        what = f"{r['kind']} {r['metadata']['name']}"
        match = next((w for w in wanted if w[0] == r["kind"] and rules_are(r, w[2])), None)
        if not e.need(match, f"{what} grants {r.get('rules')}, which no enabled feature uses"):
            continue
        wanted.remove(match)
        e.need(r["kind"] == "ClusterRole" or r["metadata"].get("namespace") == ns,
               f"{what} is not in the install's namespace")
        binding_kind = "ClusterRoleBinding" if r["kind"] == "ClusterRole" else "RoleBinding"
        bound = [b for b in docs if b.get("kind") == binding_kind
                 and b["roleRef"]["kind"] == r["kind"] and b["roleRef"]["name"] == r["metadata"]["name"]]
        e.need(len(bound) == 1 and bound[0]["subjects"] == [
            {"kind": "ServiceAccount", "name": sa, "namespace": ns}],
            f"{what} must be bound once, by a {binding_kind}, to the webhook's ServiceAccount only")
    for kind, why, _ in wanted:
        e.need(False, f"no {kind} grants {why}")
    bindings = [d for d in docs if d.get("kind") in ("ClusterRoleBinding", "RoleBinding")]
    e.need(len(bindings) == len(roles), f"{len(bindings)} bindings for {len(roles)} roles")


# --- names: a kustomization on top may rename the namespace and prefix every name ---------------
def check_names(docs, ctx, e):
    nss = [d["metadata"]["name"] for d in docs if d.get("kind") == "Namespace"]
    e.need(not nss, f"the rendering holds Namespace {nss}: applied over an existing namespace "
           "(Forklift's) it would relabel it, and `kubectl delete -k` would delete it")
    for d in docs:
        kind, md = d.get("kind"), d.get("metadata", {})
        where = f"{kind} {md.get('name')}"
        if kind in CLUSTER_KINDS:
            e.need("namespace" not in md, f"{where} is cluster-scoped but has a namespace")
        elif kind not in CLUSTER_CUSTOM_KINDS:
            e.need(md.get("namespace") == ctx.namespace,
                   f"{where} is in namespace {md.get('namespace')}, not {ctx.namespace}")
        if kind != "Namespace":
            e.need(md.get("name", "").startswith(ctx.prefix), f"{where} lacks the name prefix {ctx.prefix!r}")
    dep = next(d for d in docs if d.get("kind") == "Deployment")
    spec = dep["spec"]["template"]["spec"]
    pc = spec.get("priorityClassName")
    e.need(pc and any(d.get("kind") == "PriorityClass" and d["metadata"]["name"] == pc for d in docs),
           f"priorityClassName {pc!r} names no PriorityClass of the rendering")
    c = spec["containers"][0]
    image = c.get("image", "")
    if ctx.version:
        name = image.split("@", 1)[0]
        tag = name.rpartition(":")[2] if ":" in name.rpartition("/")[2] else ""
        e.need(tag == ctx.version, f"image {image!r} is not tagged with the project version {ctx.version}")
    issuers = {(d["kind"], d["metadata"]["name"]) for d in docs if d.get("kind") in ("Issuer", "ClusterIssuer")}
    for d in docs:
        if d.get("kind") == "Certificate":
            ref = d["spec"].get("issuerRef", {})
            e.need((ref.get("kind", "Issuer"), ref.get("name")) in issuers,
                   f"Certificate {d['metadata']['name']} issuerRef {ref} names no Issuer of the rendering")


# --- sizing: no CPU limit, a memory limit that holds the worst case ------------------------------
# The server's defaults (webhook/server/config.cpp) and the per-connection cost docs/operations.md's
# sizing section assumes.
DEFAULT_THREADS, DEFAULT_BODY, DEFAULT_CONNECTIONS = 64, 3 << 20, 10000
PER_CONNECTION, BASELINE = 32 << 10, 48 << 20
# What glibc's per-thread cache can hold at the image's GLIBC_TUNABLES (tcache_count=32): 32 freed
# blocks of each of its 64 sizes, 32 to 1,040 bytes.
PER_WORKER_MALLOC_CACHE = 32 * sum(32 + 16 * k for k in range(64))


def quantity_bytes(q):
    """Bytes of a Kubernetes quantity or a --max-body-bytes value: 3145728, 3Mi, 768Mi, 1Gi."""
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", str(q))
    return int(m.group(1)) * {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}[m.group(2)] if m else None


def check_sizing(dep, ctx, e):
    c = dep["spec"]["template"]["spec"]["containers"][0]
    res = c.get("resources", {})
    e.need("cpu" not in res.get("limits", {}),
           "no CPU limit: CFS throttling adds latency to every admission while the webhook is busy")
    e.need(all(k in res.get("requests", {}) for k in ("cpu", "memory")), "cpu and memory requests")
    limit = quantity_bytes(res.get("limits", {}).get("memory"))
    if not e.need(limit, "a memory limit (Ki/Mi/Gi) is required"):
        return
    args = c.get("args", [])
    threads = int(flag(args, "--threads") or DEFAULT_THREADS)
    body = quantity_bytes(flag(args, "--max-body-bytes") or DEFAULT_BODY)
    conns = int(flag(args, "--max-connections") or DEFAULT_CONNECTIONS)
    need = BASELINE + conns * PER_CONNECTION + threads * (2 * (body or 0) + PER_WORKER_MALLOC_CACHE)
    e.need(limit >= need, f"memory limit {limit >> 20}Mi is below the worst case {need >> 20}Mi "
           f"({conns} connections x {PER_CONNECTION >> 10}Ki + {threads} workers x (2 x body {body}"
           f" + {PER_WORKER_MALLOC_CACHE} of malloc cache))")
    req = quantity_bytes(res.get("requests", {}).get("memory"))
    e.need(req and req <= limit, "memory request must not exceed the limit")


# --- components -----------------------------------------------------------------------------------
def metric_names_in_sources(src):
    names = set()
    for root, _, files in os.walk(os.path.join(src, "webhook")):
        for f in files:
            if f.endswith((".cpp", ".hpp")):
                names |= set(re.findall(r'"((?:hostadm|process)_[a-z_]+)"', open(os.path.join(root, f)).read()))
    return names


def selects(selector, labels):
    ml = (selector or {}).get("matchLabels", {})
    return bool(ml) and all(labels.get(k) == v for k, v in ml.items())


def check_components(docs, ctx, e):
    dep = next(d for d in docs if d.get("kind") == "Deployment")
    pod = dep["spec"]["template"]
    labels = pod["metadata"].get("labels", {})
    c = pod["spec"]["containers"][0]
    port_names = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    listen_port = int((flag(c.get("args", []), "--listen") or ":0").rsplit(":", 1)[1])
    has = lambda kind: [d for d in docs if d.get("kind") == kind]
    if "monitoring" in ctx.components:
        pms = has("PodMonitor")
        if e.need(len(pms) == 1, f"monitoring: expected one PodMonitor, found {len(pms)}"):
            pm = pms[0]["spec"]
            e.need(selects(pm.get("selector"), labels), "PodMonitor does not select the webhook pods")
            eps = pm.get("podMetricsEndpoints", [])
            e.need(eps and all(port_names.get(ep.get("port")) == listen_port and ep.get("scheme") == "https"
                               and ep.get("path") == "/metrics" for ep in eps),
                   "PodMonitor must scrape https /metrics on the webhook's named port")
        rules = [r for pr in has("PrometheusRule") for g in pr["spec"].get("groups", []) for r in g.get("rules", [])]
        alerts = {r.get("alert"): r.get("expr", "") for r in rules}
        want = {"inventory errors": "hostadm_inventory_requests_total",
                "stale answers": 'result="stale"',
                "certificate expiry": "hostadm_tls_certificate_expiry_timestamp_seconds",
                "p99 latency": "hostadm_admission_duration_seconds_bucket",
                "connections near the limit": "hostadm_http_connections"}
        # The outage itself, seen from outside the webhook (which exports nothing while down).
        want.update({"no ready endpoint (Endpoints)": 'kube_endpoint_address{',
                     "no ready endpoint (EndpointSlices)": "kube_endpointslice_endpoints{",
                     "no available replica": "kube_deployment_status_replicas_available{",
                     "calls kube-apiserver failed": "apiserver_admission_webhook_rejection_count{",
                     "calls that failed open": "apiserver_admission_webhook_fail_open_count{"})
        for what, needle in want.items():
            e.need(any(needle in x for x in alerts.values()), f"monitoring: no alert on {what} ({needle})")
        # kube-apiserver labels its series with the webhook's own name, which a namePrefix
        # leaves alone: each name=~ matcher must match both webhooks of the rendering.
        hooks = {h["name"] for kind in WEBHOOKS for d in has(kind) for h in d.get("webhooks", [])}
        for name, expr in alerts.items():
            for m in re.finditer(r'apiserver_admission_webhook_\w+\{[^}]*?name=~"((?:\\.|[^"\\])*)"', expr):
                pattern = re.sub(r"\\(.)", r"\1", m.group(1))
                missed = sorted(h for h in hooks if not re.fullmatch(pattern, h))
                e.need(not missed, f"alert {name}: name=~{m.group(1)!r} does not select {missed}")
            e.need("apiserver_admission_webhook_" not in expr or 'name=~"' in expr,
                   f"alert {name} reads kube-apiserver's webhook metrics for every webhook, not ours")
        dashboards = [d for d in has("ConfigMap") if d["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
        if e.need(len(dashboards) == 1, f"monitoring: expected one Grafana dashboard ConfigMap, found {len(dashboards)}"):
            try:
                boards = [json.loads(v) for v in dashboards[0].get("data", {}).values()]
                e.need(boards and all(b.get("panels") for b in boards), "the dashboard ConfigMap holds no panels")
            except ValueError as err:
                e.need(False, f"the dashboard ConfigMap is not JSON: {err}")
        e.need(any("7 * 86400" in x or "604800" in x for x in alerts.values()),
               "monitoring: the certificate alert must fire 7 days before expiry")
        known = ctx.metric_names or set()
        for name, expr in alerts.items():
            for m in set(re.findall(r"\b((?:hostadm|process)_[a-z_]+)", expr)):
                base = re.sub(r"_(bucket|sum|count)$", "", m)
                e.need(ctx.metric_names is None or m in known or base in known,
                       f"alert {name} uses {m}, which host-webhook does not export")
    if "inventory-ca-trust-manager" in ctx.components:
        bundles = has("Bundle")
        vol = next((v for v in pod["spec"].get("volumes", []) if v["name"] == "inventory-ca"), {})
        cm = vol.get("configMap", {})
        if e.need(len(bundles) == 1, f"trust-manager: expected one Bundle, found {len(bundles)}"):
            b = bundles[0]
            e.need(b["metadata"]["name"] == cm.get("name"),
                   f"Bundle {b['metadata']['name']} writes a ConfigMap the pods do not mount ({cm.get('name')})")
            key = b["spec"].get("target", {}).get("configMap", {}).get("key")
            e.need(key in [i["key"] for i in cm.get("items", [])] or (key and not cm.get("items")),
                   f"Bundle target key {key} is not the key the pods mount")
            e.need(b["spec"].get("target", {}).get("namespaceSelector")
                   == {"matchLabels": {"kubernetes.io/metadata.name": ctx.namespace}},
                   "Bundle target does not select the webhook's namespace")
            sources = b["spec"].get("sources", [])
            e.need(sources, "Bundle has no source")
            for src_ in sources:
                sec = src_.get("secret", {})
                e.need(sec.get("name") in FORKLIFT_CA_SECRETS and sec.get("key") == "ca.crt",
                       f"Bundle source {src_} is not the ca.crt of a Secret Forklift creates "
                       f"({sorted(FORKLIFT_CA_SECRETS)})")
    if "network-policy" in ctx.components:
        nps = has("NetworkPolicy")
        if e.need(len(nps) == 1, f"network-policy: expected one NetworkPolicy, found {len(nps)}"):
            np_ = nps[0]["spec"]
            e.need(selects(np_.get("podSelector"), labels), "NetworkPolicy does not select the webhook pods")
            e.need(set(np_.get("policyTypes", [])) == {"Ingress", "Egress"}, "NetworkPolicy must restrict both ways")
            e.need(any(not r.get("from") and any(p.get("port") in (listen_port, "https") for p in r.get("ports", []))
                       for r in np_.get("ingress", [])),
                   f"NetworkPolicy must admit the apiserver on port {listen_port}")
            inv_ns = INVENTORY_NS[ctx.profile]

            def reaches(rule, port, proto, ns_name):
                ok_port = any(p.get("port") == port and p.get("protocol", "TCP") == proto for p in rule.get("ports", []))
                for t in rule.get("to", []):
                    sel = t.get("namespaceSelector")
                    if sel == {}:
                        return ok_port
                    for x in (sel or {}).get("matchExpressions", []):
                        if x.get("key") == "kubernetes.io/metadata.name" and x.get("operator") == "In" \
                                and ns_name in x.get("values", []):
                            return ok_port
                return False
            egress = np_.get("egress", [])
            e.need(any(reaches(r, 8443, "TCP", inv_ns) for r in egress),
                   f"NetworkPolicy must let the webhook reach the inventory in {inv_ns} on 8443")
            e.need(any(reaches(r, 53, "UDP", "kube-system") for r in egress), "NetworkPolicy must allow DNS")
            # kube-apiserver is on the control plane's host network: a rule without `to`.
            api = [r for r in egress if not r.get("to")]
            e.need(all(any(p.get("port") == port for r in api for p in r.get("ports", []))
                       for port in (443, 6443)),
                   "NetworkPolicy must let the webhook reach the Kubernetes API (TCP 443 and 6443)")


def names_mutations(ctx):
    def find(docs, kind):
        return next(d for d in docs if d.get("kind") == kind)
    out = [
        ("Service left in the old namespace", lambda d: find(d, "Service")["metadata"].update(namespace="elsewhere")),
        ("the install's Namespace rendered (and so owned)", lambda d: d.append(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ctx.namespace}})),
        ("priority class missing", lambda d: d.remove(find(d, "PriorityClass"))),
    ]
    if ctx.version:
        def image(d, ref):
            find(d, "Deployment")["spec"]["template"]["spec"]["containers"][0].update(image=ref)
        out += [
            ("image not tagged with the version", lambda d: image(d, "forklift-host-webhook:latest")),
            ("image pinned by digest without the version tag", lambda d: image(
                d, "registry.example.com:5000/forklift-host-webhook@sha256:" + "0" * 64)),
        ]
    return out


def sizing_mutations():
    def res(d):
        return next(x for x in d if x.get("kind") == "Deployment")["spec"]["template"]["spec"]["containers"][0]["resources"]
    return [
        ("CPU limit", lambda d: res(d)["limits"].update(cpu="500m")),
        ("memory limit too small for the connection limit", lambda d: res(d)["limits"].update(memory="128Mi")),
    ]


def component_mutations(ctx):
    def find(docs, kind):
        return next(d for d in docs if d.get("kind") == kind)
    out = []
    if "monitoring" in ctx.components:
        out += [
            ("PodMonitor scrapes another port", lambda d: find(d, "PodMonitor")["spec"]["podMetricsEndpoints"][0]
             .update(port="metrics")),
            ("alert on a metric that does not exist", lambda d: find(d, "PrometheusRule")["spec"]["groups"][0]
             ["rules"][0].update(expr="hostadm_no_such_metric > 0")),
            ("apiserver alert on the webhooks' old names", lambda d: [
                r.update(expr=r["expr"].replace("forklift-host-webhook", "host-webhook"))
                for g in find(d, "PrometheusRule")["spec"]["groups"] for r in g["rules"]
                if r.get("alert") == "HostWebhookCallsFailing"]),
            ("no-ready-endpoint alert gone", lambda d: [
                g.update(rules=[r for r in g["rules"] if r.get("alert") != "HostWebhookNoReadyEndpoint"])
                for g in find(d, "PrometheusRule")["spec"]["groups"]]),
            ("no dashboard", lambda d: d.remove(next(x for x in d if x.get("kind") == "ConfigMap"
                                                     and "dashboard" in x["metadata"]["name"]))),
        ]
    if "inventory-ca-trust-manager" in ctx.components:
        out += [
            ("Bundle writes another ConfigMap", lambda d: find(d, "Bundle")["metadata"].update(name="other")),
            ("Bundle targets the old namespace", lambda d: find(d, "Bundle")["spec"]["target"].update(
                namespaceSelector={"matchLabels": {"kubernetes.io/metadata.name": "elsewhere"}})),
            ("Bundle reads a Secret Forklift does not create", lambda d: find(d, "Bundle")["spec"]["sources"]
             [0]["secret"].update(name="forklift-inventory-ca")),
        ]
    if "network-policy" in ctx.components:
        out += [
            ("network policy blocks the inventory", lambda d: find(d, "NetworkPolicy")["spec"]["egress"].pop(0)),
            ("network policy blocks the Kubernetes API", lambda d: find(d, "NetworkPolicy")["spec"]["egress"].pop(1)),
            ("network policy selects other pods", lambda d: find(d, "NetworkPolicy")["spec"]["podSelector"]
             ["matchLabels"].update({"app.kubernetes.io/name": "other"})),
        ]
    return out


def set_flag(container, name, value):
    """Sets a flag's value in a container's args, in either form (`--f v`, `--f=v`)."""
    args = container["args"]
    for i, a in enumerate(args):
        if a == name:
            args[i + 1] = value
            return
        if a.startswith(name + "="):
            args[i] = f"{name}={value}"
            return
    raise KeyError(name)


def env_of(docs, name, value):
    """Sets the Deployment's env `name` to `value`."""
    c = next(d for d in docs if d.get("kind") == "Deployment")["spec"]["template"]["spec"]["containers"][0]
    next(v for v in c["env"] if v["name"] == name)["value"] = value


def mutations():
    """(description, function breaking the docs in place) for --self-test."""
    def find(docs, kind, name=None):
        return next(d for d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name))

    def container(docs):
        return find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]

    def set_arg(docs, name, value):
        set_flag(container(docs), name, value)

    return [
        ("validating path typo", lambda d: find(d, "ValidatingWebhookConfiguration")["webhooks"][0]
         ["clientConfig"]["service"].update(path="/validat")),
        ("webhook port not the Service's", lambda d: find(d, "MutatingWebhookConfiguration")["webhooks"][0]
         ["clientConfig"]["service"].update(port=8443)),
        ("server listens elsewhere", lambda d: set_arg(d, "--listen", "0.0.0.0:9443")),
        ("Service selects other pods", lambda d: find(d, "Service")["spec"]["selector"].update(
            {"app.kubernetes.io/name": "other"})),
        ("RBAC grants secrets", lambda d: find(d, "ClusterRole")["rules"].append(
            {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]})),
        ("RBAC grants watch", lambda d: find(d, "ClusterRole")["rules"][0]["verbs"].append("watch")),
        ("Secrets listed for the cluster checks", lambda d: next(
            x for x in d if x.get("kind") == "ClusterRole" and "secret-reader" in x["metadata"]["name"])
         ["rules"][0]["verbs"].append("list")),
        ("no RBAC for the Host watch", lambda d: d.remove(next(
            x for x in d if x.get("kind") == "ClusterRole" and "host-watcher" in x["metadata"]["name"]))),
        ("privilege escalation allowed", lambda d: container(d)["securityContext"].update(
            allowPrivilegeEscalation=True)),
        ("root filesystem writable", lambda d: container(d)["securityContext"].pop("readOnlyRootFilesystem")),
        ("no seccomp profile", lambda d: find(d, "Deployment")["spec"]["template"]["spec"]
         ["securityContext"].pop("seccompProfile")),
        ("sideEffects Some", lambda d: find(d, "MutatingWebhookConfiguration")["webhooks"][0].update(
            sideEffects="Some")),
        ("DELETE intercepted", lambda d: find(d, "ValidatingWebhookConfiguration")["webhooks"][0]
         ["rules"][0]["operations"].append("DELETE")),
        ("own namespace excluded", lambda d: find(d, "MutatingWebhookConfiguration")["webhooks"][0].update(
            namespaceSelector={"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                     "values": [find(d, "Service")["metadata"]["namespace"]]}]})),
        ("Hosts selected by label", lambda d: find(d, "ValidatingWebhookConfiguration")["webhooks"][0].update(
            objectSelector={"matchLabels": {"checked": "yes"}})),
        ("no reinvocation", lambda d: find(d, "MutatingWebhookConfiguration")["webhooks"][0].pop(
            "reinvocationPolicy")),
        ("grace period shorter than the server's shutdown", lambda d: find(d, "Deployment")["spec"]
         ["template"]["spec"].update(terminationGracePeriodSeconds=20)),
        ("failure policy flipped", lambda d: find(d, "ValidatingWebhookConfiguration")["webhooks"][0].update(
            failurePolicy="Ignore" if find(d, "ValidatingWebhookConfiguration")["webhooks"][0]
            ["failurePolicy"] == "Fail" else "Fail")),
        ("policy with an unknown key", lambda d: [cm["data"].update({"policy.yaml": cm["data"]["policy.yaml"]
                                                   + "\ninventoryFailur: deny\n"})
                                                  for cm in d if cm.get("kind") == "ConfigMap"
                                                  and "host-webhook-policy-" in cm["metadata"]["name"]]),
        ("single replica", lambda d: find(d, "Deployment")["spec"].update(replicas=1)),
        ("readiness over HTTP", lambda d: container(d)["readinessProbe"]["httpGet"].update(scheme="HTTP")),
        ("inventory TLS skipped", lambda d: container(d)["args"].append("--inventory-insecure-skip-tls")),
        ("inventory URL to the wrong namespace", lambda d: [
            v.update(value="https://forklift-inventory.elsewhere.svc:8443")
            for v in container(d)["env"] if v["name"] == "MTV_INVENTORY_URL"]),
    ]


def profile_mutations(ctx):
    def find(docs, kind, name=None):
        return next(d for d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name))
    profile, p = ctx.profile, ctx.prefix
    serving = p + "host-webhook-serving"
    return names_mutations(ctx) + sizing_mutations() + component_mutations(ctx) + \
        _profile_mutations(ctx, serving, find)


def _profile_mutations(ctx, serving, find):
    profile = ctx.profile

    def container(d):
        return find(d, "Deployment")["spec"]["template"]["spec"]["containers"][0]

    def rule(d, kind, name=None):
        return next(x for x in d if x.get("kind") == kind and (name is None or name in x["metadata"]["name"])
                    )["rules"][0]
    inventory_ca = [] if "inventory-ca-trust-manager" in ctx.components else [
        ("inventory CA read from another namespace's Secret", lambda d: env_of(
            d, "INVENTORY_CA_SECRET", "elsewhere/forklift-inventory-serving-cert")),
        ("inventory CA Secret readable by any name", lambda d: rule(d, "ClusterRole", "inventory-ca").pop(
            "resourceNames")),
        ("inventory CA from the API and a file at once", lambda d: env_of(
            d, "INVENTORY_CA_FILE", "/etc/webhook/inventory-ca/ca.crt")),
    ]
    files = [("TLS mounted elsewhere", lambda d: set_flag(container(d), "--tls-cert", "/etc/other/tls.crt"))]
    if profile == "kubernetes":
        return inventory_ca + [
            ("certificates from files too", lambda d: container(d)["args"].append("--tls-cert=/etc/x")),
            ("--certificate-secret names a Secret not rendered", lambda d: env_of(
                d, "CERTIFICATE_SECRET", "host-webhook-certs-old")),
            ("--webhook-configuration names the old configurations", lambda d: env_of(
                d, "WEBHOOK_CONFIGURATION", "old-forklift-host-webhook")),
            ("--service-name names another Service", lambda d: env_of(d, "SERVICE_NAME", "other")),
            ("certificate Secret rendered with data", lambda d: next(
                x for x in d if x.get("kind") == "Secret").update(data={"tls.crt": ""})),
            ("certificate Secret typed kubernetes.io/tls", lambda d: next(
                x for x in d if x.get("kind") == "Secret").update(type="kubernetes.io/tls")),
            ("the certificate Role reads every Secret", lambda d: rule(d, "Role").pop("resourceNames")),
            ("the caBundle ClusterRole lists configurations", lambda d: rule(d, "ClusterRole", "ca-bundle")
             ["verbs"].append("list")),
            ("no RBAC for the webhook configurations", lambda d: d.remove(next(
                x for x in d if x.get("kind") == "ClusterRole" and "ca-bundle" in x["metadata"]["name"]))),
            ("a caBundle rendered", lambda d: find(d, "MutatingWebhookConfiguration")["webhooks"][0]
             ["clientConfig"].update(caBundle="Zm9v")),
        ]
    if profile == "cert-manager":
        return inventory_ca + files + [
            ("certificate lacks the .svc name", lambda d: find(d, "Certificate", serving)
             ["spec"].update(dnsNames=[d_ for d_ in find(d, "Certificate", serving)["spec"]["dnsNames"]
                                       if not d_.endswith(".svc")])),
            ("certificate for another service", lambda d: find(d, "Certificate", serving)
             ["spec"]["dnsNames"].append("other.forklift-host-webhook.svc")),
            ("certificate names the old namespace", lambda d: find(d, "Certificate", serving)["spec"].update(
                dnsNames=["host-webhook.elsewhere.svc", "host-webhook.elsewhere.svc.cluster.local"])),
            ("certificate writes another secret", lambda d: find(d, "Certificate", serving)
             ["spec"].update(secretName="other")),
            ("cainjector reads the old namespace", lambda d: find(d, "MutatingWebhookConfiguration")
             ["metadata"]["annotations"].update({"cert-manager.io/inject-ca-from": "elsewhere/" + serving})),
            ("no CA injection", lambda d: find(d, "ValidatingWebhookConfiguration")["metadata"].pop("annotations")),
        ]
    if profile == "openshift":
        return files + [
            ("inventory CA from the API on OpenShift", lambda d: env_of(
                d, "INVENTORY_CA_SECRET", "openshift-mtv/forklift-inventory-serving-cert")),
            ("no serving-cert annotation", lambda d: find(d, "Service")["metadata"].pop("annotations")),
            ("fixed UID", lambda d: find(d, "Deployment")["spec"]["template"]["spec"]["securityContext"].update(
                runAsUser=1000)),
        ]
    return []


def parser():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profile", required=True, choices=sorted(INVENTORY_NS))
    ap.add_argument("--components", default="", help="comma-separated: " + ", ".join(sorted(COMPONENTS)))
    ap.add_argument("--namespace", default=NAMESPACE)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--version", help="the image tag the Deployment must carry")
    ap.add_argument("--source-dir", help="repository root, to check alert metric names against the code")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("file")
    return ap


def check_one(ap, a, metric_names):
    """One rendering against its profile (and the self-test when asked): 0 when it passes."""
    comps = [c for c in a.components.split(",") if c]
    unknown = set(comps) - COMPONENTS
    if unknown:
        ap.error(f"unknown components {sorted(unknown)}")
    ctx = Ctx(a.profile, comps, a.namespace, a.prefix, a.version, metric_names)
    label = f"{a.profile}{'+' + '+'.join(comps) if comps else ''} ns={a.namespace} prefix={a.prefix!r}"
    with open(a.file) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    errors = check(docs, ctx)
    for msg in errors:
        print(f"{a.file} [{label}]: {msg}")
    if errors:
        return 1
    if a.self_test:
        missed = []
        cases = mutations() + profile_mutations(ctx)
        for desc, breakit in cases:
            broken = copy.deepcopy(docs)
            breakit(broken)
            if not check(broken, ctx):
                missed.append(desc)
        for desc in missed:
            print(f"self-test [{label}]: the checker did not notice: {desc}")
        if missed:
            return 1
        print(f"self-test [{label}]: all {len(cases)} broken renderings caught")
    print(f"{a.file} [{label}]: ok")
    return 0


# Every rendering of the kustomize test in one process: Python, PyYAML and the scan of the
# sources for metric names once instead of once per rendering (about 45), which was half of the
# test's CPU time.
def run_jobs(path):
    ap = parser()
    names = {}
    passed = failed = 0
    with open(path) as f:
        jobs = [shlex.split(line) for line in f if line.strip()]
    for argv in jobs:
        a = ap.parse_args(argv)
        if a.source_dir and a.source_dir not in names:
            names[a.source_dir] = metric_names_in_sources(a.source_dir)
        if check_one(ap, a, names.get(a.source_dir)) == 0:
            passed += 1
        else:
            failed += 1
    print(f"checked {passed + failed} renderings: {passed} passed, {failed} failed")
    return 1 if failed or not jobs else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--jobs":
        return run_jobs(sys.argv[2])
    ap = parser()
    a = ap.parse_args()
    return check_one(ap, a, metric_names_in_sources(a.source_dir) if a.source_dir else None)


if __name__ == "__main__":
    sys.exit(main())
