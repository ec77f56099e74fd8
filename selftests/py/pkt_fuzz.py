#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The packet fuzzer of pkt_fuzz.sh (standard library only: scapy is far
# too slow to build thousands of packets in a TCG VM).
#
#   gen SIDE SEED N OUT --opt K=V...   build N units (a packet, or a set of
#                       fragments) for SIDE b4 (IPv4-in-IPv6 to an AFTR
#                       address, Ethernet frames for the AFTR's access
#                       link) or inet (IPv4 to the pool, for its uplink);
#                       OUT.frames: "HEX TAG" a line, OUT.json: how many
#                       of each accounting class (see pkt_fuzz.sh)
#   send NETNS IFACE FILE --rate PPS   AF_PACKET, at a bounded rate
#   stream --to EP --until FILE        one TCP connection to the topo tool's
#                       tcp-server: PUT/GET 64 KB chunks (sha256 checked
#                       by both ends) until FILE exists
import argparse, ctypes, hashlib, json, os, random, socket, struct, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from pktlib import csum, setns_to  # noqa: E402

def a4(s):
    return socket.inet_aton(s)

def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)

def ip4(src, dst, proto, pl, ttl=64, ident=0, flags=0, frag=0, tos=0,
        opts=b'', ihl=None, tot=None, ver=4, bad_csum=False):
    ihl = (20 + len(opts)) // 4 if ihl is None else ihl
    tot = 20 + len(opts) + len(pl) if tot is None else tot
    h = struct.pack('!BBHHHBBH4s4s', (ver << 4) | (ihl & 15), tos, tot & 0xffff,
                    ident, (flags << 13) | frag, ttl, proto, 0, a4(src), a4(dst)) + opts
    c = csum(h[:max(20, min(len(h), ihl * 4))])
    if bad_csum:
        c ^= 0x1234
    return h[:10] + struct.pack('!H', c) + h[12:] + pl

def l4sum(src, dst, proto, seg):
    return csum(a4(src) + a4(dst) + struct.pack('!BBH', 0, proto, len(seg)) + seg)

def udp(src, dst, sp, dp, data=b'', ulen=None, zero_csum=False, bad_csum=False):
    n = 8 + len(data) if ulen is None else ulen
    seg = struct.pack('!HHHH', sp, dp, n & 0xffff, 0) + data
    if zero_csum:
        return seg
    c = l4sum(src, dst, 17, seg) or 0xffff
    if bad_csum:
        c ^= 0x0f0f
    return seg[:6] + struct.pack('!H', c) + seg[8:]

def tcp(src, dst, sp, dp, flags, seq=1, ack=0, doff=5, opts=b'', data=b''):
    seg = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, (doff & 15) << 4, flags,
                      65535, 0, 0) + opts + data
    c = l4sum(src, dst, 6, seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]

def icmp(t, c, rest=b'\0\0\0\0', data=b''):
    m = struct.pack('!BBH', t, c, 0) + rest + data
    return m[:2] + struct.pack('!H', csum(m)) + m[4:]

def echo(t, ident, seq, data=b'fuzz'):
    return icmp(t, 0, struct.pack('!HH', ident, seq), data)

def ip6(src, dst, nh, pl, plen=None, hlim=64):
    n = len(pl) if plen is None else plen
    return struct.pack('!IHBB', 0x60000000, n & 0xffff, nh, hlim) + a6(src) + a6(dst) + pl

def ext(nh, body):
    """an extension header (HBH, dest options, routing): body padded to 8n-2"""
    body += b'\0' * ((-(len(body) + 2)) % 8)
    return struct.pack('!BB', nh, (len(body) + 2) // 8 - 1) + body

def padn(n):
    return b'\x01' + bytes([n]) + b'\0' * n

def frag6(nh, off, m, ident):
    return struct.pack('!BBHI', nh, 0, (off << 3) | m, ident)

def eth(dst, src, etype, pl):
    return dst + src + struct.pack('!H', etype) + pl

def mac(s):
    return bytes.fromhex(s.replace(':', ''))

class Gen:
    def __init__(self, a, rnd):
        self.a, self.r = a, rnd
        self.units = []		# (cls, [frames], tag)
        self.ident = 0x4000

    def nid(self):
        self.ident += 1
        return self.ident

    def fill(self, n, kinds):
        """units from the generators of kinds [(f, weight)], each picked at
        random by its weight, until there are n"""
        tot = sum(w for _, w in kinds)
        while len(self.units) < n:
            x = self.r.randrange(tot)
            for f, w in kinds:
                if x < w:
                    f()
                    break
                x -= w

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def data(self, lo=0, hi=64):
        return bytes(self.r.randrange(256) for _ in range(self.r.randint(lo, hi)))

    def add(self, cls, frames, tag):
        self.units.append((cls, frames, tag))

# --- the B4 side: IPv4-in-IPv6 to the AFTR address ------------------------
class B4(Gen):
    def __init__(self, a, rnd):
        super().__init__(a, rnd)
        self.b4s = a['b4s'].split(',')
        self.aftr, self.dmac, self.smac = a['aftr'], mac(a['dmac']), mac(a['smac'])
        self.hole = a['hole']		# blackholed remotes: no replies
        self.inner = '192.0.0.2'

    def rem(self):
        return '%s.%d' % (self.hole.rsplit('.', 1)[0], self.r.randint(1, 254))

    def wrap(self, inner):
        """the outer IPv6 packet of one unit: mostly plain, sometimes with
        extension headers that Linux accepts before the IPv4 header"""
        k = self.r.random()
        if k < 0.75:
            return self.outer(4, inner), 'plain'
        w = self.pick(['dst', 'hbh', 'rt0', 'atomic', 'dst_unknown_skip', 'hlim0', 'trailing'])
        if w == 'dst':
            return self.outer(60, ext(4, padn(self.r.randint(0, 10))) + inner), w
        if w == 'hbh':
            return self.outer(0, ext(4, padn(4)) + inner), w
        if w == 'rt0':
            return self.outer(43, ext(4, b'\0\0' + b'\0' * 4) + inner), w
        if w == 'atomic':
            return self.outer(44, frag6(4, 0, 0, self.nid()) + inner), w
        if w == 'dst_unknown_skip':	# option type 0x1e: unknown, skip it
            return self.outer(60, ext(4, b'\x1e\x02\xaa\xbb') + inner), w
        if w == 'hlim0':
            return self.outer(4, inner, hlim=0), w
        return self.outer(4, inner + self.data(1, 16)), w	# outer payload past tot_len

    def outer(self, nh, pl, plen=None, hlim=64, b4=None):
        return eth(self.dmac, self.smac, 0x86dd,
                   ip6(b4 or self.pick(self.b4s), self.aftr, nh, pl, plen=plen, hlim=hlim))

    def pkt(self, inner, tag):
        f, w = self.wrap(inner)
        self.add('pkt', [f], tag + '/' + w)

    def gen(self, n):
        s, b4 = self.inner, self.b4s[0]
        hole1 = self.hole
        # the real sessions the fuzz quotes: first, from the first B4
        seeds = [ip4(s, hole1, 17, udp(s, hole1, 4000, 7000, b'seed')),
                 ip4(s, hole1, 6, tcp(s, hole1, 4001, 80, 0x02)),
                 ip4(s, hole1, 1, echo(8, 0x777, 1))]
        for x in seeds:
            self.add('pkt', [self.outer(4, x, b4=b4)], 'seed')
        kinds = [(self.k_udp, 10), (self.k_tcp, 8), (self.k_icmp, 6), (self.k_hdr, 10),
                 (self.k_opts, 5), (self.k_trunc, 8), (self.k_ttl, 4), (self.k_icmperr, 12),
                 (self.k_proto, 3), (self.k_random, 8), (self.k_outer_stack, 6),
                 (self.k_short, 4), (self.k_frag4, 6), (self.k_frag6, 5), (self.k_ptb, 2)]
        self.fill(n, kinds)

    def k_udp(self):
        r, s = self.r, self.inner
        d = self.rem()
        v = r.random()
        if v < 0.2:
            seg = udp(s, d, r.randint(1, 65535), r.randint(1, 65535), ulen=8, zero_csum=True)
            tag = 'udp_zero_len'
        elif v < 0.35:
            seg = udp(s, d, r.randint(1, 65535), r.randint(1, 65535), self.data(), ulen=r.randint(0, 200))
            tag = 'udp_bad_len'
        elif v < 0.5:
            seg = udp(s, d, r.randint(1, 65535), r.randint(1, 65535), self.data(), bad_csum=True)
            tag = 'udp_bad_csum'
        else:
            seg = udp(s, d, r.randint(1, 65535), r.randint(1, 65535), self.data(), zero_csum=r.random() < 0.3)
            tag = 'udp'
        self.pkt(ip4(s, d, 17, seg, ttl=r.randint(2, 255), ident=r.randrange(65536),
                     flags=r.choice([0, 2]), tos=r.randrange(256)), tag)

    def k_tcp(self):
        r, s = self.r, self.inner
        d = self.rem()
        opts = b''
        if r.random() < 0.4:
            opts = self.pick([b'\x02\x04\x05\xb4', b'\x01\x01\x01\x00', b'\x02\x04\xff\xff',
                              b'\x08\x0a' + self.data(8, 8), b'\x02\x00\x00\x00', b'\x02\x07\x00\x00'])
            opts += b'\0' * ((-len(opts)) % 4)
        seg = tcp(s, d, r.randint(1, 65535), r.randint(1, 65535), r.randrange(256),
                  r.randrange(1 << 32), r.randrange(1 << 32), doff=5 + len(opts) // 4, opts=opts,
                  data=self.data(0, 32))
        self.pkt(ip4(s, d, 6, seg, ttl=r.randint(2, 255), flags=r.choice([0, 2])), 'tcp')

    def k_icmp(self):
        r, s = self.r, self.inner
        d = self.rem()
        t = self.pick([8, 8, 0, 13, 14, 15, 17, 5, 9, 10, r.randrange(256)])
        self.pkt(ip4(s, d, 1, echo(t, r.randrange(65536), r.randrange(65536), self.data(0, 40))),
                 'icmp_t%d' % t if t in (0, 8) else 'icmp_other')

    def k_hdr(self):
        r, s = self.r, self.inner
        d = self.rem()
        seg = udp(s, d, r.randint(1, 65535), 9, self.data(1, 40))
        w = self.pick(['csum', 'ihl4', 'ihl_past', 'ver6', 'len_big', 'len_small', 'len_short'])
        if w == 'csum':
            x = ip4(s, d, 17, seg, bad_csum=True)
        elif w == 'ihl4':
            x = ip4(s, d, 17, seg, ihl=r.randint(0, 4))
        elif w == 'ihl_past':
            x = ip4(s, d, 17, seg[:4], ihl=15, tot=24)
        elif w == 'ver6':
            x = ip4(s, d, 17, seg, ver=self.pick([0, 6, 15]))
        elif w == 'len_big':
            x = ip4(s, d, 17, seg, tot=20 + len(seg) + r.randint(1, 300))
        elif w == 'len_small':
            x = ip4(s, d, 17, seg, tot=r.randint(0, 19))
        else:	# total length shorter than the datagram: the rest is padding
            x = ip4(s, d, 17, seg, tot=28)
        self.pkt(x, 'hdr_' + w)

    def k_opts(self):
        r, s = self.r, self.inner
        d = self.rem()
        o = self.pick([b'\x01\x01\x01\x00', b'\x07\x07\x04' + b'\0' * 4 + b'\0',
                       b'\x44\x0c\x05\x00' + b'\0' * 8, b'\x94\x04\x00\x00',
                       b'\x07\x27\x04' + b'\0' * 37, b'\x07\x02\x04\x00', b'\x44\x03\x05\x00',
                       b'\x01' * 40, self.data(4, 4), self.data(8, 8) + b'\0' * 0])
        o += b'\0' * ((-len(o)) % 4)
        o = o[:40]
        seg = udp(s, d, r.randint(1, 65535), 9, self.data(0, 20))
        self.pkt(ip4(s, d, 17, seg, opts=o), 'ip_opts')

    def k_trunc(self):
        r, s = self.r, self.inner
        d = self.rem()
        w = self.pick(['udp', 'tcp', 'tcp_doff', 'icmp', 'tcp_doff_past'])
        if w == 'udp':
            x = ip4(s, d, 17, self.data(0, 7))
        elif w == 'tcp':
            x = ip4(s, d, 6, self.data(0, 19))
        elif w == 'tcp_doff':
            x = ip4(s, d, 6, tcp(s, d, 1234, 80, 2, doff=r.randint(0, 4)))
        elif w == 'icmp':
            x = ip4(s, d, 1, self.data(0, 7))
        else:
            x = ip4(s, d, 6, tcp(s, d, 1234, 80, 2, doff=15))
        self.pkt(x, 'trunc_' + w)

    def k_ttl(self):
        r, s = self.r, self.inner
        d = self.rem()
        w = self.pick(['udp', 'icmp_nohdr', 'icmp_echo', 'icmp_err', 'frag'])
        ttl = r.randint(0, 1)
        if w == 'udp':
            x = ip4(s, d, 17, udp(s, d, 5555, 9, b'ttl'), ttl=ttl)
        elif w == 'icmp_nohdr':	# item 3 of issue 10: nothing after the header
            x = ip4(s, d, 1, b'', ttl=ttl) + (b'\x08' * r.randint(0, 8))
        elif w == 'icmp_echo':
            x = ip4(s, d, 1, echo(8, 1, 1), ttl=ttl)
        elif w == 'icmp_err':
            x = ip4(s, d, 1, icmp(3, 3, data=ip4(d, s, 17, udp(d, s, 7000, 4000))), ttl=ttl)
        else:	# a non-first fragment, TTL 1: no error for it
            x = ip4(s, d, 17, self.data(8, 8), ttl=ttl, frag=3, ident=self.nid())
        self.pkt(x, 'ttl_' + w)

    def k_icmperr(self):
        """ICMP errors from the B4 side, about the seeds or about nothing"""
        r, s = self.r, self.inner
        h = self.hole
        src = self.pick([s, '192.0.0.1', '192.168.1.1', '10.%d.0.1' % r.randrange(256)])
        t, c = self.pick([(3, 3), (3, 1), (3, 4), (11, 0), (12, 0), (3, 13)])
        rest = struct.pack('!HH', 0, r.choice([0, 68, 576, 1280, 0xffff])) if (t, c) == (3, 4) else b'\0' * 4
        w = self.pick(['udp', 'tcp', 'echo', 'nosess', 'trunc', 'noports', 'ihl', 'err_err',
                       'proto', 'opts', 'big'])
        if w == 'udp':
            q = ip4(h, s, 17, udp(h, s, 7000, 4000, b'seed'))[:r.choice([28, 32, 200])]
        elif w == 'tcp':
            q = ip4(h, s, 6, tcp(h, s, 80, 4001, 0x12))[:r.choice([28, 40])]
        elif w == 'echo':
            q = ip4(h, s, 1, echo(0, 0x777, 1))
        elif w == 'nosess':
            q = ip4(self.rem(), s, 17, udp(h, s, r.randint(1, 65535), r.randint(1, 65535)))
        elif w == 'trunc':
            q = ip4(h, s, 17, udp(h, s, 7000, 4000))[:r.randint(0, 19)]
        elif w == 'noports':
            q = ip4(h, s, 17, udp(h, s, 7000, 4000))[:r.randint(20, 27)]
        elif w == 'ihl':
            q = ip4(h, s, 17, udp(h, s, 7000, 4000), ihl=r.randint(0, 4))
        elif w == 'err_err':
            q = ip4(h, s, 1, icmp(3, 1, data=ip4(s, h, 17, udp(s, h, 4000, 7000))))
        elif w == 'proto':
            q = ip4(h, s, self.pick([47, 50, 132, 0]), self.data(8, 16))
        elif w == 'opts':
            q = ip4(h, s, 17, udp(h, s, 7000, 4000), opts=b'\x01\x01\x01\x00')
        else:
            q = ip4(h, s, 17, udp(h, s, 7000, 4000, self.data(300, 500)))
        self.pkt(ip4(src, h, 1, icmp(t, c, rest, q)), 'icmperr_' + w)

    def k_proto(self):
        s, d = self.inner, self.rem()
        p = self.pick([0, 4, 41, 47, 50, 58, 132, 255])
        self.pkt(ip4(s, d, p, self.data(0, 40)), 'proto')

    def k_random(self):
        """a valid IPv4 header (not a fragment) over random transport bytes"""
        r, s, d = self.r, self.inner, self.rem()
        p = self.pick([1, 6, 17])
        self.pkt(ip4(s, d, p, self.data(0, 60), ttl=r.randint(2, 255), tos=r.randrange(256),
                     ident=r.randrange(65536)), 'random_%d' % p)

    def k_outer_stack(self):
        """outer IPv6 packets Linux drops itself, before any tunnel handler"""
        r, s, d = self.r, self.inner, self.rem()
        inner = ip4(s, d, 17, udp(s, d, 4444, 9, b'x'))
        w = self.pick(['plen_past', 'dst_discard', 'rt0_segleft', 'unknown_nh', 'hbh_bad'])
        if w == 'plen_past':
            f = self.outer(4, inner, plen=len(inner) + r.randint(1, 200))
        elif w == 'dst_discard':	# unknown option type 0x5e: discard
            f = self.outer(60, ext(4, b'\x5e\x02\xaa\xbb') + inner)
        elif w == 'rt0_segleft':
            f = self.outer(43, ext(4, b'\0\x01' + b'\0' * 4 + a6('2001:db8::99')) + inner)
        elif w == 'unknown_nh':
            f = self.outer(60, ext(253, padn(4)) + inner)
        else:	# a hop-by-hop option past the header's end
            f = self.outer(0, struct.pack('!BB', 4, 0) + b'\x01\x09' + b'\0' * 4 + inner)
        self.add('pkt', [f], 'stack_' + w)

    def k_short(self):
        """fewer than 20 bytes of IPv4 after the headers (the guard hook)"""
        r = self.r
        inner = self.data(0, 19)
        w = self.pick(['plain', 'dst', 'atomic'])
        if w == 'plain':
            f = self.outer(4, inner)
        elif w == 'dst':
            f = self.outer(60, ext(4, padn(4)) + inner)
        else:
            f = self.outer(44, frag6(4, 0, 0, self.nid()) + inner)
        self.add('pkt', [f], 'short_' + w)

    def k_frag4(self):
        """inner IPv4 fragment sets: whole ones (random order), broken ones"""
        r, s, d = self.r, self.inner, self.rem()
        ident = self.nid()
        proto = self.pick([6, 17])
        seg = udp(s, d, r.randint(1024, 65535), 9, self.data(40, 120)) if proto == 17 else \
            tcp(s, d, r.randint(1024, 65535), 80, 0x10, data=self.data(40, 120))
        w = self.pick(['good', 'good', 'good', 'tiny', 'off1', 'overlap', 'missing'])
        cuts = sorted(r.sample(range(3, len(seg) // 8), r.randint(1, 2)))
        pieces, prev = [], 0
        for c in cuts + [None]:
            end = len(seg) if c is None else c * 8
            pieces.append((prev, seg[prev:end], c is not None))
            prev = end
        if w == 'tiny':		# the first fragment too short for its header
            first = 0 if proto == 17 else self.pick([8, 16])
            pieces = [(0, seg[:first], True), (max(first, 8), seg[max(first, 8):], False)]
        elif w == 'off1' and proto == 6:	# RFC 1858: offset 1 rewrites the flags
            pieces = [pieces[0], (8, seg[8:24], True)]
        elif w == 'off1':
            w = 'overlap'
        if w == 'overlap':	# right after the first: it overlaps it partly
            o, b, m = pieces[0]
            pieces.insert(1, (len(b) - 8, seg[len(b) - 8:len(b) + 8], True))
        if w == 'missing':
            del pieces[-1]
        b4 = self.pick(self.b4s)	# one B4: each B4 has its own queues
        frames = [self.outer(4, ip4(s, d, proto, b, ident=ident, flags=1 if m else 0,
                                    frag=o // 8), b4=b4) for o, b, m in pieces]
        if w == 'good' and r.random() < 0.5:
            r.shuffle(frames)
        self.add('good4' if w == 'good' else 'bad4', frames, 'frag4_' + w)

    def k_frag6(self):
        """outer IPv6 fragment sets of one softwire packet"""
        r, s, d = self.r, self.inner, self.rem()
        inner = ip4(s, d, 17, udp(s, d, r.randint(1024, 65535), 9, self.data(40, 120)))
        ident = self.nid()
        b4 = self.pick(self.b4s)
        w = self.pick(['good', 'good', 'tiny', 'overlap', 'missing'])
        c = 8 * r.randint(3, len(inner) // 8 - 1)
        pieces = [(0, inner[:c], 1), (c, inner[c:], 0)]
        if w == 'tiny':		# RFC 7112: the first fragment without the IPv4 header
            c = self.pick([8, 16])
            pieces = [(0, inner[:c], 1), (c, inner[c:], 0)]
        elif w == 'overlap':	# right after the first: it overlaps it partly
            pieces.insert(1, (c - 8, inner[c - 8:c + 8], 1))
        elif w == 'missing':
            pieces = pieces[:1]
        frames = [self.outer(44, frag6(4, o // 8, m, ident) + b, b4=b4) for o, b, m in pieces]
        if w == 'good' and r.random() < 0.5:
            r.shuffle(frames)
        self.add('good6' if w == 'good' else 'bad6', frames, 'frag6_' + w)

    def k_ptb(self):
        """ICMPv6 packet too big quoting a softwire packet of ours"""
        r, s, d = self.r, self.inner, self.rem()
        b4 = self.pick(self.b4s)
        q = ip6(self.aftr, b4, 4, ip4(d, s, 17, udp(d, s, 7000, 4000)))
        mtu = self.pick([0, 68, 1000, 1279, 1280, 1400, 0xffffffff])
        m = struct.pack('!BBHI', 2, 0, 0, mtu) + q
        ph = a6(b4) + a6(self.aftr) + struct.pack('!IxxxB', len(m), 58)
        m = m[:2] + struct.pack('!H', csum(ph + m)) + m[4:]
        self.add('ptb', [self.outer(58, m, b4=b4)], 'ptb')

# --- the Internet side: IPv4 to the pool, onto the AFTR's uplink -----------
class Inet(Gen):
    def __init__(self, a, rnd):
        super().__init__(a, rnd)
        self.dmac, self.smac = mac(a['dmac']), mac(a['smac'])
        self.pool = a['pool']
        self.remotes = a['remotes'].split(',')
        # the real mappings (public endpoints of the seeds) and their remote
        self.maps = {k: (a['pub'], int(a[k])) for k in ('udp', 'tcp', 'icmp')}
        self.hole = a['hole']

    def paddr(self):
        return '%s.%d' % (self.pool.rsplit('.', 1)[0],
                          int(self.pool.rsplit('.', 1)[1].split('/')[0]) + self.r.randint(0, 15))

    def four(self, x):
        return eth(self.dmac, self.smac, 0x0800, x)

    def pkt(self, x, tag):
        self.add('pkt', [self.four(x)], tag)

    def gen(self, n):
        kinds = [(self.k_udp, 10), (self.k_tcp, 6), (self.k_icmp, 6), (self.k_icmperr, 12),
                 (self.k_hdr, 8), (self.k_opts, 5), (self.k_trunc, 6), (self.k_proto, 3),
                 (self.k_ttl, 3), (self.k_frag, 6)]
        self.fill(n, kinds)

    def src(self):
        return self.pick(self.remotes)

    def dst(self, proto):
        """a real mapping's public endpoint, or any pool address and port"""
        if self.r.random() < 0.5:
            return self.maps[proto]
        return self.paddr(), self.r.randint(1, 65535)

    def k_udp(self):
        r, s = self.r, self.src()
        d, p = self.dst('udp')
        v = r.random()
        seg = udp(s, d, r.randint(1, 65535), p, self.data(), zero_csum=v < 0.3,
                  ulen=8 if v < 0.15 else (r.randint(0, 300) if v < 0.3 else None))
        self.pkt(ip4(s, d, 17, seg, ttl=r.randint(2, 255), flags=r.choice([0, 2])), 'udp')

    def k_tcp(self):
        r, s = self.r, self.src()
        d, p = self.dst('tcp')
        seg = tcp(s, d, r.randint(1, 65535), p, r.randrange(256), r.randrange(1 << 32),
                  data=self.data(0, 30))
        self.pkt(ip4(s, d, 6, seg), 'tcp')

    def k_icmp(self):
        r, s = self.r, self.src()
        d, p = self.dst('icmp')
        t = self.pick([0, 0, 8, 13, 14, 5, 9, r.randrange(256)])
        self.pkt(ip4(s, d, 1, echo(t, p, r.randrange(65536), self.data(0, 30))), 'icmp')

    def k_icmperr(self):
        r = self.r
        pub, up = self.maps['udp']
        _, tp = self.maps['tcp']
        _, ip_ = self.maps['icmp']
        h = self.hole
        src = self.pick([h, self.src()])
        t, c = self.pick([(3, 3), (3, 1), (3, 4), (11, 0), (12, 0)])
        rest = struct.pack('!HH', 0, r.choice([0, 68, 576, 1280, 0xffff])) if (t, c) == (3, 4) else b'\0' * 4
        w = self.pick(['udp', 'tcp', 'echo', 'nosess', 'trunc', 'noports', 'ihl', 'err_err',
                       'proto', 'other_dst', 'big'])
        dst = pub
        if w == 'udp':
            q = ip4(pub, h, 17, udp(pub, h, up, 7000, b'seed'))[:r.choice([28, 36])]
        elif w == 'tcp':
            q = ip4(pub, h, 6, tcp(pub, h, tp, 80, 0x02))[:r.choice([28, 40])]
        elif w == 'echo':
            q = ip4(pub, h, 1, echo(8, ip_, 1))
        elif w == 'nosess':
            q = ip4(pub, h, 17, udp(pub, h, r.randint(1, 1023), 7000))
        elif w == 'trunc':
            q = ip4(pub, h, 17, udp(pub, h, up, 7000))[:r.randint(0, 19)]
        elif w == 'noports':
            q = ip4(pub, h, 17, udp(pub, h, up, 7000))[:r.randint(20, 27)]
        elif w == 'ihl':
            q = ip4(pub, h, 17, udp(pub, h, up, 7000), ihl=r.randint(0, 4))
        elif w == 'err_err':
            q = ip4(pub, h, 1, icmp(3, 3, data=ip4(h, pub, 17, udp(h, pub, 7000, up))))
        elif w == 'proto':
            q = ip4(pub, h, 47, self.data(8, 16))
        elif w == 'other_dst':		# the quote's source is not the outer destination
            q = ip4(pub, h, 17, udp(pub, h, up, 7000))
            dst = self.paddr()
            if dst == pub:
                dst = pub.rsplit('.', 1)[0] + '.%d' % ((int(pub.rsplit('.', 1)[1]) + 1) % 256)
        else:
            q = ip4(pub, h, 17, udp(pub, h, up, 7000, self.data(300, 500)))
        self.pkt(ip4(src, dst, 1, icmp(t, c, rest, q)), 'icmperr_' + w)

    def k_hdr(self):
        """broken IPv4 headers: the AFTR's ip_rcv drops them"""
        r, s = self.r, self.src()
        d, p = self.dst('udp')
        seg = udp(s, d, 7000, p, self.data(1, 30))
        w = self.pick(['csum', 'ihl4', 'ver', 'len_big', 'len_small'])
        if w == 'csum':
            x = ip4(s, d, 17, seg, bad_csum=True)
        elif w == 'ihl4':
            x = ip4(s, d, 17, seg, ihl=r.randint(0, 4))
        elif w == 'ver':
            x = ip4(s, d, 17, seg, ver=self.pick([0, 6, 15]))
        elif w == 'len_big':
            x = ip4(s, d, 17, seg, tot=20 + len(seg) + r.randint(1, 300))
        else:
            x = ip4(s, d, 17, seg, tot=r.randint(0, 19))
        self.pkt(x, 'hdr_' + w)

    def k_opts(self):
        """IP options (no source route: Linux drops those uncounted)"""
        r, s = self.r, self.src()
        d, p = self.dst('udp')
        o = self.pick([b'\x01\x01\x01\x00', b'\x07\x07\x04' + b'\0' * 5,
                       b'\x44\x0c\x05\x00' + b'\0' * 8, b'\x94\x04\x00\x00',
                       b'\x07\x02\x04\x00', b'\x44\x03\x05\x00', b'\x01' * 40,
                       b'\xfe\x01\x00\x00', b'\x07\x30\x04\x00'])
        o += b'\0' * ((-len(o)) % 4)
        self.pkt(ip4(s, d, 17, udp(s, d, 7000, p, self.data(0, 20)), opts=o[:40]), 'ip_opts')

    def k_trunc(self):
        r, s = self.r, self.src()
        d, _ = self.dst('udp')
        w = self.pick([17, 6, 1])
        self.pkt(ip4(s, d, w, self.data(0, 7 if w != 6 else 19)), 'trunc_%d' % w)

    def k_proto(self):
        s = self.src()
        d, _ = self.dst('udp')
        self.pkt(ip4(s, d, self.pick([0, 4, 41, 47, 50, 132]), self.data(0, 40)), 'proto')

    def k_ttl(self):
        s = self.src()
        d, p = self.dst('udp')
        self.pkt(ip4(s, d, 17, udp(s, d, 7000, p), ttl=self.r.randint(0, 1)), 'ttl')

    def k_frag(self):
        r, s = self.r, self.src()
        d, p = self.dst('udp')
        ident = self.nid()
        seg = udp(s, d, 7000, p, self.data(40, 120))
        w = self.pick(['good', 'good', 'good', 'tiny', 'overlap', 'missing'])
        c = 8 * r.randint(2, len(seg) // 8 - 1)
        pieces = [(0, seg[:c], True), (c, seg[c:], False)]
        if w == 'tiny':		# a first fragment of 0 bytes (UDP needs 8)
            pieces = [(0, b'', True), (8, seg[8:], False)]
        elif w == 'overlap':	# right after the first: it overlaps it partly
            pieces.insert(1, (c - 8, seg[c - 8:c + 8], True))
        elif w == 'missing':
            pieces = pieces[1:]
        frames = [self.four(ip4(s, d, 17, b, ident=ident, flags=1 if m else 0, frag=o // 8))
                  for o, b, m in pieces]
        if w == 'good' and r.random() < 0.5:
            r.shuffle(frames)
        self.add('good4' if w == 'good' else 'bad4', frames, 'frag_' + w)

def cmd_gen(a):
    opts = dict(kv.split('=', 1) for kv in a.opt)
    rnd = random.Random(a.seed)
    g = (B4 if a.side == 'b4' else Inet)(opts, rnd)
    g.gen(a.n)
    units = g.units[:a.n] if len(g.units) > a.n else g.units
    # the order: the seeds first, then shuffled; the fragments of a set stay
    # within a few packets of each other (they must meet within ipfrag_time)
    seeds = [u for u in units if u[2] == 'seed']
    rest = [u for u in units if u[2] != 'seed']
    rnd.shuffle(rest)
    frames = []
    for cls, fr, tag in seeds + rest:
        for f in fr:
            frames.append((f, tag))
    count = {}
    for cls, fr, tag in units:
        c = count.setdefault(cls, {'units': 0, 'frames': 0})
        c['units'] += 1
        c['frames'] += len(fr)
    tags = {}
    for cls, fr, tag in units:
        tags[tag] = tags.get(tag, 0) + 1
    with open(a.out + '.frames', 'w') as f:
        for fr, tag in frames:
            f.write('%s %s\n' % (fr.hex(), tag))
    json.dump({'seed': a.seed, 'classes': count, 'frames': len(frames), 'tags': tags},
              open(a.out + '.json', 'w'), sort_keys=True)

def cmd_send(a):
    setns_to(a.netns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    frames = [bytes.fromhex(l.split()[0]) for l in open(a.file) if l.strip()]
    t0 = time.time()
    sent = 0
    for i, f in enumerate(frames):
        due = t0 + i / a.rate
        d = due - time.time()
        if d > 0:
            time.sleep(d)
        while True:
            try:
                s.send(f)
                break
            except OSError:
                time.sleep(0.01)
        sent += 1
    print(json.dumps({'sent': sent, 'secs': round(time.time() - t0, 2)}))

def cmd_stream(a):
    r = {'ok': False, 'put': 0, 'get': 0, 'rounds': 0}
    try:
        s = socket.create_connection((a.to.rpartition(':')[0], int(a.to.rpartition(':')[2])),
                                     timeout=a.timeout)
        f = s.makefile('rwb')
        bad = 0
        while not os.path.exists(a.until) or r['rounds'] < 1:
            data = os.urandom(a.chunk)
            f.write(b'PUT %d\n' % a.chunk)
            f.write(data)
            f.flush()
            seen, h, got = f.readline().decode().split()
            if h != hashlib.sha256(data).hexdigest() or int(got) != a.chunk:
                bad += 1
            r['put'] += int(got)
            f.write(b'GET %d\n' % a.chunk)
            f.flush()
            seen, h = f.readline().decode().split()
            data = f.read(a.chunk)
            if len(data) != a.chunk or hashlib.sha256(data).hexdigest() != h:
                bad += 1
            r['get'] += len(data)
            r['rounds'] += 1
            r['seen'] = seen
        r['bad_chunks'] = bad
        r['ok'] = bad == 0
        s.close()
    except Exception as e:
        r['error'] = repr(e)
    print(json.dumps(r))

p = argparse.ArgumentParser()
sp = p.add_subparsers(dest='cmd', required=True)
c = sp.add_parser('gen'); c.add_argument('side', choices=['b4', 'inet']); c.add_argument('seed', type=int)
c.add_argument('n', type=int); c.add_argument('out'); c.add_argument('--opt', action='append', default=[])
c.set_defaults(f=cmd_gen)
c = sp.add_parser('send'); c.add_argument('netns'); c.add_argument('iface'); c.add_argument('file')
c.add_argument('--rate', type=float, default=100); c.set_defaults(f=cmd_send)
c = sp.add_parser('stream'); c.add_argument('--to', required=True); c.add_argument('--until', required=True)
c.add_argument('--chunk', type=int, default=65536); c.add_argument('--timeout', type=float, default=30)
c.set_defaults(f=cmd_stream)
a = p.parse_args()
a.f(a)
