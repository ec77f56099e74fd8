#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The prelude of the scapy checks of the edge tests (py_checks code,
imported with SCAPY_PY from topo_edge.sh): layers, the captures (sys.argv[1]
is the test's directory), checksum verifiers. Only the needed scapy
modules are imported (the full scapy.all takes ~10 s in the TCG VM)."""
import json
import sys
import struct, hashlib, socket
from scapy.layers.l2 import CookedLinux
from scapy.layers.inet import IP, UDP, TCP, ICMP, IPerror, UDPerror, TCPerror, ICMPerror
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, defragment6
from scapy.utils import rdpcap
from scapy.packet import Raw
from pktlib import csum_sum

T = sys.argv[1]

_pcaps = {}
def pkts(name):
    """[(dir, pkt)] of a capture, dir "in" (to this host) or "out"."""
    if name not in _pcaps:
        _pcaps[name] = [("out" if p.pkttype == 4 else "in", p.payload)
                        for p in rdpcap(T + "/" + name + ".pcap")]
    return _pcaps[name]

def stats(name):
    return json.load(open(T + "/" + name + ".stats.json"))[0]

def delta(a, b, key):
    return stats(b)[key] - stats(a)[key]

def deltas(a, b):
    """every counter that moved between two snapshots"""
    x, y = stats(a), stats(b)
    return {k: y[k] - x[k] for k in y if y[k] != x.get(k)}

# csum(b) here is the folded sum (0xffff over a valid checksum), as the
# checks compare it
csum = csum_sum

def ip_hdr_ok(raw):
    """raw: the bytes of an IPv4 packet (or quote) from its header on"""
    ihl = (raw[0] & 15) * 4
    return csum(raw[:ihl]) == 0xffff

def l4_ok(raw, proto):
    """the transport checksum of a whole IPv4 packet in raw (pseudo header
    included for TCP/UDP); None when UDP says "no checksum" """
    ihl = (raw[0] & 15) * 4
    tot = struct.unpack("!H", raw[2:4])[0]
    seg = raw[ihl:tot]
    if proto == 1:
        return csum(seg) == 0xffff
    if proto == 17 and seg[6:8] == b"\0\0":
        return None
    ph = raw[12:20] + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg) == 0xffff

def inner4(p):
    """the IPv4 packet inside an IPv4-in-IPv6 packet (scapy), or None
    (a Linux ip6tnl B4 puts a destination options header, the tunnel
    encapsulation limit, in between)"""
    if IPv6 in p and IP in p:
        return p[IP]
    return None

def reasm6(frags):
    """the upper-layer packet (scapy IP when next header 4) of a set of
    IPv6 fragments of one id, or None when they do not add up"""
    fs = sorted(frags, key=lambda p: p[IPv6ExtHdrFragment].offset)
    if not fs:
        return None
    data = b""
    for f in fs:
        h = f[IPv6ExtHdrFragment]
        if h.offset * 8 != len(data):
            return None
        data += bytes(h.payload)
    if fs[-1][IPv6ExtHdrFragment].m:
        return None
    return IP(data) if fs[0][IPv6ExtHdrFragment].nh == 4 else Raw(data)

def pattern(n, seed):
    """the bytes the edge tool sends (udp-probe, udp-answer)"""
    b, i = b"", 0
    while len(b) < n:
        b += hashlib.sha256(seed + b"%d" % i).digest()
        i += 1
    return b[:n]

def mss_of(tcp):
    for k, v in tcp.options:
        if k == "MSS":
            return v
    return None
