#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# scale_out.sh: a steady UDP flow from each of many B4 namespaces, all from
# this one process (a socket is created in each namespace through setns(2)
# and keeps it; one python per B4 is too much for a TCG VM):
#   scale_udp.py SERVER PORT INTERVAL STOP STATUS OUT NAME=NETNS_PATH...
# Every INTERVAL seconds a datagram from 192.0.0.2:4444 of each B4 to
# SERVER:PORT, which echoes the data and the source it saw ("SEQ A:P").
# STATUS (rewritten every 0.2 s, atomically): {"b4": {NAME: {"received",
# "first", "last" (epoch s of the last answer, or null), "src" (the last
# source seen)}}}. Until STOP exists (at most 600 s); then OUT: per NAME
# sent, received, sources (every source seen, sorted), max_gap_ms (the
# longest silence between two answers), gaps ([epoch, ms] of every
# silence over 300 ms), last_ago_ms.
import ctypes, json, os, select, socket, sys, time

srv, port, interval, stop, status, out = sys.argv[1:7]
port, interval = int(port), float(interval)
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    finally:
        os.close(fd)


orig = "/proc/self/fd/%d" % os.open("/proc/self/ns/net", os.O_RDONLY)
socks = {}
names = []
for spec in sys.argv[7:]:
    name, path = spec.split("=", 1)
    setns(path)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.0.2", 4444))
    s.setblocking(False)
    socks[s.fileno()] = (name, s)
    names.append(name)
setns(orig)

got = {n: [] for n in names}
sent = {n: 0 for n in names}
seq = 0
end = time.time() + 600
next_send = time.time()
next_status = 0.0


def write_status():
    st = {"b4": {n: {"received": len(got[n]),
                     "first": got[n][0][0] if got[n] else None,
                     "last": got[n][-1][0] if got[n] else None,
                     "src": got[n][-1][1] if got[n] else None} for n in names}}
    with open(status + ".tmp", "w") as f:
        json.dump(st, f)
    os.rename(status + ".tmp", status)


while time.time() < end and not os.path.exists(stop):
    now = time.time()
    if now >= next_send:
        for name, s in socks.values():
            try:
                s.sendto(b"%d" % seq, (srv, port))
                sent[name] += 1
            except OSError:
                pass
        seq += 1
        next_send += interval
        if next_send < now:
            next_send = now + interval
    if now >= next_status:
        write_status()
        next_status = now + 0.2
    r, _, _ = select.select(list(socks), [], [], max(0.0, min(next_send, next_status) - time.time()))
    for fd in r:
        name, s = socks[fd]
        while True:
            try:
                d = s.recv(200)
            except OSError:
                break
            try:
                got[name].append((time.time(), d.split()[1].decode()))
            except (IndexError, UnicodeDecodeError):
                pass
write_status()
res = {}
now = time.time()
for n in names:
    g = got[n]
    gaps = [(a[0], b[0] - a[0]) for a, b in zip(g, g[1:])]
    res[n] = {"sent": sent[n], "received": len(g),
              "sources": sorted(set(x[1] for x in g)),
              "max_gap_ms": int(max(x[1] for x in gaps) * 1000) if gaps else None,
              "gaps": [[round(t, 2), int(d * 1000)] for t, d in gaps if d > 0.3],
              "last_ago_ms": int((now - g[-1][0]) * 1000) if g else None}
with open(out + ".tmp", "w") as f:
    json.dump(res, f, sort_keys=True)
os.rename(out + ".tmp", out)
