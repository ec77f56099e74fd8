#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
import argparse, ctypes, errno, fcntl, hashlib, json, os, select, socket, struct, subprocess, sys, time
from pktlib import ep, eps, out, ready, setns_to, csum as csum16  # noqa: E402


def pattern(n, seed=b'dslite'):
    b = b''
    i = 0
    while len(b) < n:
        b += hashlib.sha256(seed + b'%d' % i).digest()
        i += 1
    return b[:n]

# cap NETNS:IFACE:FILE...: Linux cooked (DLT_LINUX_SLL) pcaps, both
# directions, of several interfaces of several namespaces at once
def cmd_cap(a):
    socks = {}
    for spec in a.specs:
        ns, ifc, fn = spec.split(':', 2)
        setns_to(ns)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))
        s.bind((ifc, 3))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        f = open(fn, 'wb')
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 113))
        f.flush()
        socks[s] = f
    ready(a)
    while True:
        for s in select.select(list(socks), [], [])[0]:
            data, addr = s.recvfrom(262144)
            t = time.time()
            _, proto, pkttype, hatype, hwaddr = addr[:5]
            hdr = struct.pack('!HHH8sH', pkttype, hatype, len(hwaddr),
                              hwaddr[:8].ljust(8, b'\0'), proto)
            rec = hdr + data
            f = socks[s]
            f.write(struct.pack('<IIII', int(t), int((t % 1) * 1e6), len(rec), len(rec)))
            f.write(rec)
            f.flush()

# send FILE: one crafted packet per line, "NETNS 4|6 HEX" (raw IP socket in
# that namespace: 6 = the IPv6 header as given, 4 = IPv4 header fixed up
# by the kernel: checksum and total length), "sleep SECONDS", or
# "runout FILE ARGV..." (a command, its output to FILE: e.g. a counter
# snapshot between two packets)
def cmd_send(a):
    socks = {}
    n = 0
    for line in open(a.file):
        w = line.split()
        if not w or w[0].startswith('#'):
            continue
        if w[0] == 'sleep':
            time.sleep(float(w[1]))
            continue
        if w[0] == 'runout':
            with open(w[1], 'w') as o:
                subprocess.run(w[2:], stdout=o, check=True)
            continue
        ns, fam, pkt = w[0], int(w[1]), bytes.fromhex(w[2])
        if (ns, fam) not in socks:
            setns_to(ns)
            af = socket.AF_INET6 if fam == 6 else socket.AF_INET
            socks[(ns, fam)] = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s = socks[(ns, fam)]
        if fam == 6:
            dst = socket.inet_ntop(socket.AF_INET6, pkt[24:40])
        else:
            dst = socket.inet_ntop(socket.AF_INET, pkt[16:20])
        s.sendto(pkt, (dst, 0))
        n += 1
        if a.gap:
            time.sleep(a.gap)
    out({'sent': n})

# csum-off NETNS:IFACE...: ETHTOOL_STXCSUM 0 (legacy ioctl; there is no
# ethtool binary)
def cmd_csum_off(a):
    for spec in a.ifaces:
        ns, ifc = spec.split(':')
        setns_to(ns)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for cmd, val in ((0x17, 0), (0x16, None)):
            ev = ctypes.create_string_buffer(struct.pack('II', cmd, val or 0))
            ifr = struct.pack('16sQ', ifc.encode(), ctypes.addressof(ev)).ljust(40, b'\0')
            fcntl.ioctl(s, 0x8946, ifr)
            if val is None and struct.unpack('II', ev.raw[:8])[1] != 0:
                sys.exit('%s: tx checksumming still on' % ifc)

SO_EE_ORIGIN = {0: 'none', 1: 'local', 2: 'icmp', 3: 'icmp6'}

def read_err(s):
    """the first queued error of a socket with IP_RECVERR"""
    data, anc, _, _ = s.recvmsg(65535, 1024, socket.MSG_ERRQUEUE)
    for lvl, typ, d in anc:
        if lvl == socket.IPPROTO_IP and typ == 11:	# IP_RECVERR
            eno, origin, t, c, _, info, _ = struct.unpack('IBBBBII', d[:16])
            off = d[16:32]
            r = {'errno': errno.errorcode.get(eno, eno), 'origin': SO_EE_ORIGIN.get(origin, origin),
                 'type': t, 'code': c, 'info': info}
            if len(off) >= 8 and struct.unpack('H', off[:2])[0] == socket.AF_INET:
                r['offender'] = socket.inet_ntoa(off[4:8])
            return r
    return None

# udp-probe: one datagram to --to; its answer or the ICMP error it caused
def cmd_udp_probe(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ep(a.bind))
    s.setsockopt(socket.IPPROTO_IP, 11, 1)	# IP_RECVERR
    s.setsockopt(socket.IPPROTO_IP, 13, 1)	# IP_RECVTOS
    s.setsockopt(socket.IPPROTO_IP, 12, 1)	# IP_RECVTTL
    if a.ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
    if a.tos is not None:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, a.tos)
    # IP_MTU_DISCOVER: DO (DF, never fragment locally) or DONT
    s.setsockopt(socket.IPPROTO_IP, 10, 2 if a.df else 0)
    s.connect(ep(a.to))
    # --data first, then pattern bytes up to --size
    data = a.data.encode() if a.data else b''
    data += pattern(max(0, a.size - len(data)), b'probe')
    r = {'local': eps(s.getsockname()), 'sent': len(data)}
    try:
        s.send(data)
    except OSError as e:
        r['send_error'] = errno.errorcode.get(e.errno, e.errno)
    end = time.time() + a.timeout
    while True:
        rem = end - time.time()
        if rem <= 0:
            break
        rd, _, ex = select.select([s], [], [s], rem)
        if not rd and not ex:
            break
        try:
            d, anc, _, _ = s.recvmsg(65535, 256)
            r['reply_len'] = len(d)
            r['reply_sha'] = hashlib.sha256(d).hexdigest()
            for lvl, typ, v in anc:
                if lvl == socket.IPPROTO_IP and typ == 1:	# IP_TOS
                    r['reply_tos'] = v[0]
                if lvl == socket.IPPROTO_IP and typ == 2:	# IP_TTL
                    r['reply_ttl'] = struct.unpack('i', v[:4])[0]
            break
        except OSError as e:
            r['error'] = errno.errorcode.get(e.errno, e.errno)
            try:
                r['ee'] = read_err(s)
            except OSError:
                pass
            break
    out(r)

# udp-answer EP: answer a datagram starting "SIZE n " with n pattern
# bytes (IP_TOS --tos), anything else with "LEN n", nothing with --quiet;
# every request is logged
def cmd_udp_answer(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ep(a.ep))
    s.setsockopt(socket.IPPROTO_IP, 13, 1)
    s.setsockopt(socket.IPPROTO_IP, 12, 1)
    if a.tos is not None:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, a.tos)
    s.setsockopt(socket.IPPROTO_IP, 10, 0 if a.nodf else 1)	# DONT / WANT
    log = open(a.log, 'a', buffering=1) if a.log else None
    ready(a)
    while True:
        d, anc, _, frm = s.recvmsg(65535, 256)
        rec = {'from': eps(frm), 'len': len(d), 'sha': hashlib.sha256(d).hexdigest()}
        for lvl, typ, v in anc:
            if lvl == socket.IPPROTO_IP and typ == 1:
                rec['tos'] = v[0]
            if lvl == socket.IPPROTO_IP and typ == 2:
                rec['ttl'] = struct.unpack('i', v[:4])[0]
        if log:
            log.write(json.dumps(rec) + '\n')
        if a.quiet:
            continue
        w = d.split(b' ', 2)
        if len(w) >= 2 and w[0] == b'SIZE':
            ans = pattern(int(w[1]), b'answer')
        else:
            ans = b'LEN %d' % len(d)
        try:
            s.sendto(ans, frm)
        except OSError as e:
            if log:
                log.write(json.dumps({'send_error': errno.errorcode.get(e.errno, e.errno)}) + '\n')

# syslog-sink PATH OUT: a /dev/log stand-in (datagrams, one per line)
def cmd_syslog_sink(a):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(a.path)
    os.chmod(a.path, 0o666)
    f = open(a.out, 'a', buffering=1)
    ready(a)
    while True:
        f.write(s.recv(65535).decode(errors='replace').rstrip('\n') + '\n')

def ip4(src, dst, proto, payload, ttl=64, ident=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0, ttl,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', csum16(h)) + h[12:] + payload

# icmp-err: print a send line (see send) with an ICMP error from --src to
# --dst quoting a --qproto packet --qsrc:--qsport -> --qdst:--qdport
def cmd_icmp_err(a):
    qs, qsp = ep(a.qsrc)
    qd, qdp = ep(a.qdst)
    if a.qproto == 17:
        l4 = struct.pack('!HHHH', qsp, qdp, 12, 0) + b'xxxx'
    elif a.qproto == 6:
        l4 = struct.pack('!HHIIBBHHH', qsp, qdp, 1, 0, 0x50, 0x02, 65535, 0, 0)
    else:	# an ICMP message of type --qtype, echo id = --qsport
        l4 = struct.pack('!BBHHH', a.qtype, 0, 0, qsp, 1)
        l4 = l4[:2] + struct.pack('!H', csum16(l4)) + l4[4:]
    quote = ip4(qs, qd, a.qproto, l4, ttl=62)
    icmp = struct.pack('!BBHI', a.type, a.code, 0, 0) + quote
    icmp = icmp[:2] + struct.pack('!H', csum16(icmp)) + icmp[4:]
    print(a.ns, 4, ip4(a.src, a.dst, 1, icmp).hex())

p = argparse.ArgumentParser()
sp = p.add_subparsers(dest='cmd', required=True)
c = sp.add_parser('cap'); c.add_argument('specs', nargs='+'); c.add_argument('--ready')
c.set_defaults(f=cmd_cap)
c = sp.add_parser('send'); c.add_argument('file'); c.add_argument('--gap', type=float, default=0.02)
c.set_defaults(f=cmd_send)
c = sp.add_parser('csum-off'); c.add_argument('ifaces', nargs='+'); c.set_defaults(f=cmd_csum_off)
c = sp.add_parser('udp-probe'); c.add_argument('--bind', default='0.0.0.0:0'); c.add_argument('--to', required=True)
c.add_argument('--ttl', type=int, default=0); c.add_argument('--tos', type=lambda x: int(x, 0))
c.add_argument('--size', type=int, default=16); c.add_argument('--data')
c.add_argument('--df', action='store_true'); c.add_argument('--timeout', type=float, default=3)
c.set_defaults(f=cmd_udp_probe)
c = sp.add_parser('udp-answer'); c.add_argument('ep'); c.add_argument('--tos', type=lambda x: int(x, 0))
c.add_argument('--nodf', action='store_true'); c.add_argument('--log'); c.add_argument('--ready')
c.add_argument('--quiet', action='store_true'); c.set_defaults(f=cmd_udp_answer)
c = sp.add_parser('syslog-sink'); c.add_argument('path'); c.add_argument('out'); c.add_argument('--ready')
c.set_defaults(f=cmd_syslog_sink)
c = sp.add_parser('icmp-err'); c.add_argument('--ns', required=True); c.add_argument('--src', required=True)
c.add_argument('--dst', required=True); c.add_argument('--type', type=int, default=3); c.add_argument('--code', type=int, default=3)
c.add_argument('--qproto', type=int, default=17); c.add_argument('--qtype', type=int, default=8)
c.add_argument('--qsrc', required=True); c.add_argument('--qdst', required=True)
c.set_defaults(f=cmd_icmp_err)
a = p.parse_args()
a.f(a)
