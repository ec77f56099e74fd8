#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# frag.sh: craft inner IPv4 and outer IPv6 fragments of both B4s (send files for edgetool.py send) and the digests the server must see
import hashlib, json, sys
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
T, b4 = sys.argv[1], {"a": sys.argv[2], "b": sys.argv[3]}
aftr, srv, ns = sys.argv[4], sys.argv[5], {"a": sys.argv[6], "b": sys.argv[7]}

def payload(tag):
    return (hashlib.sha256(tag.encode()).digest() * 100)[:3000]

want, inner, outer = {}, {}, {}
for b in "ab":
    # inner IPv4 fragments: same inner address, port and IP id on both B4s
    dg = IP(src="192.0.0.2", dst=srv, id=0x4242) / UDP(sport=6000, dport=7001) / payload("inner-" + b)
    inner[b] = [IPv6(src=b4[b], dst=aftr, nh=4) / f for f in fragment(dg, fragsize=1200)]
    # outer IPv6 fragments of an unfragmented 3028-byte inner datagram
    dg = IP(src="192.0.0.2", dst=srv, id=0x4343) / UDP(sport=6001, dport=7001) / payload("outer-" + b)
    outer[b] = fragment6(IPv6(src=b4[b], dst=aftr) / IPv6ExtHdrFragment(id=0x5151) / dg, 1280)
    want["inner-" + b] = hashlib.sha256(payload("inner-" + b)).hexdigest()
    want["outer-" + b] = hashlib.sha256(payload("outer-" + b)).hexdigest()
    want["n_inner"], want["n_outer"] = len(inner[b]), len(outer[b])
for kind, frags in (("inner", inner), ("outer", outer)):
    with open("%s/%s.send" % (T, kind), "w") as f:
        # last fragment first, the two B4s interleaved
        for fa, fb in zip(reversed(frags["a"]), reversed(frags["b"])):
            f.write("%s 6 %s\n%s 6 %s\n" % (ns["a"], bytes(fa).hex(), ns["b"], bytes(fb).hex()))
json.dump(want, open(T + "/want.json", "w"))
