#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# malformed.sh: craft the malformed softwire and Internet-side packets of each case
import json, sys
from scapy.layers.inet import IP, UDP, TCP, ICMP, IPerror, UDPerror, ICMPerror
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw
T, b4, aftr, srv, nsb4, nssrv, pub, pport, dslitectl, nsaftr = sys.argv[1:11]
pport = int(pport)

def six(inner):
    """IPv4-in-IPv6 from b4a to the AFTR address; inner as bytes"""
    return (nsb4, 6, bytes(IPv6(src=b4, dst=aftr, nh=4, plen=len(inner))) + inner)

def four(pkt):
    """IPv4 from the server (kernel fixes total length and checksum)"""
    return (nssrv, 4, bytes(pkt))

def ip(**kw):
    kw.setdefault("src", "192.0.0.2")
    kw.setdefault("dst", srv)
    return IP(**kw)

def with_len(pkt, n):
    """bytes of pkt with the IPv4 total length forced to n (checksum fixed)"""
    p = IP(bytes(pkt))
    p.len = n
    del p.chksum
    return bytes(p)[:len(bytes(pkt))]

udp = lambda tag, sport=4100: UDP(sport=sport, dport=7005) / (b"bad-" + tag.encode())
B = {"drop_bad_header": 1}
cases = []	# (name, description, [packets], expected counter moves, server must see)
def case(name, desc, pkts, want, srv_sees=False):
    cases.append((name, desc, pkts, want, srv_sees))

# positive controls
case("good_udp", "control: a well-formed UDP datagram is translated",
     [six(bytes(ip() / UDP(sport=4100, dport=7005) / b"good-udp"))], {"out_packets": 1}, True)
case("good_icmp_err", "control: a well-formed ICMP error quoting b4a's session is translated",
     [six(bytes(ip() / ICMP(type=3, code=3) / IPerror(src=srv, dst="192.0.0.2") / UDPerror(sport=7000, dport=4000) / b"hello"))],
     {"out_packets": 1, "icmp_errors_translated": 1}, True)
case("good_frags", "control: a datagram in two well-formed fragments is reassembled",
     [six(bytes(ip(id=901, flags="MF", frag=0, proto=17) / bytes(UDP(sport=4101, dport=7005, len=24) / b"good-frg")[:16])),
      six(bytes(ip(id=901, frag=2, proto=17) / b"fragment"))],
     {"out_packets": 1, "fragments_reassembled": 1}, True)

# broken inner IPv4 headers
p = bytes(ip() / udp("csum"))
case("bad_csum", "bad IPv4 header checksum", [six(p[:10] + bytes([p[10] ^ 0x5a]) + p[11:])], B)
case("ihl4", "IHL 4 (< 5)", [six(bytes(ip(ihl=4) / udp("ihl4")))], B)
case("ihl15", "IHL 15 (60 bytes) in a 32-byte packet",
     [six(bytes(ip(ihl=15, len=32, proto=17) / b"bad-ihl15xxx"))], B)
case("ver6", "version 6 in the inner header", [six(b"\x65" + bytes(ip() / udp("ver6"))[1:])], B)
case("len_big", "total length 200 past a 36-byte packet", [six(with_len(ip() / udp("lenbig"), 200))], B)
case("len_small", "total length 12 (below the header)", [six(with_len(ip() / udp("lensmall"), 12))], B)
case("empty", "no inner packet at all", [six(b"")], B)
case("short", "10 bytes of inner header", [six(bytes(ip() / udp("short"))[:10])], B)
case("udp_trunc", "UDP header cut to 4 bytes", [six(bytes(ip(proto=17) / b"\x10\x04\x1b\x5d"))], B)
case("tcp_trunc", "TCP header cut to 12 bytes", [six(bytes(ip(proto=6) / bytes(TCP(sport=4102, dport=5001))[:12]))], B)
case("tcp_doff4", "TCP data offset 4 (< 5)", [six(bytes(ip() / TCP(sport=4103, dport=5001, dataofs=4, flags="S")))], B)
case("icmp_trunc", "ICMP header cut to 4 bytes", [six(bytes(ip(proto=1) / b"\x08\x00\xf7\xff"))], B)
# broken ICMP errors from the B4
case("icmperr_trunc", "ICMP error whose quote is 10 bytes",
     [six(bytes(ip() / ICMP(type=3, code=3) / bytes(IPerror(src=srv, dst="192.0.0.2"))[:10]))], B)
case("icmperr_ihl", "ICMP error quoting an IHL 3 header",
     [six(bytes(ip() / ICMP(type=3, code=3) / IPerror(src=srv, dst="192.0.0.2", ihl=3) / UDPerror(sport=7000, dport=4000)))], B)
case("icmperr_noport", "ICMP error whose quote stops before the ports",
     [six(bytes(ip() / ICMP(type=3, code=3) / (bytes(IPerror(src=srv, dst="192.0.0.2", proto=17))[:20] + b"\x1b\x58")))], B)
err_about_err = ICMP(type=3, code=3) / IPerror(src=srv, dst="192.0.0.2", proto=1) / ICMPerror(type=3, code=1) / \
    IPerror(src="192.0.0.2", dst=srv) / UDPerror(sport=4000, dport=7000)
case("icmperr_err", "ICMP error quoting an ICMP error (never translated)",
     [six(bytes(ip() / err_about_err))], {"drop_icmp_error": 1})
case("icmperr_err_ttl1", "ICMP error quoting an ICMP error, inner TTL 1 (no error about an error)",
     [six(bytes(ip(ttl=1) / err_about_err))], {"drop_ttl": 1})
case("icmperr_ttl1", "ICMP error, inner TTL 1 (dropped, no time exceeded about an error)",
     [six(bytes(ip(ttl=1) / ICMP(type=3, code=3) / IPerror(src=srv, dst="192.0.0.2") / UDPerror(sport=7000, dport=4000)))],
     {"drop_ttl": 1})
# TTL 1, protocol ICMP, no ICMP header: the TTL-exceeded decision must not
# read the ICMP type past the end (here the B4 put an echo-request type
# byte right after the inner packet, inside the outer payload: read, it
# would be answered with a time exceeded)
case("ttl1_icmp_nohdr", "TTL 1, protocol ICMP, no ICMP header (an 0x08 byte after the packet)",
     [six(bytes(ip(ttl=1, proto=1)) + b"\x08\x00\x00\x00\x00\x00\x00\x00")], {"drop_ttl": 1})
case("ttl1_icmp_short", "TTL 1, ICMP echo header cut to 4 bytes",
     [six(bytes(ip(ttl=1, proto=1) / b"\x08\x00\xf7\xff"))], {"drop_ttl": 1})
# fragments
case("frag_lt8", "a non-last fragment with 4 bytes of data (< 8)",
     [six(bytes(ip(id=902, flags="MF", proto=17) / b"\x10\x05\x1b\x5d"))], {"drop_fragment": 1})
case("frag_overlap", "overlapping fragments (the second rewrites bytes 8-23)",
     [six(bytes(ip(id=903, flags="MF", proto=17) / bytes(UDP(sport=4104, dport=7005, len=32) / (b"bad-ovl-" + b"A" * 16))[:24])),
      six(bytes(ip(id=903, frag=1, proto=17) / b"bad-ovl-BBBBBBBBBBBBBBBB"))], {"drop_fragment": 1})
ack = bytes(IP(bytes(ip() / TCP(sport=4106, dport=5001, flags="A", seq=1, ack=1) / b"bad-ovl-tcp0"))[TCP])
syn2 = bytes(IP(bytes(ip() / TCP(sport=4106, dport=5001, flags="S", seq=1) / b"bad-ovl-tcp1"))[TCP])
case("frag_ovl_tcp", "RFC 1858 overlap: an ACK whose flags a fragment at offset 1 rewrites into a SYN",
     [six(bytes(ip(id=905, flags="MF", proto=6) / ack[:24])), six(bytes(ip(id=905, frag=1, proto=6) / syn2[8:]))],
     {"drop_fragment": 1})
# from the Internet, to b4a's public endpoint
case("in_udp_trunc", "Internet: UDP header cut to 4 bytes",
     [four(IP(src=srv, dst=pub, proto=17) / b"\x1b\x58\x0f\xa0")], B)
case("in_icmperr_err", "Internet: ICMP error quoting an ICMP error",
     [four(IP(src=srv, dst=pub) / ICMP(type=3, code=3) / IPerror(src=pub, dst=srv, proto=1) / ICMPerror(type=3, code=3) /
           IPerror(src=srv, dst=pub) / UDPerror(sport=7000, dport=pport))], {"drop_icmp_error": 1})
case("in_icmperr_trunc", "Internet: ICMP error whose quote is 12 bytes",
     [four(IP(src=srv, dst=pub) / ICMP(type=3, code=3) / bytes(IPerror(src=pub, dst=srv))[:12])], B)
case("in_frag_overlap", "Internet: overlapping fragments to the public endpoint",
     [four(IP(src=srv, dst=pub, id=906, flags="MF", proto=17) / bytes(UDP(sport=7000, dport=pport, len=32) / (b"bad-" + b"C" * 20))[:24]),
      four(IP(src=srv, dst=pub, id=906, frag=2, proto=17) / b"bad-DDDDDDDDDDDD")], {"drop_fragment": 1})
case("in_frag_lt8", "Internet: a non-last fragment with 4 bytes of data",
     [four(IP(src=srv, dst=pub, id=907, flags="MF", proto=17) / b"\x1b\x58\x0f\xa0")], {"drop_fragment": 1})

# last: if it is let through, the server's SYN-ACK retransmissions must
# not land in the counters of another case
# the checksum of the whole SYN, computed over the 192.0.0.2 -> server pseudo header
syn = bytes(IP(bytes(ip() / TCP(sport=4105, dport=5001, flags="S", seq=1000, options=[("MSS", 1400)])))[TCP])
case("frag_tiny_tcp", "RFC 1858/3128 tiny fragment: a TCP SYN whose first fragment holds 8 bytes (flags in the second, offset 1)",
     [six(bytes(ip(id=904, flags="MF", proto=6) / syn[:8])), six(bytes(ip(id=904, frag=1, proto=6) / syn[8:]))],
     "dropped")

snap = lambda n: "runout %s/%s.stats.json %s -n %s -j stats show instance dsl0" % (T, n, dslitectl, nsaftr)
meta = []
with open(T + "/cases.send", "w") as f:
    for name, desc, pk, want, srv_sees in cases:
        f.write(snap("c_%s_0" % name) + "\n")
        for ns, fam, raw in pk:
            f.write("%s %d %s\n" % (ns, fam, raw.hex()))
        f.write("sleep 0.25\n" + snap("c_%s_1" % name) + "\n")
        meta.append({"name": name, "desc": desc, "want": want, "srv_sees": srv_sees})
json.dump(meta, open(T + "/cases.json", "w"))

# the fuzz: scapy fuzz() of inner headers and transport headers, from b4a
from scapy.packet import fuzz
import random
random.seed(6333)
with open(T + "/fuzz.send", "w") as f:
    for k in range(200):
        l4 = [UDP(dport=7005), TCP(dport=5001), ICMP(), ICMP(type=3) / IPerror() / UDPerror(),
              ICMP(type=11) / IPerror(proto=1) / ICMPerror()][k % 5]
        inner = fuzz(IP(src="192.0.0.2", dst=srv) / fuzz(l4) / b"fuzz")
        try:
            raw = bytes(inner)
        except Exception:
            continue
        if k % 7 == 0:
            raw = raw[:random.randrange(0, len(raw) + 1)]
        f.write("%s 6 %s\n" % (nsb4, six(raw)[2].hex()))
