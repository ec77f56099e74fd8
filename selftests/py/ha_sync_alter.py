#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# ha_sync.sh: send one captured DATA packet altered (forge | truncate | version)
import socket, struct, sys
frames = [bytes.fromhex(l.strip()) for l in open(sys.argv[1]) if l.strip()]
f = next(f for f in frames if f[42 + 1] == 2)		# sync type DATA
eth, ip, payload = f[:14], bytearray(f[14:34]), bytearray(f[42:])
how = sys.argv[2]
if how == "forge":
    payload[40] ^= 0x01			# a record byte: the HMAC no longer fits
elif how == "truncate":
    payload = payload[:20]			# shorter than the 28-byte header
elif how == "version":
    payload[0] = 9
udp = f[34:38] + struct.pack("!HH", 8 + len(payload), 0)
ip[2:4] = struct.pack("!H", 20 + len(udp) + len(payload)); ip[10:12] = b"\0\0"
csum = sum(struct.unpack("!10H", bytes(ip))); csum = (csum >> 16) + (csum & 0xffff); csum += csum >> 16
ip[10:12] = struct.pack("!H", ~csum & 0xffff)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("sy0", 0))
s.send(eth + bytes(ip) + udp + bytes(payload))
