#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# mss_dscp.sh: craft softwire packets with outer traffic classes and inner TOS values
import sys
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
T, b4, aftr, srv, ns = sys.argv[1:6]
cases = [  # (source port, outer traffic class, inner TOS)
    (7105, 0x03, 0x02),	# CE outer, ECT(0) inner: CE goes in
    (7106, 0x03, 0xb8),	# CE outer, Not-ECT inner: dropped
    (7107, 0xb8, 0x00),	# EF outer, best effort inner: inner left as is
    (7108, 0x03, 0xb9),	# CE outer, EF + ECT(1) inner: EF + CE
]
with open(T + "/tc.send", "w") as f:
    for sport, tc, tos in cases:
        p = IPv6(src=b4, dst=aftr, tc=tc) / IP(src="192.0.0.2", dst=srv, tos=tos, ttl=64) / \
            UDP(sport=sport, dport=7005) / (b"tc-case %d" % sport)
        f.write("%s 6 %s\n" % (ns, bytes(p).hex()))
