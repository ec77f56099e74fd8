#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ipfix_sink: a UDP IPFIX collector socket for logd.sh.

Receives every datagram on ADDR:PORT and appends it to a pcap file (raw
IPv4 + UDP headers put in front of the payload as it arrived: sender,
receiver, ports), for tshark to decode (`tshark -r FILE`: IPFIX on 4739).
The receive buffer is large, so a burst is not dropped here.
  ipfix_sink.py 127.0.0.1:4739 OUT.pcap --ready FILE
"""
import argparse
import socket
import struct
import time

ap = argparse.ArgumentParser()
ap.add_argument('ep')
ap.add_argument('out')
ap.add_argument('--ready')
a = ap.parse_args()
host, port = a.ep.rsplit(':', 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((host, int(port)))
f = open(a.out, 'wb')
f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))	# LINKTYPE_RAW
f.flush()
if a.ready:
    open(a.ready, 'w').close()
while True:
    data, (src, sport) = s.recvfrom(65535)
    t = time.time()
    udp = struct.pack('!HHHH', sport, int(port), 8 + len(data), 0)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28 + len(data), 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(host))
    pkt = ip + udp + data
    f.write(struct.pack('<IIII', int(t), int((t % 1) * 1e6), len(pkt), len(pkt)) + pkt)
    f.flush()
