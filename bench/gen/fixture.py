#!/usr/bin/env python3
"""Writes a mock-inventory fixture with one vSphere provider holding N hosts, shaped like the
Forklift inventory's detail=4 host JSON (three adapters, networking and datastore keys), so the
size of a fetched host list is realistic (~1.3 KiB per host).

Usage: fixture.py N [--namespace demo] [--provider vsphere-provider] > fixture.json
Host ids are host-0 .. host-(N-1); host-5 exists in every fixture with N >= 6.
"""
import argparse
import json
import sys


def host(i):
    a, b = divmod(i, 250)
    return {
        "id": f"host-{i}",
        "name": f"/DC1/host/Cluster{i % 8}/esxi-{i:05d}.example.com",
        "parent": {"kind": "Cluster", "id": f"domain-c{i % 8}"},
        "path": f"/DC1/host/Cluster{i % 8}/esxi-{i:05d}.example.com",
        "revision": 3,
        "selfLink": f"providers/vsphere/uid/hosts/host-{i}",
        "cluster": f"domain-c{i % 8}",
        "status": "green",
        "inMaintenance": False,
        "managementServerIp": "192.168.0.5",
        "thumbprint": "3A:5C:9E:12:44:0B:7D:E1:90:6F:A2:33:C8:51:0E:B7:64:2D:F9:18",
        "timezone": "UTC",
        "cpuSockets": 2,
        "cpuCores": 32,
        "memoryBytes": 274877906944,
        "productName": "VMware ESXi",
        "productVersion": "8.0.2",
        "networks": [{"kind": "Network", "id": f"network-{i % 16}"}],
        "datastores": [{"kind": "Datastore", "id": f"datastore-{i % 32}"}],
        "vms": None,
        "networkAdapters": [
            {"name": "Migration Network", "ipAddress": f"172.16.{a}.{b}", "subnetMask": "255.255.0.0", "linkSpeed": 25000, "mtu": 9000},
            {"name": "vMotion Network", "ipAddress": f"10.10.{a}.{b}", "subnetMask": "255.255.0.0", "linkSpeed": 10000, "mtu": 9000},
            {"name": "Management Network", "ipAddress": f"192.168.{a}.{b}", "subnetMask": "255.255.0.0", "linkSpeed": 10000, "mtu": 1500},
        ],
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hosts", type=int)
    p.add_argument("--namespace", default="demo")
    p.add_argument("--provider", default="vsphere-provider")
    args = p.parse_args()
    doc = {
        "providers": [
            {
                "name": args.provider,
                "namespace": args.namespace,
                "uid": "7d1c0c6e-0000-4000-8000-00000000b001",
                "type": "vsphere",
                "sdkEndpoint": "vcenter",
                "secret": {"name": "vsphere-secret", "namespace": args.namespace},
                "hosts": [host(i) for i in range(args.hosts)],
            }
        ]
    }
    json.dump(doc, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
