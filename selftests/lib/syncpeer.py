#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
A scripted, possibly hostile, peer for the dslite hot-backup sync
protocol (wire format: kmod/sync_codec.h; behaviour: kmod/sync.c and
docs/ha.md), shared by sync_hostile.sh and sl_churn.sh. No scapy: plain
UDP sockets for what a peer may send, a raw IPv4 socket for what it may
not (another source address or port, hand-made fragments).

  serve --ctl PATH --local IP --aftr IP [--key K] [--sl ID]...
      A peer daemon, run in the peer's namespace on the sync link. It
      listens on LOCAL:8286, learns the AFTR's stream and fingerprint
      from its packets, sends HELLOs (the AFTR's own fingerprint echoed,
      so the configurations "match") every 0.5 s, acks the AFTR's DATA
      (unless told not to) and sends DATA of its own stream on command.
      --max-version V: what its headers advertise (0 or 2: a router of
      the previous release, which drops a version 3 packet and skips run
      records; 3: the current one); per SL at runtime with the "set"
      command's "max_version" (an upgrade of the peer). It counts every
      DATA packet of the AFTR by header version, the records of those it
      applies by type, and decodes session, delete and run records (runs
      only if it speaks 3, as a version 2 router skips them) into the
      sessions it has been told of (instance, B4, inner, remote endpoint,
      protocol -> public address and port), per AFTR stream (status
      --sessions).
      Commands come as one JSON object per connection on the unix socket
      PATH; the answer is one JSON object.
  call PATH JSON             one raw command to the daemon
  send PATH SL [options] REC...
      build records (see parse_rec) and have the daemon send them as DATA
      of its stream; prints the daemon's answer (seqs, acked or not)
  status PATH SL [--sessions] [--log]
                             the daemon's view of one SL (with the
                             decoded sessions / the per-packet log)
  flood ...                  a time-bound flood (no daemon: sl_churn.sh,
                             sync_flood.sh)
  hello ...                  one spoofed HELLO (sync_flood.sh)
  snap --ns NS --prefix P    the AFTR's counters as shell variables
  udp-echo, probe, sessions  the traffic of the tests (B4 and server)

Records (REC), fields separated by ':' (B4 an IPv6 address, so given
with '-' for ':' or as a decimal index into 2001:db8:b::/64):
  s:INST:B4:INNER:IPORT:PUB:PPORT:REM:RPORT:PROTO:STATE:REMAINING  session
  d:... same                                                        delete
  r:INST:B4:INNER:IPORT:PUB:PPORT:REM:RPORT:STATE:REMAINING:N[:COUNT]
      a run (version 3) of N sessions, ports counting up; COUNT: the
      count field if not N
  b:INST:B4:PUB:IDX                                                 block
  begin:N  end:N                                          bulk marks
  gen:INST:B4BASE:NUSERS:PER_USER:PUB_FIRST:NPUB:PORT_LO:BSIZE  NUSERS
      users (B4 index B4BASE + i), each PER_USER UDP sessions in block
      i // NPUB of address PUB_FIRST + i % NPUB
  raw:HEX                                                  any bytes
"""
import argparse
import hashlib
import hmac
import ipaddress
import json
import os
import select
import shlex
import signal
import socket
import struct
import subprocess
import sys
import time

from pktlib import csum

VERSION = 2			# what the daemon writes to an old AFTR
VERSION_MAX = 3			# the newest the codec here decodes (an AFTR
				# of version 4 writes 3 to it; a version 4
				# HELLO has the settings after the 4-byte
				# fingerprint, which are skipped here)
HELLO, DATA, ACK = 1, 2, 3
F_AUTH, F_NACK, F_BULK_REQ, F_MASTER = 1, 2, 4, 8
REC_SESSION, REC_DELETE, REC_BLOCK, REC_BULK_BEGIN, REC_BULK_END = 1, 2, 3, 4, 5
REC_RUN = 6	# version 3; decoded in a version 2 packet too
RUN_HDR = struct.Struct("!H16s4sB")	# instance, B4, public address, count
RUN_ENT = struct.Struct("!4sHH4sHBH")	# inner, iport, pport, remote, rport,
					# state, remaining
SESS_VAL = struct.Struct("!H16s4sH4sH4sHBBIH")
STATE_PROTO = {0: 17, 1: 1, 2: 6, 3: 6, 4: 6, 5: 6}	# dslite_sync_state_proto
DATA_LOG_MAX = 4096		# per-packet entries kept (status --log)
REC_NAMES = {REC_SESSION: "session", REC_DELETE: "delete", REC_BLOCK: "block",
             REC_BULK_BEGIN: "begin", REC_BULK_END: "end", REC_RUN: "run"}
STAT_KEYS = ["pkts", "v2", "v3", "vother", "rec_other"] + \
    ["rec_" + n for n in REC_NAMES.values()]
HDR = struct.Struct("!BBHIIIIIHH")	# struct dslite_sync_hdr, 28 bytes
HMAC_LEN = 32
PORT = 8286
SYNC_MTU = 1400			# DSLITE_SYNC_MTU
REC_ROOM = SYNC_MTU - HDR.size - HMAC_LEN


def s32(x):
    x &= 0xffffffff
    return x - (1 << 32) if x & 0x80000000 else x


# ---- encoding -------------------------------------------------------------

def hdr(typ, flags, sl, epoch, seq, ack, ack_epoch, length, version=VERSION,
        max_version=0):
    """struct dslite_sync_hdr; @max_version: the header's max_version
    byte (a version 2 router leaves it 0)"""
    return HDR.pack(version, typ, flags & 0xffff, sl & 0xffffffff,
                    epoch & 0xffffffff, seq & 0xffffffff, ack & 0xffffffff,
                    ack_epoch & 0xffffffff, length & 0xffff,
                    (max_version & 0xff) << 8)


def b4_of(v):
    if isinstance(v, bytes):
        return v
    v = str(v)
    if v.isdigit():
        return ipaddress.IPv6Address("2001:db8:b::") .packed[:8] + \
            struct.pack("!Q", int(v))
    return ipaddress.IPv6Address(v.replace("-", ":")).packed


def a4(v):
    return socket.inet_aton(v)


def rec_session(inst, b4, inner, iport, pub, pport, rem, rport, proto, state,
                remaining, rtype=REC_SESSION):
    val = struct.pack("!H16s4sH4sH4sHBBIH", inst, b4_of(b4), a4(inner), iport,
                      a4(pub), pport, a4(rem), rport, proto, state,
                      remaining & 0xffffffff, 0)
    return bytes([rtype, len(val)]) + val


def rec_block(inst, b4, pub, idx):
    val = struct.pack("!H16s4sH", inst, b4_of(b4), a4(pub), idx)
    return bytes([REC_BLOCK, len(val)]) + val


def rec_run(inst, b4, inner, iport, pub, pport, rem, rport, state, remaining,
            n, count=None):
    """N sessions of one user on PUB, inner and public ports counting up
    from IPORT and PPORT; COUNT: the count field, if not N (malformed)"""
    val = struct.pack("!H16s4sB", inst, b4_of(b4), a4(pub),
                      n if count is None else count)
    for k in range(n):
        val += struct.pack("!4sHH4sHBH", a4(inner), iport + k, pport + k,
                           a4(rem), rport, state, remaining & 0xffff)
    return bytes([REC_RUN, len(val)]) + val


def rec_mark(rtype, val):
    return bytes([rtype, 4]) + struct.pack("!I", val)


def gen_users(inst, b4base, nusers, per_user, pub_first, npub, port_lo, bsize):
    base = int(ipaddress.IPv4Address(pub_first))
    out = []
    for i in range(nusers):
        pub = str(ipaddress.IPv4Address(base + i % npub))
        idx = i // npub
        for k in range(per_user):
            out.append(rec_session(inst, b4base + i, "192.0.0.2", 1000 + k, pub,
                                   port_lo + idx * bsize + k, "203.0.113.2",
                                   7000, 17, 0, 200))
    return out


def parse_rec(spec):
    f = spec.split(":")
    k = f[0]
    if k in ("s", "d"):
        (inst, b4, inner, iport, pub, pport, rem, rport, proto, state,
         remaining) = f[1:12]
        return [rec_session(int(inst), b4, inner, int(iport), pub, int(pport),
                            rem, int(rport), int(proto), int(state),
                            int(remaining),
                            REC_SESSION if k == "s" else REC_DELETE)]
    if k == "r":
        (inst, b4, inner, iport, pub, pport, rem, rport, state,
         remaining, n) = f[1:12]
        count = int(f[12]) if len(f) > 12 else None
        return [rec_run(int(inst), b4, inner, int(iport), pub, int(pport),
                        rem, int(rport), int(state), int(remaining), int(n),
                        count)]
    if k == "b":
        return [rec_block(int(f[1]), f[2], f[3], int(f[4]))]
    if k == "begin":
        return [rec_mark(REC_BULK_BEGIN, int(f[1]))]
    if k == "end":
        return [rec_mark(REC_BULK_END, int(f[1]))]
    if k == "gen":
        return gen_users(int(f[1]), int(f[2]), int(f[3]), int(f[4]), f[5],
                         int(f[6]), int(f[7]), int(f[8]))
    if k == "raw":
        return [bytes.fromhex(f[1])]
    raise SystemExit("unknown record " + spec)


def seal(h, body, key, auth="good"):
    """header + body, with the HMAC trailer as @auth says"""
    pkt = h + body
    if not key or auth == "none":
        return pkt
    if auth == "good":
        return pkt + hmac.new(key, pkt, hashlib.sha256).digest()
    if auth == "wrongkey":
        return pkt + hmac.new(b"not-the-key-0123456789", pkt,
                              hashlib.sha256).digest()
    return pkt + bytes(HMAC_LEN)		# "bad": zeros


def packets_of(recs, room=REC_ROOM):
    """split records into packet bodies of at most @room bytes"""
    bodies, cur = [], b""
    for r in recs:
        if cur and len(cur) + len(r) > room:
            bodies.append(cur)
            cur = b""
        cur += r
    if cur:
        bodies.append(cur)
    return bodies


# ---- raw IPv4 -------------------------------------------------------------

class Raw:
    """IPv4/UDP from any source, fragmented by hand above the MTU"""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                               socket.IPPROTO_RAW)
        self.ident = os.getpid() & 0xffff

    def send(self, src, sport, dst, dport, payload, mtu=1500):
        udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        self.ident = (self.ident + 1) & 0xffff
        chunk = (mtu - 20) & ~7
        off = 0
        while True:
            part = udp[off:off + chunk]
            more = off + len(part) < len(udp)
            ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part),
                                       self.ident, (0x2000 if more else 0) |
                                       (off >> 3), 64, 17, 0, a4(src), a4(dst)))
            ip[10:12] = struct.pack("!H", csum(bytes(ip)))
            try:
                self.s.sendto(bytes(ip) + part, (dst, 0))
            except OSError:
                return False
            off += len(part)
            if not more:
                return True


# ---- decoding what the AFTR sends ------------------------------------------

def rec_counts(body):
    """record type -> count in a DATA body (as far as it is well-formed)"""
    n, off = {}, 0
    while off + 2 <= len(body):
        n[body[off]] = n.get(body[off], 0) + 1
        off += 2 + body[off + 1]
    return n


def sess_key(inst, b4, inner, iport, rem, rport, proto):
    """a session as sync_compat.sh compares it with dslitectl's (one per
    remote endpoint: the inner endpoint alone names a mapping)"""
    return "%d %s %s:%d %s:%d %d" % (inst, ipaddress.IPv6Address(b4),
                                     socket.inet_ntoa(inner), iport,
                                     socket.inet_ntoa(rem), rport, proto)


def decode_sessions(body, runs):
    """
    The sessions of a DATA body a receiver would apply, in order: yields
    ("set", key, "PUB:PORT"), ("del", key, None), ("begin"|"end", ...).
    Runs only if @runs (a version 2 router skips the unknown record).
    """
    off = 0
    while off + 2 <= len(body):
        t, ln = body[off], body[off + 1]
        v = body[off + 2:off + 2 + ln]
        off += 2 + ln
        if len(v) != ln:
            return
        if t in (REC_SESSION, REC_DELETE) and ln == SESS_VAL.size:
            (inst, b4, inner, iport, pub, pport, rem, rport, proto, _, _,
             _) = SESS_VAL.unpack(v)
            key = sess_key(inst, b4, inner, iport, rem, rport, proto)
            if t == REC_SESSION:
                yield "set", key, "%s:%d" % (socket.inet_ntoa(pub), pport)
            else:
                yield "del", key, None
        elif t == REC_RUN and runs and ln >= RUN_HDR.size:
            inst, b4, pub, count = RUN_HDR.unpack_from(v)
            if ln != RUN_HDR.size + count * RUN_ENT.size:
                continue
            for k in range(count):
                (inner, iport, pport, rem, rport, state,
                 _) = RUN_ENT.unpack_from(v, RUN_HDR.size + k * RUN_ENT.size)
                yield ("set", sess_key(inst, b4, inner, iport, rem, rport,
                                       STATE_PROTO.get(state, 0)),
                       "%s:%d" % (socket.inet_ntoa(pub), pport))
        elif t == REC_BULK_BEGIN:
            yield "begin", None, None
        elif t == REC_BULK_END:
            yield "end", None, None


# ---- the daemon -----------------------------------------------------------

class SL:
    def __init__(self, sl_id, epoch):
        self.id = sl_id
        self.epoch = epoch		# our stream
        self.ctl_seq = 0
        self.data_seq = 0		# last DATA seq used
        self.hello = True
        self.fp_mode = "match"		# or "bad", or an int
        self.ack_mode = True		# ack the AFTR's DATA
        self.master = False		# F_MASTER in our packets
        self.aftr_epoch = None
        self.aftr_fp = None
        self.aftr_ctl = 0
        self.aftr_flags = 0
        self.aftr_rx_next = 1		# of the AFTR's stream, in order
        self.aftr_data_seqs = set()	# DATA seqs of aftr_epoch seen
        self.aftr_data_pkts = 0
        self.aftr_data_recs = {}	# record type -> count (aftr_epoch)
        self.aftr_pkts = 0
        self.acked = 0			# of our stream, by the AFTR
        self.ack_epoch_seen = None	# the AFTR's ack_epoch, last packet
        self.nacks_seen = 0
        self.follow_since = None	# when the AFTR stopped following us
        self.reliable = {}		# seq -> packet, resent on NACK
        self.last_hello = 0.0
        self.started = time.time()
        self.restarts = 0
        # the version rule (sync_compat.sh)
        self.max_version = 0		# what our headers advertise
        self.aftr_max_version = 0	# what the AFTR's advertise
        self.dropped_version = 0	# DATA of a version we do not speak
        self.streams = {}		# AFTR epoch -> stats of its DATA
        self.data_log = []		# per DATA packet (status --log)
        self.known = {}			# decoded: session key -> [public, gen]
        self.gen = 0			# bumped at BULK_BEGIN
        self.aftr_streams = 0		# AFTR epochs followed

    def view(self, sessions=False, log=False):
        d = {k: v for k, v in self.__dict__.items()
             if k not in ("reliable", "aftr_data_seqs", "streams",
                          "data_log", "known")}
        d["aftr_data_max"] = max(self.aftr_data_seqs, default=0)
        d["aftr_data_distinct"] = len(self.aftr_data_seqs)
        d["unacked_reliable"] = len(self.reliable)
        # DATA packets (each one received, resends too) by header version
        # and their records by type: over all streams (tot_*) and in the
        # newest stream of the AFTR that sent DATA (cur_*)
        tot = {}
        for st in self.streams.values():
            for k, x in st.items():
                tot[k] = tot.get(k, 0) + x
        cur = self.streams.get(max(self.streams, default=None), {})
        for pre, st in (("tot", tot), ("cur", cur)):
            for k in STAT_KEYS:
                d["%s_%s" % (pre, k)] = st.get(k, 0)
        d["data_epoch"] = max(self.streams, default=0)
        d["data_epochs"] = len(self.streams)
        d["known_sessions"] = len(self.known)
        if sessions:
            d["sessions"] = {k: x[0] for k, x in self.known.items()}
        if log:
            d["log"] = self.data_log
        return d


class Daemon:
    def __init__(self, a):
        self.a = a
        self.key = a.key.encode() if a.key else None
        self.aftr = a.aftr
        self.local = a.local
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.sock.bind((a.local, PORT))
        self.raw = Raw()
        self.extra = {}			# (ip, port) -> bound UDP socket
        self.sls = {}
        epoch = self.load_epoch()
        for i in a.sl:
            self.sls[i] = SL(i, epoch)
            self.sls[i].hello = i not in (a.quiet or [])
            self.sls[i].max_version = a.max_version
        self.save_epoch(epoch)
        try:
            os.unlink(a.ctl)
        except OSError:
            pass
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.bind(a.ctl)
        self.ctl.listen(8)

    # epochs only grow, across daemons too (the AFTR refuses older ones)
    def load_epoch(self):
        now = int(time.time())
        try:
            last = int(open(self.a.ctl + ".epoch").read())
        except (OSError, ValueError):
            last = 0
        return max(now, last + 1)

    def save_epoch(self, e):
        with open(self.a.ctl + ".epoch", "w") as f:
            f.write(str(e))

    def fp(self, sl):
        if isinstance(sl.fp_mode, int):
            return sl.fp_mode
        f = sl.aftr_fp or 0
        return f ^ 0x5a5a if sl.fp_mode == "bad" else f

    def flags(self, sl, extra=0):
        return extra | (F_AUTH if self.key else 0) | (F_MASTER if sl.master else 0)

    def ver_of(self, sl):
        """the version we write: 3 once both sides speak it, as a router"""
        return VERSION_MAX if min(sl.max_version, sl.aftr_max_version) >= \
            VERSION_MAX else VERSION

    def speaks(self, sl, ver):
        return VERSION <= ver <= max(VERSION, min(sl.max_version, VERSION_MAX))

    def ack_of(self, sl):
        return sl.aftr_rx_next - 1 if sl.ack_mode else 0

    def xmit(self, pkt, src=None):
        if src is None:
            try:
                self.sock.sendto(pkt, (self.aftr, PORT))
                return True
            except OSError:
                return False
        ip, port = src
        return self.raw.send(ip, port, self.aftr, PORT, pkt)

    def send_ctl(self, sl, typ=HELLO, extra=0, epoch=None, seq=None,
                 auth="good", src=None, ack=None, ack_epoch=None, fp=None):
        body = b""
        if typ == HELLO:
            body = struct.pack("!I", (self.fp(sl) if fp is None else fp)
                               & 0xffffffff)
        if seq is None:
            sl.ctl_seq += 1
            seq = sl.ctl_seq
        h = hdr(typ, self.flags(sl, extra) if auth == "good" or not self.key
                else (extra | (F_AUTH if auth != "none" else 0)),
                sl.id, sl.epoch if epoch is None else epoch, seq,
                self.ack_of(sl) if ack is None else ack,
                (sl.aftr_epoch or 0) if ack_epoch is None else ack_epoch,
                len(body), self.ver_of(sl), sl.max_version)
        return self.xmit(seal(h, body, self.key, auth), src)

    def restart(self, sl):
        sl.epoch = max(int(time.time()), sl.epoch + 1)
        self.save_epoch(max(s.epoch for s in self.sls.values()))
        sl.ctl_seq = 0
        sl.data_seq = 0
        sl.acked = 0
        sl.reliable = {}
        sl.restarts += 1
        sl.follow_since = None
        if sl.hello and sl.aftr_fp is not None:
            self.send_ctl(sl)
            sl.last_hello = time.time()

    def on_packet(self, data, addr):
        if addr != (self.aftr, PORT) or len(data) < HDR.size:
            return
        (ver, typ, fl, sl_id, epoch, seq, ack, ack_epoch, ln,
         mv) = HDR.unpack_from(data)
        sl = self.sls.get(sl_id)
        if sl is None or HDR.size + ln > len(data):
            return
        if self.key:
            mac = data[HDR.size + ln:HDR.size + ln + HMAC_LEN]
            if not hmac.compare_digest(mac, hmac.new(
                    self.key, data[:HDR.size + ln], hashlib.sha256).digest()):
                return
        body = data[HDR.size:HDR.size + ln]
        if typ == DATA:
            self.note_data(sl, ver, epoch, seq, body)
        if not self.speaks(sl, ver):
            sl.dropped_version += typ == DATA
            return		# as a router of our version: dropped whole
        sl.aftr_max_version = max(mv >> 8, ver)
        sl.aftr_pkts += 1
        if sl.aftr_epoch is None or s32(epoch - sl.aftr_epoch) > 0:
            sl.aftr_epoch = epoch	# the AFTR's new stream
            sl.aftr_rx_next = 1
            sl.aftr_data_seqs = set()
            sl.aftr_data_recs = {}
            sl.aftr_ctl = 0
            sl.known = {}		# what it tells us from now on
            sl.gen = 0
            sl.aftr_streams += 1
        elif epoch != sl.aftr_epoch:
            return
        sl.aftr_flags = fl
        if typ == HELLO and ln >= 4:
            sl.aftr_fp = struct.unpack_from("!I", data, HDR.size)[0]
        if typ != DATA:
            sl.aftr_ctl = max(sl.aftr_ctl, seq)
        else:
            sl.aftr_data_pkts += 1
            sl.aftr_data_seqs.add(seq)
            if seq == sl.aftr_rx_next:
                sl.aftr_rx_next += 1
                off = HDR.size
                while off + 2 <= HDR.size + ln:
                    t = data[off]
                    sl.aftr_data_recs[t] = sl.aftr_data_recs.get(t, 0) + 1
                    off += 2 + data[off + 1]
                self.apply(sl, body)
            if sl.ack_mode:
                self.send_ctl(sl, ACK)
        sl.ack_epoch_seen = ack_epoch
        if ack_epoch == sl.epoch:
            sl.follow_since = None
            if s32(ack - sl.acked) > 0:
                sl.acked = ack
            for s in [s for s in sl.reliable if s32(s - sl.acked) <= 0]:
                del sl.reliable[s]
            if fl & F_NACK:
                sl.nacks_seen += 1
                for s in sorted(sl.reliable):
                    self.xmit(sl.reliable[s])
        elif sl.follow_since is None:
            sl.follow_since = time.time()

    def note_data(self, sl, ver, epoch, seq, body):
        """a DATA packet of the AFTR (authenticated), whatever its version"""
        n = rec_counts(body)
        st = sl.streams.setdefault(epoch, {})
        st["pkts"] = st.get("pkts", 0) + 1
        k = "v%d" % ver if ver in (2, 3) else "vother"
        st[k] = st.get(k, 0) + 1
        for t, x in n.items():
            k = "rec_" + REC_NAMES.get(t, "other")
            st[k] = st.get(k, 0) + x
        if len(sl.data_log) >= DATA_LOG_MAX:
            del sl.data_log[:DATA_LOG_MAX // 2]
        sl.data_log.append({"epoch": epoch, "seq": seq, "ver": ver,
                            "recs": {REC_NAMES.get(t, str(t)): x
                                     for t, x in n.items()}})

    def apply(self, sl, body):
        """the sessions of an in-order DATA body, as a receiver of our
        version applies them (a bulk's end drops what it did not refresh)"""
        for op, key, val in decode_sessions(body, sl.max_version >= 3):
            if op == "set":
                sl.known[key] = [val, sl.gen]
            elif op == "del":
                sl.known.pop(key, None)
            elif op == "begin":
                sl.gen += 1
            else:
                sl.known = {k: x for k, x in sl.known.items()
                            if x[1] == sl.gen}

    def tick(self):
        now = time.time()
        for sl in self.sls.values():
            if sl.hello and sl.aftr_fp is not None and \
                    now - sl.last_hello >= self.a.hello_interval:
                self.send_ctl(sl)
                sl.last_hello = now
            # the AFTR follows none of our streams for long: it lost ours
            if self.a.auto_restart and sl.hello and sl.follow_since and \
                    now - sl.follow_since > 2.5:
                self.restart(sl)

    def pump(self, until):
        """process packets and timers until @until (a time)"""
        while True:
            now = time.time()
            if now >= until:
                return
            r, _, _ = select.select([self.sock], [], [],
                                    min(until - now, 0.05))
            while r:
                try:
                    data, addr = self.sock.recvfrom(65535, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                self.on_packet(data, addr)
            self.tick()

    def wait_acked(self, sl, seq, timeout):
        end = time.time() + timeout
        while s32(sl.acked - seq) < 0 and time.time() < end:
            self.pump(min(end, time.time() + 0.02))
        return s32(sl.acked - seq) >= 0

    # ---- commands ---------------------------------------------------------

    def cmd(self, c):
        op = c["op"]
        sl = self.sls.get(c.get("sl", 1))
        if op == "status":
            return sl.view(c.get("sessions", False), c.get("log", False))
        if op == "set":
            for k in ("hello", "fp_mode", "ack_mode", "master", "max_version"):
                if k in c:
                    setattr(sl, k, c[k])
            return sl.view()
        if op == "restart":
            self.restart(sl)
            return sl.view()
        if op == "wait":
            # until the AFTR's fingerprint is known and it follows our stream
            end = time.time() + c.get("timeout", 5)
            while time.time() < end and not (
                    sl.aftr_fp is not None and sl.ack_epoch_seen == sl.epoch
                    and (not c.get("master_seen") or sl.aftr_flags & F_MASTER)
                    and sl.aftr_data_pkts >= c.get("data", 0)):
                self.pump(time.time() + 0.05)
            v = sl.view()
            v["ok"] = sl.aftr_fp is not None and sl.ack_epoch_seen == sl.epoch
            return v
        if op == "pump":
            self.pump(time.time() + c.get("secs", 1))
            return sl.view()
        if op == "data":
            return self.cmd_data(sl, c)
        if op == "send":
            # records given as specs (parse_rec); @count packets, one
            # every @interval seconds (each a new DATA of the stream)
            c["recs"] = [r.hex() for spec in c.get("specs", [])
                         for r in parse_rec(spec)]
            out = {}
            for i in range(c.get("count", 1)):
                if i:
                    self.pump(time.time() + c.get("interval", 0.5))
                out = self.cmd_data(sl, c)
            return out
        if op == "snap":
            return snap_vars(self.a.dslitectl, c["ns"], c.get("b4", []),
                             c.get("users", True))
        if op == "wait_state":
            # until SL @sl of namespace @ns is in one of @states
            end = time.time() + c.get("timeout", 6)
            st = None
            while True:
                r = subprocess.run([self.a.dslitectl, "-n", c["ns"], "-j",
                                    "service-location", "show", str(sl.id)],
                                   stdout=subprocess.PIPE,
                                   universal_newlines=True)
                try:
                    st = json.loads(r.stdout)[0]["peer_state"]
                except (ValueError, IndexError, KeyError):
                    st = None
                if st in c["states"] or time.time() >= end:
                    break
                self.pump(time.time() + 0.2)
            return {"ok": st in c["states"], "state": st}
        if op == "ctl":
            return self.cmd_ctl(sl, c)
        if op == "raw":
            pkt = bytes.fromhex(c["hex"])
            for _ in range(c.get("count", 1)):
                self.xmit(pkt, tuple(c["src"]) if c.get("src") else None)
            return {"sent": c.get("count", 1)}
        raise ValueError("unknown op " + op)

    def cmd_data(self, sl, c):
        """DATA of our stream (or a forgery of it)"""
        recs = [bytes.fromhex(r) for r in c.get("recs", [])]
        auth = c.get("auth", "good")
        src = tuple(c["src"]) if c.get("src") else None
        legit = auth == "good" and src is None and "version" not in c and \
            "truncate" not in c and "len" not in c and "epoch" not in c
        consume = c.get("consume", legit)
        room = c.get("room", REC_ROOM)
        bodies = packets_of(recs, room) if recs else [b""]
        window = c.get("window", 0)
        # the receiver's position wins: what it acked is what it applied
        # (a forgery it should have refused but took moves it on)
        self.pump(time.time() + 0.1)
        first = max(sl.data_seq, sl.acked) + 1 if "seq" not in c else c["seq"]
        seq = first
        sent = 0
        for body in bodies:
            if window and consume:
                # stay within @window unacked packets (the AFTR's socket)
                self.wait_acked(sl, seq - window, c.get("window_wait", 3))
            h = hdr(DATA, self.flags(sl, c.get("flags", 0))
                    if auth == "good" or not self.key
                    else c.get("flags", 0) | (F_AUTH if auth != "none" else 0),
                    c.get("sl_id", sl.id), c.get("epoch", sl.epoch), seq,
                    self.ack_of(sl), sl.aftr_epoch or 0,
                    c.get("len", len(body)), c.get("version", self.ver_of(sl)),
                    c.get("max_version", sl.max_version))
            pkt = seal(h, body, self.key, auth)
            if "truncate" in c:
                pkt = pkt[:c["truncate"]]
            for _ in range(c.get("repeat", 1)):
                if self.xmit(pkt, src):
                    sent += 1
            if consume:
                sl.data_seq = seq
                if c.get("reliable"):
                    sl.reliable[seq] = pkt
                seq += 1
            self.pump(time.time())
        last = seq - 1 if consume else first
        out = {"first_seq": first, "last_seq": last, "packets": len(bodies),
               "sent": sent, "epoch": sl.epoch}
        if c.get("wait_ack"):
            out["acked"] = self.wait_acked(sl, last, c["wait_ack"])
        else:
            self.pump(time.time() + c.get("settle", 0))
        out["ack"] = sl.acked
        return out

    def cmd_ctl(self, sl, c):
        """HELLO/ACK packets, e.g. a NACK flood or a spoofed HELLO"""
        n = c.get("count", 1)
        dur = c.get("secs", 0)
        typ = c.get("type", HELLO)
        t0 = time.time()
        sent = 0
        for i in range(n):
            if dur:
                # spread over @dur seconds, processing what comes back
                self.pump(t0 + dur * i / n)
            ok = self.send_ctl(sl, typ, c.get("flags", 0), c.get("epoch"),
                               c.get("seq"), c.get("auth", "good"),
                               tuple(c["src"]) if c.get("src") else None,
                               c.get("ack"), c.get("ack_epoch"), c.get("fp"))
            sent += ok
        out = sl.view()
        out["sent"] = sent
        out["secs"] = time.time() - t0
        return out

    def serve(self):
        conns = []
        while True:
            r, _, _ = select.select([self.sock, self.ctl] + conns, [], [], 0.05)
            for s in r:
                if s is self.sock:
                    while True:
                        try:
                            data, addr = self.sock.recvfrom(
                                65535, socket.MSG_DONTWAIT)
                        except BlockingIOError:
                            break
                        self.on_packet(data, addr)
                elif s is self.ctl:
                    cs, _ = self.ctl.accept()
                    cs.setblocking(True)
                    conns.append(cs)
                else:
                    conns.remove(s)
                    self.handle(s)
            self.tick()

    def handle(self, cs):
        try:
            c = json.loads(recv_line(cs))
            if c.get("op") == "quit":
                cs.sendall(b"{}\n")
                sys.exit(0)
            out = self.cmd(c)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            out = {"error": repr(e)}
            c = {}
        if c.get("op") == "snap":
            cs.sendall(sh_vars(c["prefix"], out).encode())
        elif c.get("sh"):
            cs.sendall(sh_vars(c["sh"], out).encode())
        else:
            cs.sendall(json.dumps(out).encode() + b"\n")
        cs.close()


# ---- client ---------------------------------------------------------------

def recv_line(s):
    """what s sends up to its first newline (or its end): one control message"""
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(1 << 20)
        if not d:
            break
        buf += d
    return buf


def call(path, c, timeout=120):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    end = time.time() + 10
    while True:
        try:
            s.connect(path)
            break
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.1)
    s.sendall(json.dumps(c).encode() + b"\n")
    return json.loads(recv_line(s))


# ---- flood (no daemon) ------------------------------------------------------

def flood(a):
    """
    Flood AFTRs for --secs. Each --target DST:SL[,SL...][:MIX] gets, for
    each SL, one packet of each kind in MIX (default --mix) per round, from
    --src (or, with --foreign, from 192.0.2.60-69 too, in turn):
      hello    HELLOs of a stream --epoch-ahead seconds ahead (fresh seq;
               the right HMAC with --key): they pass every check but the
               fingerprint, so they reach the SL's state and its work
      data     DATA of that stream with a block and a session record
      replay   DATA of an old stream (epoch 1): refused as a replay
      badmac   DATA with a zero HMAC
      garbage  random bytes, 8-507 of them
      short    a header cut to 8-27 bytes
    Prints the number of packets sent. Sending errors (a target namespace
    gone) are counted as not sent.
    """
    key = a.key.encode() if a.key else None
    raw = Raw()
    targets = []
    for t in a.target:
        f = t.split(":")
        targets.append((f[0], [int(x) for x in f[1].split(",")],
                        (f[2] if len(f) > 2 else a.mix).split(",")))
    epoch = int(time.time()) + a.epoch_ahead
    end = time.time() + a.secs
    junk = os.urandom(2048)
    rec = rec_block(1, 7, "198.51.100.1", 3) + rec_session(
        1, 7, "192.0.0.2", 999, "198.51.100.1", 1024 + 3 * 512, "203.0.113.2",
        80, 6, 4, 100)
    fl = F_AUTH if key else 0
    srcs = [a.src] + ([] if not a.foreign else ["192.0.2.%d" % i
                                                  for i in range(60, 70)])
    # a SIGTERM ends the flood early: still say how much was sent
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        flood_loop(raw, key, targets, epoch, end, srcs, rec, fl, junk, a.pps)
    finally:
        print(FLOOD_SENT[0], flush=True)


FLOOD_SENT = [0]


def flood_loop(raw, key, targets, epoch, end, srcs, rec, fl, junk, pps):
    seq = 0
    while time.time() < end:
        seq += 1
        n = 0
        for dst, sls, mix in targets:
            for sl in sls:
                for kind in mix:
                    if kind == "hello":
                        p = seal(hdr(HELLO, fl, sl, epoch, seq, 0, 0, 4),
                                 struct.pack("!I", seq), key)
                    elif kind == "data":
                        p = seal(hdr(DATA, fl, sl, epoch, seq, 0, 0, len(rec)),
                                 rec, key)
                    elif kind == "replay":
                        p = seal(hdr(DATA, fl, sl, 1, seq, 0, 0, len(rec)),
                                 rec, key)
                    elif kind == "badmac":
                        p = seal(hdr(DATA, fl | F_AUTH, sl, epoch + 7, seq, 0,
                                     0, len(rec)), rec, key or b"k", "bad")
                    elif kind == "garbage":
                        o = (seq * 13) % 1500
                        p = junk[o:o + 8 + seq % 500]
                    elif kind == "short":
                        p = hdr(DATA, 0, sl, epoch, seq, 0, 0, 0)[:8 + seq % 20]
                    else:
                        raise SystemExit("unknown flood kind " + kind)
                    src = srcs[(seq + n) % len(srcs)]
                    n += 1
                    FLOOD_SENT[0] += raw.send(src, PORT, dst, PORT, p)
        if pps:
            time.sleep(n / pps)


# ---- traffic through the AFTRs (B4 and server side) ---------------------------

def udp_echo(a):
    """answer each datagram with the source address:port it came from"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.port))
    while True:
        d, src = s.recvfrom(2048)
        s.sendto(("%s:%d" % src).encode(), src)


def probe(a):
    """one datagram from --bind to --to; print the answer or 'none'"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(a.timeout)
    ip, port = a.bind.rsplit(":", 1)
    s.bind((ip, int(port)))
    ip, port = a.to.rsplit(":", 1)
    s.sendto(b"hi", (ip, int(port)))
    try:
        print(s.recv(200).decode())
    except OSError:
        print("none")


def sessions(a):
    """
    UDP datagrams from --bind to --to's address, one to each of --count
    remote ports from the --to port on (each a session on the AFTR); with
    --rate, spread at that many a second until --stop-file exists (paused
    while --pause-file exists), cycling through 40000 ports
    """
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ip, port = a.bind.rsplit(":", 1)
    s.bind((ip, int(port)))
    dst, first = a.to.rsplit(":", 1)
    first = int(first)
    if not a.rate:
        for i in range(a.count):
            s.sendto(b"x", (dst, first + i))
        return
    i = 0
    while not (a.stop_file and os.path.exists(a.stop_file)):
        if not (a.pause_file and os.path.exists(a.pause_file)):
            for _ in range(max(1, int(a.rate / 10))):
                s.sendto(b"x", (dst, first + i % 40000))
                i += 1
        time.sleep(0.1)


# ---- looking at the AFTR -------------------------------------------------------

def snap_vars(dslitectl, ns, b4s=(), users=True):
    """
    What the tests compare, as a flat dict: every SL's sync counters
    (slN_COUNTER, sum_COUNTER over the SLs), peer state (slN_state), the
    instances' sessions/users/blocks, the pools' blocks and blocks_used,
    the distinct (address, block) pairs the users hold, the most sessions
    and blocks one user has, and for each B4 of @b4s (as in the records)
    its session count, largest expires, blocks and user entries (b4_I,
    b4exp_I, b4blk_I, b4usr_I).
    """
    def dj(*args):
        r = subprocess.run([dslitectl, "-n", ns, "-j"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           universal_newlines=True)
        try:
            return json.loads(r.stdout) if r.returncode == 0 else []
        except ValueError:
            return []
    v = {}
    sums = {}
    for sl in dj("service-location", "show"):
        v["sl%d_state" % sl["id"]] = sl["peer_state"]
        for k, x in sl.get("sync", {}).items():
            v["sl%d_%s" % (sl["id"], k)] = x
            sums[k] = sums.get(k, 0) + x
    for k, x in sums.items():
        v["sum_" + k] = x
    st = dj("stats", "show")
    for k in ("sessions", "users", "blocks", "out_packets", "in_packets"):
        v[k] = sum(i.get(k, 0) for i in st)
    pools = dj("pool", "show")
    v["blocks_used"] = sum(p["blocks_used"] for p in pools)
    v["pool_blocks"] = sum(p["blocks"] for p in pools)
    v["max_pool_used"] = max([p["blocks_used"] for p in pools], default=0)
    if users:
        held = set()
        us = dj("user", "show")
        for u in us:
            for b in u.get("blocks", []):
                held.add((u["public_addr"], b["first"]))
        v["held_blocks"] = len(held)
        v["user_max_sessions"] = max([u.get("sessions", 0) for u in us],
                                     default=0)
        v["user_max_blocks"] = max([len(u.get("blocks", [])) for u in us],
                                   default=0)
    for i, b in enumerate(b4s):
        addr = str(ipaddress.IPv6Address(b4_of(b)))
        ss = dj("session", "show", "b4", addr)
        us = dj("user", "show", "b4", addr)
        v["b4_%d" % i] = len(ss)
        v["b4exp_%d" % i] = max([s.get("expires", 0) for s in ss], default=-1)
        v["b4blk_%d" % i] = sum(len(u.get("blocks", [])) for u in us)
        v["b4usr_%d" % i] = len(us)
    return v


def sh_vars(prefix, d):
    """a flat dict as shell assignments PREFIX_KEY=VALUE"""
    out = []
    for k, x in sorted(d.items()):
        if isinstance(x, (bool, int, float, str)) or x is None:
            out.append("%s_%s=%s" % (prefix, k.replace("-", "_"),
                                     shlex.quote("" if x is None else str(x))))
    return "\n".join(out) + "\n"


def sniff_hello(dev, aftr, sl, timeout=3.0):
    """the fingerprint and epoch of a HELLO @aftr sends on @dev for @sl"""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((dev, 0))
    s.settimeout(0.2)
    end = time.time() + timeout
    want = a4(aftr)
    while time.time() < end:
        try:
            f = s.recv(4096)
        except socket.timeout:
            continue
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        if len(ip) < ihl + 8 + HDR.size + 4 or ip[9] != 17 or ip[12:16] != want:
            continue
        sync = ip[ihl + 8:]
        h = HDR.unpack_from(sync)
        if h[1] == HELLO and h[3] == sl and h[8] >= 4:
            return struct.unpack_from("!I", sync, HDR.size)[0], h[4]
    return None, None


def hello_once(a):
    """one HELLO (or --count of them) from any source: a spoofed stream"""
    key = a.key.encode() if a.key else None
    if a.fp_from:
        a.fp, _ = sniff_hello(a.fp_from, a.dst, a.sl)
        if a.fp is None:
            raise SystemExit("no HELLO of the AFTR seen on " + a.fp_from)
    raw = Raw()
    epoch = int(time.time()) + a.epoch_ahead if a.epoch is None else a.epoch
    fl = (F_AUTH if key and a.auth != "none" else 0)
    n = 0
    for i in range(a.count):
        p = seal(hdr(HELLO, fl, a.sl, epoch, a.seq + i, 0, 0, 4),
                 struct.pack("!I", a.fp), key, a.auth)
        n += raw.send(a.src, a.sport, a.dst, PORT, p)
    print(json.dumps({"epoch": epoch, "sent": n}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--ctl", required=True)
    s.add_argument("--local", required=True)
    s.add_argument("--aftr", required=True)
    s.add_argument("--key")
    s.add_argument("--dslitectl", default="dslitectl")
    s.add_argument("--sl", type=int, action="append")
    s.add_argument("--quiet", type=int, action="append",
                   help="an SL that sends no HELLO until told")
    s.add_argument("--hello-interval", type=float, default=0.5)
    s.add_argument("--no-auto-restart", dest="auto_restart",
                   action="store_false")
    s.add_argument("--max-version", type=int, default=0,
                   help="advertised in our headers (0/2: the previous "
                   "release, which drops version 3; 3: the current one)")
    c = sub.add_parser("call")
    c.add_argument("ctl")
    c.add_argument("json")
    st = sub.add_parser("status")
    st.add_argument("ctl")
    st.add_argument("sl", type=int)
    st.add_argument("--sessions", action="store_true",
                    help="the sessions decoded from the AFTR's stream")
    st.add_argument("--log", action="store_true",
                    help="each DATA packet: version and records by type")
    se = sub.add_parser("send")
    se.add_argument("ctl")
    se.add_argument("sl", type=int)
    se.add_argument("--auth", default="good",
                    choices=["good", "none", "bad", "wrongkey"])
    se.add_argument("--src", help="IP:PORT (a forged source)")
    se.add_argument("--repeat", type=int, default=1)
    se.add_argument("--wait", type=float, default=0, help="wait for the ack")
    se.add_argument("--settle", type=float, default=0.3)
    se.add_argument("--window", type=int, default=0)
    se.add_argument("--reliable", action="store_true")
    se.add_argument("--sl-id", type=int, help="header SL id (default SL)")
    se.add_argument("--one-packet", action="store_true",
                    help="all records in one packet, whatever its size")
    se.add_argument("--version", type=int)
    se.add_argument("--truncate", type=int)
    se.add_argument("--len", type=int, help="header length field")
    se.add_argument("--epoch", type=int)
    se.add_argument("--seq", type=int)
    se.add_argument("--no-consume", action="store_true")
    se.add_argument("rec", nargs="*")
    fl = sub.add_parser("flood")
    fl.add_argument("--target", action="append", required=True,
                    help="DST:SL[,SL...][:KIND,...]")
    fl.add_argument("--src", required=True)
    fl.add_argument("--key")
    fl.add_argument("--secs", type=float, default=10)
    fl.add_argument("--pps", type=float, default=0)
    fl.add_argument("--epoch-ahead", type=int, default=600)
    fl.add_argument("--mix", default="hello,data,replay,badmac,garbage,short")
    fl.add_argument("--foreign", action="store_true")
    sn = sub.add_parser("snap")
    sn.add_argument("--dslitectl", required=True)
    sn.add_argument("--ns", required=True)
    sn.add_argument("--prefix", required=True)
    sn.add_argument("--b4", action="append")
    he = sub.add_parser("hello")
    he.add_argument("--src", required=True)
    he.add_argument("--sport", type=int, default=PORT)
    he.add_argument("--dst", required=True)
    he.add_argument("--sl", type=int, default=1)
    he.add_argument("--epoch", type=int)
    he.add_argument("--epoch-ahead", type=int, default=0)
    he.add_argument("--seq", type=int, default=1)
    he.add_argument("--count", type=int, default=1)
    he.add_argument("--fp", type=int, default=0)
    he.add_argument("--fp-from", metavar="DEV",
                    help="the AFTR's own fingerprint, sniffed on DEV")
    he.add_argument("--key")
    he.add_argument("--auth", default="good",
                    choices=["good", "none", "bad", "wrongkey"])
    ue = sub.add_parser("udp-echo")
    ue.add_argument("--port", type=int, default=7777)
    pr = sub.add_parser("probe")
    pr.add_argument("--bind", required=True)
    pr.add_argument("--to", required=True)
    pr.add_argument("--timeout", type=float, default=2)
    ss = sub.add_parser("sessions")
    ss.add_argument("--bind", required=True)
    ss.add_argument("--to", required=True)
    ss.add_argument("--count", type=int, default=1)
    ss.add_argument("--rate", type=float, default=0)
    ss.add_argument("--stop-file")
    ss.add_argument("--pause-file")
    a, extra = ap.parse_known_args()
    if extra and a.cmd == "send":
        a.rec += extra
    elif extra:
        ap.error("unrecognized arguments: " + " ".join(extra))

    if a.cmd == "serve":
        a.sl = a.sl or [1]
        Daemon(a).serve()
    elif a.cmd == "call":
        print(json.dumps(call(a.ctl, json.loads(a.json))))
    elif a.cmd == "status":
        print(json.dumps(call(a.ctl, {"op": "status", "sl": a.sl,
                                      "sessions": a.sessions, "log": a.log})))
    elif a.cmd == "send":
        recs = [r for spec in a.rec for r in parse_rec(spec)]
        c = {"op": "data", "sl": a.sl, "auth": a.auth, "repeat": a.repeat,
             "settle": a.settle, "window": a.window, "reliable": a.reliable}
        if a.one_packet:
            c["room"] = 1 << 30
        if recs:
            c["recs"] = [r.hex() for r in recs]
        if a.src:
            ip, port = a.src.rsplit(":", 1)
            c["src"] = [ip, int(port)]
        if a.wait:
            c["wait_ack"] = a.wait
        for k in ("version", "truncate", "len", "epoch", "seq"):
            if getattr(a, k) is not None:
                c[k] = getattr(a, k)
        if a.sl_id is not None:
            c["sl_id"] = a.sl_id
        if a.no_consume:
            c["consume"] = False
        print(json.dumps(call(a.ctl, c)))
    elif a.cmd == "flood":
        flood(a)
    elif a.cmd == "udp-echo":
        udp_echo(a)
    elif a.cmd == "probe":
        probe(a)
    elif a.cmd == "sessions":
        sessions(a)
    elif a.cmd == "snap":
        sys.stdout.write(sh_vars(a.prefix, snap_vars(a.dslitectl, a.ns,
                                                     a.b4 or [])))
    elif a.cmd == "hello":
        hello_once(a)


if __name__ == "__main__":
    main()
