#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# dump_churn.sh: new sessions keep coming and going (fresh B4s, raw frames) until the stop file exists
import os, socket, struct, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from pktlib import csum  # noqa: E402
iface, dmac, base, users, dst, stop = sys.argv[1:7]
aftrs = [socket.inet_pton(socket.AF_INET6, a) for a in sys.argv[7:]]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
smac = s.getsockname()[4]
dmac = bytes.fromhex(dmac.replace(':', ''))
base = int.from_bytes(socket.inet_pton(socket.AF_INET6, base), 'big')
ident, sent = 0, 0
while not os.path.exists(stop):
    for u in range(int(users)):
        src6 = (base + u).to_bytes(16, 'big')
        for aftr in aftrs:
            ident = ident % 65535 + 1
            icmp = struct.pack('!BBHHH', 8, 0, 0, ident, 0) + b'churn'
            icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
            iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0,
                              socket.inet_aton('192.0.0.2'), socket.inet_aton(dst))
            iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
            pkt = dmac + smac + b'\x86\xdd' + \
                struct.pack('!IHBB', 0x60000000, len(iph) + len(icmp), 4, 64) + \
                src6 + aftr + iph + icmp
            try:
                s.send(pkt)
                sent += 1
            except OSError:
                time.sleep(0.01)
    time.sleep(0.02)
print(sent)
