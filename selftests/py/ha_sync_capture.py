#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# ha_sync.sh: capture the sync packets a router receives on sy0 (hex, one per line)
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind(("sy0", 0)); s.settimeout(0.2)
end = time.time() + float(sys.argv[2]); out = []
while time.time() < end:
    try: f, a = s.recvfrom(4096)
    except socket.timeout: continue
    # IPv4/UDP to port 8286, addressed to us
    if a[2] == socket.PACKET_HOST and f[23] == 17 and f[36:38] == b"\x20\x5e":
        out.append(f.hex())
open(sys.argv[1], "w").write("\n".join(out) + "\n")
