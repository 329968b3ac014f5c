#!/usr/bin/env python3
"""Serves a fixture written by fixture.py the way the Forklift inventory serves it, for
`host-harness snapshot` to record: the routes snapshot reads (the provider listing at detail 0,
one provider whole, host pages with ?detail=all&limit=&offset=), HTTPS, a bearer token, and each
host's keys in the order the inventory's Go structs write them (id, parent, path, revision, name,
selfLink, then the detail fields) rather than serve-inventory's. Pages are built from the
fixture's own host text, as the inventory writes them from its database.

Usage: real_inventory.py FIXTURE.json CERT KEY TOKEN
Prints "listening on https://127.0.0.1:PORT" (flushed) and serves until SIGTERM.
"""
import http.server
import json
import ssl
import sys
import urllib.parse

BASE_KEYS = ("id", "parent", "path", "revision", "name")


def host_texts(provider):
    """Each host as the inventory's full-detail JSON text, in its key order."""
    uid = provider["uid"]
    out = []
    for h in provider.get("hosts", []):
        ordered = {k: h[k] for k in BASE_KEYS if k in h}
        ordered["selfLink"] = f"providers/vsphere/{uid}/hosts/{h['id']}"
        ordered.update((k, v) for k, v in h.items() if k not in ordered)
        out.append(json.dumps(ordered, separators=(",", ":")))
    return out


def provider_entry(p, detail):
    e = {"uid": p["uid"], "namespace": p["namespace"], "name": p["name"],
         "selfLink": f"providers/vsphere/{p['uid']}", "id": p["uid"], "type": "vsphere"}
    if detail:
        spec = {"type": "vsphere", "url": f"https://vcenter.{p['name']}.example.com/sdk",
                "settings": {"sdkEndpoint": p.get("sdkEndpoint", "vcenter")}}
        if "secret" in p:
            spec["secret"] = p["secret"]
        ready = {"type": "Ready", "status": "True", "category": "Required",
                 "message": "The provider is ready.", "lastTransitionTime": "2026-01-01T00:00:00Z"}
        e.update(version="1", apiVersion="8.0.2", product="VMware vCenter Server",
                 hostCount=len(p.get("hosts", [])),
                 object={"apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Provider",
                         "metadata": {"name": p["name"], "namespace": p["namespace"],
                                      "uid": p["uid"]},
                         "spec": spec, "status": {"phase": "Ready", "conditions": [ready]}})
    return e


def main():
    fixture, cert, key, token = sys.argv[1:5]
    providers = json.load(open(fixture))["providers"]
    hosts = {p["uid"]: host_texts(p) for p in providers}
    by_uid = {p["uid"]: p for p in providers}
    for p in providers:
        p.pop("hosts", None)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body=b""):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.headers.get("Authorization") != "Bearer " + token:
                return self.answer(401)
            url = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(url.query))
            seg = [s for s in url.path.split("/") if s]
            if seg == ["providers"]:
                ns = q.get("namespace")
                listing = {t: [] for t in ("openshift", "vsphere", "ovirt", "openstack", "ova",
                                           "ec2", "hyperv")}
                listing["vsphere"] = [provider_entry(p, 0) for p in providers
                                      if ns in (None, p["namespace"])]
                return self.answer(200, json.dumps(listing).encode())
            if len(seg) < 3 or seg[:2] != ["providers", "vsphere"] or seg[2] not in by_uid:
                return self.answer(404)
            if len(seg) == 3:
                return self.answer(200, json.dumps(provider_entry(by_uid[seg[2]], 1)).encode())
            if seg[3:] != ["hosts"]:
                return self.answer(404)
            offset, limit = int(q.get("offset", 0)), int(q.get("limit", 0)) or None
            page = hosts[seg[2]][offset:None if limit is None else offset + limit]
            return self.answer(200, ("[" + ",".join(page) + "]").encode())

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    print(f"listening on https://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
