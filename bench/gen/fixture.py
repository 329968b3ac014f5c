#!/usr/bin/env python3
"""Writes a fixture with one vSphere provider holding N hosts of real size (about 10 KB of JSON
each at full detail, as the Forklift inventory serves a production ESXi host).

Each host has the inventory's full-detail keys: networking (physical NICs, VMkernel NICs, port
groups, standard switches), networks, datastores, networkAdapters (vmk0 "Management Network" and
vmk1 "vMotion Network" on standard switches, vmk2 and vmk3 on the distributed switch
"dvs-migration", so both carry the switch's name), hostScsiDisks (one per LUN), advancedOptions.

Usage: fixture.py N [--namespace demo] [--provider vsphere-provider] [--luns 40] > fixture.json
Host ids are host-0 .. host-(N-1); host-5 exists in every fixture with N >= 6. Host i's
"Management Network" IP is 192.168.A.B and its dvs-migration IPs 172.16.A.B and 172.17.A.B
(A, B = divmod(i, 250)).
"""
import argparse
import json
import sys


def host(i, luns):
    a, b = divmod(i, 250)
    cluster = i % 8
    name = f"esxi-{i:05d}.example.com"
    vmks = [
        # (device, port group or distributed port group, switch, IPv4, mtu, linkSpeed)
        ("vmk0", "Management Network", "vSwitch0", f"192.168.{a}.{b}", 1500, 10000),
        ("vmk1", "vMotion Network", "vSwitch1", f"10.10.{a}.{b}", 9000, 10000),
        ("vmk2", "dvpg-migration-a", "dvs-migration", f"172.16.{a}.{b}", 9000, 25000),
        ("vmk3", "dvpg-migration-b", "dvs-migration", f"172.17.{a}.{b}", 9000, 25000),
    ]
    pnics = [{"key": f"key-vim.host.PhysicalNic-vmnic{n}", "linkSpeed": 25000 if n > 1 else 10000}
             for n in range(4)]
    vnics = []
    for dev, pg, switch, ip, mtu, _ in vmks:
        distributed = switch.startswith("dvs")
        vnics.append({
            "key": f"key-vim.host.VirtualNic-{dev}",
            "portGroup": "" if distributed else pg,
            "dPortGroup": f"dvportgroup-{1000 + int(dev[3:])}" if distributed else "",
            "ipAddress": ip,
            "subnetMask": "255.255.0.0",
            "mtu": mtu,
            "ipV6Address": [f"fe80::250:56ff:fe{a:02x}:{b:02x}{dev[3:]}"],
        })
    portgroups = [{"key": f"key-vim.host.PortGroup-{pg}", "name": pg,
                   "vSwitch": f"key-vim.host.VirtualSwitch-{sw}"}
                  for _, pg, sw, _, _, _ in vmks if not sw.startswith("dvs")]
    portgroups += [{"key": f"key-vim.host.PortGroup-VM Network {n}", "name": f"VM Network {n}",
                    "vSwitch": "key-vim.host.VirtualSwitch-vSwitch0"} for n in range(4)]
    switches = [{"key": f"key-vim.host.VirtualSwitch-vSwitch{n}", "name": f"vSwitch{n}",
                 "portGroups": [p["key"] for p in portgroups if p["vSwitch"].endswith(f"vSwitch{n}")],
                 "pNICs": [pnics[n]["key"]]} for n in range(2)]
    # Sorted as Forklift sorts them: linkSpeed, then mtu, highest first.
    adapters = sorted(
        ({"name": sw if sw.startswith("dvs") else pg, "ipAddress": ip, "subnetMask": "255.255.0.0",
          "linkSpeed": speed, "mtu": mtu} for _, pg, sw, ip, mtu, speed in vmks),
        key=lambda x: (-x["linkSpeed"], -x["mtu"]))
    return {
        "id": f"host-{i}",
        "parent": {"kind": "Cluster", "id": f"domain-c{cluster}"},
        "path": f"/DC1/host/Cluster{cluster}/{name}",
        "revision": 7,
        "name": name,
        "cluster": f"domain-c{cluster}",
        "status": "green",
        "inMaintenance": False,
        "managementServerIp": "192.168.0.5",
        "thumbprint": "3A:5C:9E:12:44:0B:7D:E1:90:6F:A2:33:C8:51:0E:B7:64:2D:F9:18",
        "timezone": "UTC",
        "cpuSockets": 2,
        "cpuCores": 32,
        "memoryBytes": 549755813888,
        "productName": "VMware ESXi",
        "productVersion": "8.0.2",
        "networking": {"pNICs": pnics, "vNICs": vnics, "portGroups": portgroups,
                       "switches": switches},
        "networks": [{"kind": "Network", "id": f"network-{n}"} for n in range(4)] +
                    [{"kind": "Network", "id": f"dvportgroup-{1000 + n}"} for n in range(2, 6)],
        "datastores": [{"kind": "Datastore", "id": f"datastore-{(i + n) % 64}"} for n in range(12)],
        "vms": None,
        "networkAdapters": adapters,
        "hostScsiDisks": [{"canonicalName": f"naa.600a0980383146{i:06x}{n:04x}6a4f7a2d",
                           "vendor": "NETAPP", "key": f"key-vim.host.ScsiDisk-0200{n:02x}0000600a09"
                           f"80383146{i:06x}"} for n in range(luns)],
        "advancedOptions": [{"key": k, "value": v} for k, v in [
            ("Config.HostAgent.log.level", "info"), ("Config.HostAgent.plugins.solo.enableMob", "false"),
            ("Disk.MaxLUN", "1024"), ("Misc.HostName", name), ("Net.TcpipHeapMax", "1536"),
            ("NFS.MaxVolumes", "256"), ("Syslog.global.logHost", "udp://syslog.example.com:514"),
            ("UserVars.SuppressShellWarning", "1"), ("VMkernel.Boot.hyperthreadingMitigation", "true"),
            ("Security.AccountLockFailures", "5"), ("Security.PasswordQualityControl", "retry=3 min=disabled,disabled,disabled,7,7")]],
        "vmotionSupported": True,
        "storageVmotionSupported": True,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hosts", type=int)
    p.add_argument("--namespace", default="demo")
    p.add_argument("--provider", default="vsphere-provider")
    p.add_argument("--luns", type=int, default=40, help="LUNs per host (hostScsiDisks entries)")
    args = p.parse_args()
    out = sys.stdout
    # Written host by host: a 5,000-host fixture is about 50 MB.
    head = {"name": args.provider, "namespace": args.namespace,
            "uid": "7d1c0c6e-0000-4000-8000-00000000b001", "type": "vsphere",
            "sdkEndpoint": "vcenter",
            "secret": {"name": "vsphere-secret", "namespace": args.namespace}}
    out.write('{"providers":[' + json.dumps(head, separators=(",", ":"))[:-1] + ',"hosts":[')
    for i in range(args.hosts):
        if i:
            out.write(",")
        out.write(json.dumps(host(i, args.luns), separators=(",", ":")))
    out.write("]}]}\n")


if __name__ == "__main__":
    main()
