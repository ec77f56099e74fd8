#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# frag.sh: craft an ICMPv6 packet too big about a softwire (and one about another source)
import sys
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6, ICMPv6PacketTooBig
T, aftr, b4, srv, ns = sys.argv[1:6]
def ptb(quoted_src, mtu):
    q = IPv6(src=quoted_src, dst=b4, nh=4) / IP(src=srv, dst="192.0.0.2") / UDP(sport=7002, dport=6006) / (b"x" * 1400)
    # from a router between the AFTR and the B4 (b4b's namespace sends it)
    return IPv6(src="2001:db8:b::fe", dst=aftr) / ICMPv6PacketTooBig(mtu=mtu) / bytes(q)[:1232]
with open(T + "/ptb.send", "w") as f:
    f.write("%s 6 %s\n" % (ns, bytes(ptb(aftr, 1300)).hex()))
with open(T + "/ptb_other.send", "w") as f:	# quotes a packet not of ours
    f.write("%s 6 %s\n" % (ns, bytes(ptb("2001:db8:ffff::9", 1300)).hex()))
