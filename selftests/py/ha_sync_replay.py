#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# ha_sync.sh: send captured frames again on sy0
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("sy0", 0))
for line in open(sys.argv[1]):
    if line.strip():
        s.send(bytes.fromhex(line.strip()))
