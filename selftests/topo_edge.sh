#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the edge-behaviour tests (icmp.sh, frag.sh, mss_dscp.sh,
# logging.sh, malformed.sh), sourced after lib.sh. Sources topo.sh (the
# translation topology) and adds to it:
#
#   aftr --u1-- rtr --veth1-- far          198.18.0.0/24 and 198.18.1.0/24
#   198.18.0.1  198.18.0.2    198.18.1.2   (aftr routes 198.18.1.0/24 via rtr)
#                198.18.1.1
#
# an IPv4 router behind the AFTR (for TTL exceeded / traceroute / frag
# needed from a router that is not the destination) and a far host.
#
#   edge_setup [INSTANCE OPTS]  topo_setup + the router and far host, ICMP
#                               rate limits off, veth checksum offload off
#                               (so every checksum on the wire is final and
#                               can be verified by the captures)
#   ed NS ARGS          the edge tool ($EDGE_TOOL, below) inside NS
#   ed_bg NS OUT ARGS   the same in the background (pid in NT_PID)
#   edsend FILE         send crafted packets listed in FILE (see cmd_send)
#   cap_start N NS:IF:F...  capture interface IF of NS to $TOPO_TMP/F.pcap
#                       (Linux cooked, so direction is kept), several at
#                       once in one process N, until cap_stop N
#   cap_stop N...       stop captures (and let late packets land)
#   snap N              all dsl0 counters to $TOPO_TMP/N.stats.json
#   csum_off NS:IF...   transmit checksum offload off
#   SCAPY_PY            python prelude for py_checks: scapy layers, pcap
#                       reader (pkts(NAME) -> [(dir, scapy packet)]),
#                       checksum verifiers, snapshot deltas
source "$(dirname "${BASH_SOURCE[0]}")/topo.sh"

EDGE_RTR_IN=198.18.0.2
EDGE_RTR_OUT=198.18.1.1
EDGE_FAR=198.18.1.2
EDGE_AFTR_U1=198.18.0.1
RTR=${NS_PREFIX}_rtr
FAR=${NS_PREFIX}_far
EDGE_TOOL=$TOPO_TMP/edge.py
declare -A CAP_PIDS=()

ed() { local ns=$1; shift; ip netns exec "$ns" python3 "$EDGE_TOOL" "$@"; }
ed_bg() {
	local ns=$1 out=$2
	shift 2
	ns_bg "$ns" "$out" python3 "$EDGE_TOOL" "$@"
}
edsend() { python3 "$EDGE_TOOL" send "$@"; }

# cap_start NAME NS:IFACE:FILE...: one capture process for several
# interfaces (FILE: $TOPO_TMP/FILE.pcap), stopped by cap_stop NAME
cap_start() {
	local name=$1 spec specs=()
	shift
	for spec in "$@"; do
		specs+=("${spec%:*}:$TOPO_TMP/${spec##*:}.pcap")
	done
	rm -f "$TOPO_TMP/$name.rdy"
	ns_bg "$AFTR" "$TOPO_TMP/$name.caperr" python3 "$EDGE_TOOL" cap "${specs[@]}" \
		--ready "$TOPO_TMP/$name.rdy"
	CAP_PIDS[$name]=$NT_PID
	wait_for 20 test -e "$TOPO_TMP/$name.rdy" ||
		fail "capture $name started" "$(cat "$TOPO_TMP/$name.caperr")"
}

cap_stop() {
	local n
	sleep 0.3
	for n in "$@"; do
		[[ -n ${CAP_PIDS[$n]:-} ]] && nt_stop "${CAP_PIDS[$n]}"
		unset "CAP_PIDS[$n]"
	done
}

snap() { D -j stats show instance "$TOPO_INST" >"$TOPO_TMP/$1.stats.json"; }

# csum_off NS:IFACE...: transmit checksum offload off (and with it SG/TSO)
csum_off() { python3 "$EDGE_TOOL" csum-off "$@"; }

edge_setup() {
	topo_setup "$@"
	_edge_write_tool
	ns_add rtr >/dev/null || _topo_die "cannot create netns rtr"
	ns_add far >/dev/null || _topo_die "cannot create netns far"
	ip link add u1 netns "$AFTR" type veth peer name veth0 netns "$RTR" ||
		_topo_die "aftr-rtr veth"
	ip link add veth1 netns "$RTR" type veth peer name veth0 netns "$FAR" ||
		_topo_die "rtr-far veth"
	ip -n "$AFTR" addr add "$EDGE_AFTR_U1/24" dev u1
	ip -n "$AFTR" link set u1 up
	ip -n "$AFTR" route add 198.18.1.0/24 via "$EDGE_RTR_IN" ||
		_topo_die "aftr route to the far net"
	ip -n "$RTR" addr add "$EDGE_RTR_IN/24" dev veth0
	ip -n "$RTR" addr add "$EDGE_RTR_OUT/24" dev veth1
	ip -n "$RTR" link set veth0 up
	ip -n "$RTR" link set veth1 up
	ip -n "$RTR" route add default via "$EDGE_AFTR_U1"
	ip -n "$FAR" addr add "$EDGE_FAR/24" dev veth0
	ip -n "$FAR" link set veth0 up
	ip -n "$FAR" route add default via "$EDGE_RTR_OUT"
	local ns
	for ns in "$AFTR" "$RTR" "$FAR" "$SRV" "$B4A" "$B4B"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 \
			net.ipv6.icmp.ratelimit=0 || _topo_die "icmp ratelimit off in $ns"
	done
	ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 ||
		_topo_die "rtr forwarding"
	csum_off "$B4A:veth0" "$B4B:veth0" "$AFTR:a0" "$AFTR:a1" "$AFTR:u0" \
		"$AFTR:u1" "$SRV:veth0" "$RTR:veth0" "$RTR:veth1" "$FAR:veth0" ||
		_topo_die "checksum offload off on the veths"
	# the links are up before anything is measured
	wait_for 10 ip netns exec "$B4A" ping -6 -c1 -W1 "$TOPO_AFTR6" ||
		_topo_die "b4a reaches the AFTR address"
	wait_for 10 ip netns exec "$B4B" ping -6 -c1 -W1 "$TOPO_AFTR6" ||
		_topo_die "b4b reaches the AFTR address"
	wait_for 10 ip netns exec "$AFTR" ping -c1 -W1 "$EDGE_FAR" ||
		_topo_die "aftr reaches the far host"
	return 0
}

# The prelude of the scapy checks (py_checks code): layers, the captures,
# checksum verifiers. Only the needed scapy modules are imported (the full
# scapy.all takes ~10 s in the TCG VM).
# shellcheck disable=SC2034
SCAPY_PY='
import struct, hashlib, socket
from scapy.layers.l2 import CookedLinux
from scapy.layers.inet import IP, UDP, TCP, ICMP, IPerror, UDPerror, TCPerror, ICMPerror
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, defragment6
from scapy.utils import rdpcap
from scapy.packet import Raw

T = sys.argv[1]

_pcaps = {}
def pkts(name):
    """[(dir, pkt)] of a capture, dir "in" (to this host) or "out"."""
    if name not in _pcaps:
        _pcaps[name] = [("out" if p.pkttype == 4 else "in", p.payload)
                        for p in rdpcap(T + "/" + name + ".pcap")]
    return _pcaps[name]

def stats(name):
    return json.load(open(T + "/" + name + ".stats.json"))[0]

def delta(a, b, key):
    return stats(b)[key] - stats(a)[key]

def deltas(a, b):
    """every counter that moved between two snapshots"""
    x, y = stats(a), stats(b)
    return {k: y[k] - x[k] for k in y if y[k] != x.get(k)}

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s

def ip_hdr_ok(raw):
    """raw: the bytes of an IPv4 packet (or quote) from its header on"""
    ihl = (raw[0] & 15) * 4
    return csum(raw[:ihl]) == 0xffff

def l4_ok(raw, proto):
    """the transport checksum of a whole IPv4 packet in raw (pseudo header
    included for TCP/UDP); None when UDP says "no checksum" """
    ihl = (raw[0] & 15) * 4
    tot = struct.unpack("!H", raw[2:4])[0]
    seg = raw[ihl:tot]
    if proto == 1:
        return csum(seg) == 0xffff
    if proto == 17 and seg[6:8] == b"\0\0":
        return None
    ph = raw[12:20] + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg) == 0xffff

def inner4(p):
    """the IPv4 packet inside an IPv4-in-IPv6 packet (scapy), or None
    (a Linux ip6tnl B4 puts a destination options header, the tunnel
    encapsulation limit, in between)"""
    if IPv6 in p and IP in p:
        return p[IP]
    return None

def reasm6(frags):
    """the upper-layer packet (scapy IP when next header 4) of a set of
    IPv6 fragments of one id, or None when they do not add up"""
    fs = sorted(frags, key=lambda p: p[IPv6ExtHdrFragment].offset)
    if not fs:
        return None
    data = b""
    for f in fs:
        h = f[IPv6ExtHdrFragment]
        if h.offset * 8 != len(data):
            return None
        data += bytes(h.payload)
    if fs[-1][IPv6ExtHdrFragment].m:
        return None
    return IP(data) if fs[0][IPv6ExtHdrFragment].nh == 4 else Raw(data)

def pattern(n, seed):
    """the bytes the edge tool sends (udp-probe, udp-answer)"""
    b, i = b"", 0
    while len(b) < n:
        b += hashlib.sha256(seed + b"%d" % i).digest()
        i += 1
    return b[:n]

def mss_of(tcp):
    for k, v in tcp.options:
        if k == "MSS":
            return v
    return None
'

_edge_write_tool() {
	cat >"$EDGE_TOOL" <<'PYEOF'
import argparse, ctypes, errno, fcntl, hashlib, json, os, select, socket, struct, subprocess, sys, time

def ep(s):
    a, _, p = s.rpartition(':')
    return (a or '0.0.0.0', int(p))

def eps(a):
    return '%s:%d' % (a[0], a[1])

def out(o):
    sys.stdout.write(json.dumps(o) + '\n')
    sys.stdout.flush()

def ready(a):
    if getattr(a, 'ready', None):
        open(a.ready, 'w').close()

def pattern(n, seed=b'dslite'):
    b = b''
    i = 0
    while len(b) < n:
        b += hashlib.sha256(seed + b'%d' % i).digest()
        i += 1
    return b[:n]

# setns_to NETNS: move this process into a named network namespace (a
# socket keeps the namespace it was created in)
CLONE_NEWNET = 0x40000000

def setns_to(ns):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + ns)
    finally:
        os.close(fd)

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

def csum16(b):
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff

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
PYEOF
}
