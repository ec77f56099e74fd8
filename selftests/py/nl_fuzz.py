#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fuzz the "dslite" generic netlink family (used by nl_fuzz.sh).

Raw AF_NETLINK/NETLINK_GENERIC sockets and struct, nothing else. The
family id is resolved with CTRL_CMD_GETFAMILY. Every command number (those
of enum dslite_cmd, UNSPEC and a few past the end), as doit and as
dump, is sent from a valid template with each attribute missing,
oversized, short, of the wrong type, out of range, nested wrongly,
duplicated, plus foreign attributes and random bytes, then stacked
random mutations (seeded: the seed reproduces a run exactly).

What a command takes comes from Documentation/netlink/specs/dslite.yaml:
each request attribute's kind and range (type, checks, enum, display
hint), which commands are events (no request) and which are reads. Every
request attribute the spec lists for a command must be in one of that
command's templates below, or the run fails naming it: a new attribute
is fuzzed from the day it is in the spec.

  nl_fuzz.py root --seed S --random N     as root, in a namespace set up
        by nl_fuzz.sh: after every refused request the whole state (every
        dump of the family) must be what it was; every refusal must carry
        an extack message (refusals of the genetlink core itself, which
        cannot, are listed apart); accepted requests may only touch the
        fuzzer's scratch objects (they are put back), never the baseline.
  nl_fuzz.py unpriv --seed S --random N   as an unprivileged user: every
        command except INSTANCE_GET, POOL_GET, STATS_GET is refused.
  nl_fuzz.py traffic ...                  send IPv4-in-IPv6 UDP from local
        B4 addresses to the AFTR address, to give the baseline sessions.

Exit 0 when every check held, 1 otherwise; findings are printed with the
request in hex.
"""
import argparse
import errno
import os
import random
import re
import socket
import struct
import sys

import yaml
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from pktlib import csum  # noqa: E402

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 1, 2, 4
NLM_F_DUMP = 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_MISS_TYPE = 1, 5

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      '..', '..', 'include', 'uapi', 'linux', 'dslite.h')


def load_enum(name, prefix):
    """The values of one enum of the UAPI header, by name without prefix."""
    body = re.search(r'enum %s \{(.*?)\};' % name, open(HEADER).read(), re.S).group(1)
    vals, n = {}, -1
    for m in re.finditer(r'^\s*(%s\w+)(\s*=\s*(\w+))?\s*,' % prefix, body, re.M):
        n = int(m.group(3), 0) if m.group(3) else n + 1
        vals[m.group(1)[len(prefix):]] = n
    return vals


C = load_enum('dslite_cmd', 'DSLITE_CMD_')
A = load_enum('dslite_attr', 'DSLITE_A_')
A_MAX = max(A.values())
CMDS = {v: k for k, v in C.items()}
CMD_END = max(C.values()) + 1
CMDS[CMD_END] = 'past-the-end'
CMDS[200] = 'past-the-end'

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    '..', '..', 'Documentation', 'netlink', 'specs', 'dslite.yaml')


def c_name(s):
    return s.upper().replace('-', '_')


def spec_model(path):
    """From the spec: the kind of every request attribute (by UAPI name),
    each command's request attributes (by number), the event commands and
    the reads (the -get commands)."""
    y = yaml.safe_load(open(path))
    defs = {d['name']: d for d in y.get('definitions', [])}

    def val(v):
        return defs[v]['value'] if isinstance(v, str) else v
    aset = {a['name']: a for a in next(s for s in y['attribute-sets']
                                        if s['name'] == 'dslite')['attributes']}
    width = {'u8': 0xff, 'u16': 0xffff, 'u32': 0xffffffff}

    def kind(a):
        t, ck = a['type'], a.get('checks', {})
        if t in width:
            if a.get('display-hint') == 'ipv4' and a.get('byte-order') == 'big-endian':
                return ('be32',)
            hi = width[t]
            if 'enum' in a and 'max' not in ck:
                hi = len(defs[a['enum']]['entries']) - 1
            return (t, val(ck.get('min', 0)), val(ck.get('max', hi)))
        if t == 'string':
            return ('str', val(ck['max-len']))
        if t == 'binary':
            if a.get('display-hint') == 'ipv6' or ck.get('exact-len') == 16:
                return ('in6',)
            return ('bin', val(ck.get('min-len', 0)), val(ck.get('max-len', 64)))
        if t == 'flag':
            return ('flag',)
        if t == 'nest':
            return ('nest',)
        raise SystemExit('nl_fuzz.py: attribute %s: type %s unknown here' % (a['name'], t))
    kinds, requests, events, reads = {}, {}, set(), set()
    for op in y['operations']['list']:
        cmd = C[c_name(op['name'])]
        if 'event' in op:
            events.add(cmd)
            continue
        if op['name'].endswith('-get'):
            reads.add(cmd)
        names = []
        for mode in ('do', 'dump'):
            names += (op.get(mode) or {}).get('request', {}).get('attributes', [])
        requests[cmd] = sorted({A[c_name(n)] for n in names})
        for n in names:
            kinds[c_name(n)] = kind(aset[n])
            for inner in next((s['attributes'] for s in y['attribute-sets']
                               if s['name'] == aset[n].get('nested-attributes')), []):
                kinds[c_name(inner['name'])] = kind(aset[inner['name']])
    return kinds, requests, events, reads


ATTR_KINDS, SPEC_REQUESTS, EVENT_CMDS, READ_CMDS = spec_model(SPEC)
UNPRIV_OK = {3, 7, 11}		# readable without CAP_NET_ADMIN (UAPI header)
NO_OPS = {0, CMD_END, 200} | EVENT_CMDS	# events only, or no command at all
ATTR_NAMES = set(ATTR_KINDS)
ATTRS = {A[n]: k for n, k in ATTR_KINDS.items()}
REPLY_ONLY = [A[n] for n in A if n not in ATTR_NAMES and n != 'UNSPEC']

# the code below writes attribute and command numbers as literals: they
# must be the header's (a renumbered enum fails here, not later)
for _n, _v in (('INST_NAME', 1), ('INST_ID', 2), ('POOL_ADDR', 17), ('POOL_PLEN', 18),
               ('SESS_B4', 21), ('SESS_PROTO', 22), ('SESS_EXPIRES', 30),
               ('INST_MSS', 39), ('INST_MTU', 40), ('HA_ENABLED', 41), ('SL_ID', 42),
               ('SL_ROLE', 51), ('SL_PEER_STATE', 52), ('SIG_NAME', 54), ('SIG_MEMBER', 55),
               ('SIG_WEIGHT', 56), ('INST_SIG', 57), ('POOL_SL', 58), ('SL_SYNC', 59),
               ('SL_LAG', 60), ('SL_HEALTHY', 61), ('SL_HEALTH', 62)):
    assert A[_n] == _v, 'DSLITE_A_%s is %d, the fuzzer assumes %d' % (_n, A[_n], _v)
for _n, _v in (('INSTANCE_GET', 3), ('POOL_GET', 7), ('SESSION_GET', 8), ('USER_GET', 10),
               ('STATS_GET', 11), ('HA_SET', 15), ('HA_GET', 16), ('SL_GET', 20),
               ('SIG_NEW', 21), ('SIG_GET', 23)):
    assert C[_n] == _v, 'DSLITE_CMD_%s is %d, the fuzzer assumes %d' % (_n, C[_n], _v)

BASE_INST, BASE_ID, BASE_SL, BASE_SIG = b'dsl0', 4321, 7, b'sig1'
BASE_B4 = ['2001:db8:b4::1', '2001:db8:b4::2', '2001:db8:b4::3']


def u8(v): return struct.pack('=B', v & 0xff)
def u16(v): return struct.pack('=H', v & 0xffff)
def u32(v): return struct.pack('=I', v & 0xffffffff)
def sz(s): return (s.encode() if isinstance(s, str) else s) + b'\0'
def in6(a): return socket.inet_pton(socket.AF_INET6, a)
def in4(a): return socket.inet_aton(a)


def nla(t, data):
    hdr = struct.pack('=HH', 4 + len(data), t)
    return hdr + data + b'\0' * ((4 - len(data) % 4) % 4)


def attrs_bytes(attrs):
    return b''.join(a if isinstance(a, bytes) else nla(a[0], a[1]) for a in attrs)


def nest(inner):
    return attrs_bytes(inner)


def parse_attrs(buf):
    out = []
    off = 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from('=HH', buf, off)
        if ln < 4 or off + ln > len(buf):
            break
        out.append((t & 0x3fff, bytes(buf[off + 4:off + ln])))
        off += (ln + 3) & ~3
    return out


class Reply:
    def __init__(self):
        self.error = None
        self.msg = None
        self.miss = None
        self.data = []


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.bind((0, 0))
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.s.settimeout(60)
        self.seq = 1000
        r = self.talk_raw(GENL_ID_CTRL, struct.pack('=BBH', CTRL_CMD_GETFAMILY, 1, 0) +
                          nla(CTRL_ATTR_FAMILY_NAME, sz('dslite')), NLM_F_ACK)
        self.fam = None
        for payload in r.data:
            for t, v in parse_attrs(payload[4:]):
                if t == CTRL_ATTR_FAMILY_ID:
                    self.fam = struct.unpack('=H', v[:2])[0]
        if self.fam is None:
            raise SystemExit('no "dslite" generic netlink family: %r' % r.error)

    def talk_raw(self, typ, payload, flags, total_len=None):
        self.seq += 1
        ln = 16 + len(payload) if total_len is None else total_len
        msg = struct.pack('=IHHII', ln, typ, NLM_F_REQUEST | flags, self.seq, 0) + payload
        self.s.send(msg)
        r = Reply()
        while r.error is None:
            buf = self.s.recv(1 << 20)
            off = 0
            while off + 16 <= len(buf):
                ln, t, fl, seq, _ = struct.unpack_from('=IHHII', buf, off)
                if ln < 16:
                    break
                body = buf[off + 16:off + ln]
                off += (ln + 3) & ~3
                if seq != self.seq:
                    continue
                if t in (NLMSG_ERROR, NLMSG_DONE):
                    if t == NLMSG_DONE and len(body) < 4:
                        r.error = 0
                        continue
                    r.error = struct.unpack_from('=i', body)[0]
                    if t == NLMSG_ERROR:
                        hl = 4 + 16
                        if not fl & NLM_F_CAPPED and len(body) >= 20:
                            hl = 4 + struct.unpack_from('=I', body, 4)[0]
                    else:
                        hl = 4
                    if fl & NLM_F_ACK_TLVS:
                        for at, v in parse_attrs(body[hl:]):
                            if at == NLMSGERR_ATTR_MSG:
                                r.msg = v.rstrip(b'\0').decode(errors='replace')
                            elif at == NLMSGERR_ATTR_MISS_TYPE:
                                r.miss = struct.unpack('=I', v[:4])[0]
                else:
                    r.data.append(body)
        return r

    def req(self, cmd, attrs, dump=False, version=1, raw=None, total_len=None):
        payload = raw if raw is not None else \
            struct.pack('=BBH', cmd, version, 0) + attrs_bytes(attrs)
        return self.talk_raw(self.fam, payload, NLM_F_ACK | (NLM_F_DUMP if dump else 0),
                             total_len)


def entries(r, strip=()):
    out = []
    for payload in r.data:
        out.append(tuple(sorted((t, v) for t, v in parse_attrs(payload[4:]) if t not in strip)))
    return sorted(out)


def snapshot(g):
    """Every dump of the family, without what changes by itself."""
    snap = {}
    for name, cmd, dump, strip in (('instances', 3, True, ()), ('pools', 7, True, ()),
                                   ('sls', 20, True, (52, 59, 60, 61, 62, A['SL_KEY_STATE'],
                                                       A['SL_MISMATCH'])),
                                   ('sigs', 23, True, ()), ('ha', 16, False, ()),
                                   ('stats', 11, True, ()), ('users', 10, True, ()),
                                   ('sessions', 8, True, (30,))):
        r = g.req(cmd, [], dump=dump)
        if r.error:
            raise SystemExit('snapshot: %s failed: %d %s' % (name, r.error, r.msg))
        snap[name] = entries(r, strip)
    return snap


def attr_of(entry, t):
    for at, v in entry:
        if at == t:
            return v
    return None


def baseline_view(snap):
    """The part of a snapshot the fuzzer may never change."""
    def inst_is_base(e):
        return attr_of(e, 1) == sz(BASE_INST)
    return {
        'ha': snap['ha'],
        'instances': [e for e in snap['instances'] if inst_is_base(e)],
        'pools': [e for e in snap['pools'] if inst_is_base(e)],
        'sls': [e for e in snap['sls'] if attr_of(e, 42) == u32(BASE_SL)],
        'sigs': [e for e in snap['sigs'] if attr_of(e, 54) == sz(BASE_SIG)],
        'stats': [e for e in snap['stats'] if inst_is_base(e)],
        'users': [e for e in snap['users'] if inst_is_base(e)],
        'sessions': [e for e in snap['sessions'] if inst_is_base(e)],
    }


def diff(a, b):
    out = []
    for k in a:
        if a[k] != b[k]:
            out.append('%s: %d -> %d entries; gone %s; new %s' % (
                k, len(a[k]), len(b[k]),
                [e for e in a[k] if e not in b[k]][:2], [e for e in b[k] if e not in a[k]][:2]))
    return '; '.join(out)


# ---- scratch objects: what the fuzzer's templates act on -------------------

SCRATCH_INST, SCRATCH_ID = b'fz0', 3000
SCRATCH_POOL = ('203.0.113.0', 30)
SCRATCH_SLS = (77, 79)		# 77 in group fzsig; 79 in none (for SL_DEL)
SCRATCH_SIGS = (b'fzsig', b'fzdel')	# fzdel is bound to nothing (for SIG_DEL)


def sl_new_attrs(sl_id):
    # 77 keyless (SL_HASH none: it must be asked for, "authentication
    # none"); 79 keyed, for the key rotation of service-location set
    if sl_id == 79:
        auth = [(46, b'f' * 20), (47, u8(1))]
    else:
        auth = [(47, u8(0))]
    return [(42, u32(sl_id)), (43, sz('lo')), (44, in4('192.0.2.%d' % sl_id)),
            (45, u16(9000 + sl_id))] + auth


def ensure_scratch(g, base_ha):
    """Put the scratch objects back as they were, remove extra ones."""
    problems = []

    def must(r, what):
        if r.error:
            problems.append('%s: %d %s' % (what, r.error, r.msg))
    snap = snapshot(g)
    ha = snap['ha'][0] if snap['ha'] else ()
    if attr_of(ha, 41) != u8(base_ha):
        must(g.req(15, [(41, u8(base_ha))]), 'restore hot backup')
    # instances: only dsl0 and fz0; fz0 bound to no extra group
    for e in snap['instances']:
        name = attr_of(e, 1)
        if name not in (sz(BASE_INST), sz(SCRATCH_INST)):
            must(g.req(2, [(1, name)]), 'delete extra instance %r' % name)
        elif name == sz(SCRATCH_INST) and attr_of(e, 57) not in (None, sz('fzsig')):
            must(g.req(4, [(1, name), (57, sz(''))]), 'unbind fz0')
    names = [attr_of(e, 1) for e in snap['instances']]
    if sz(SCRATCH_INST) not in names:
        must(g.req(1, [(1, sz(SCRATCH_INST)), (2, u32(SCRATCH_ID))]), 're-add fz0')
    # pools of fz0: only the scratch one
    pools = snapshot(g)['pools']
    have = False
    for e in pools:
        if attr_of(e, 1) != sz(SCRATCH_INST):
            continue
        if attr_of(e, 17) == in4(SCRATCH_POOL[0]) and attr_of(e, 18) == u8(SCRATCH_POOL[1]):
            have = True
        else:
            must(g.req(6, [(1, sz(SCRATCH_INST)), (17, attr_of(e, 17)), (18, attr_of(e, 18))]),
                 'delete extra pool')
    if not have:
        must(g.req(5, [(1, sz(SCRATCH_INST)), (17, in4(SCRATCH_POOL[0])),
                       (18, u8(SCRATCH_POOL[1]))]), 're-add scratch pool')
    # groups: only sig1 and the scratch ones
    for e in snap['sigs']:
        name = attr_of(e, 54)
        if name not in (sz(BASE_SIG),) + tuple(sz(n) for n in SCRATCH_SIGS):
            must(g.req(22, [(54, name)]), 'delete extra group %r' % name)
    # service-locations: only 7 and the scratch ones, scratch ones role init
    for e in snap['sls']:
        sl = struct.unpack('=I', attr_of(e, 42))[0]
        if sl != BASE_SL and sl not in SCRATCH_SLS:
            must(g.req(18, [(42, u32(sl))]), 'delete extra SL %d' % sl)
        elif sl in SCRATCH_SLS and attr_of(e, 51) != u8(0):
            must(g.req(19, [(42, u32(sl)), (51, u8(0))]), 'reset SL %d role' % sl)
    sls = [struct.unpack('=I', attr_of(e, 42))[0] for e in snap['sls']]
    for sl in SCRATCH_SLS:
        if sl not in sls:
            must(g.req(17, sl_new_attrs(sl)), 're-add SL %d' % sl)
    sigs = [attr_of(e, 54) for e in snapshot(g)['sigs']]
    for name, members in ((b'fzsig', (77,)), (b'fzdel', (77,))):
        if sz(name) not in sigs:
            must(g.req(21, [(54, sz(name))] + [(55 | NLA_F_NESTED, nest([(42, u32(m))]))
                                               for m in members]), 're-add group %r' % name)
    return problems


def remove_scratch(g):
    g.req(2, [(1, sz(SCRATCH_INST))])
    for name in SCRATCH_SIGS:
        g.req(22, [(54, sz(name))])
    for sl in SCRATCH_SLS:
        g.req(18, [(42, u32(sl))])


# ---- requests -----------------------------------------------------------------

def templates():
    """Each command's valid requests: together they hold every request
    attribute the spec gives the command (spec_coverage checks)."""
    member = lambda sl, w: (55 | NLA_F_NESTED, nest([(42, u32(sl)), (56, u32(w))]))
    a = A
    # the session dump's filters (a public or remote endpoint that is no
    # baseline session's, so the reply is empty or not, either is fine)
    sess_filters = [(1, sz(BASE_INST)), (21, in6(BASE_B4[0])), (22, u8(17)),
                    (a['SESS_PUBLIC_ADDR'], in4('198.51.100.1')),
                    (a['SESS_PUBLIC_PORT'], u16(1024)),
                    (a['SESS_REMOTE_ADDR'], in4('192.0.2.1')),
                    (a['SESS_REMOTE_PORT'], u16(9))]
    return {
        1: [[(1, sz('fzn')), (2, u32(3001)), (3, in6('2001:db8:ff::1')), (4, u32(256)),
             (5, u32(2000)), (6, u32(3999)), (7, u32(2)), (8, u32(100)), (9, u32(1000)),
             (10, u8(1)), (11, u32(30)), (12, u32(60)), (13, u32(30)), (14, u32(10)),
             (15, u32(5)), (16, u32(5)), (39, u32(1400)), (40, u32(1400)), (57, sz('fzsig'))]],
        2: [[(1, sz(SCRATCH_INST))], [(2, u32(SCRATCH_ID))]],
        3: [[(1, sz(BASE_INST))], [(2, u32(BASE_ID))]],
        4: [[(1, sz(SCRATCH_INST)), (7, u32(3)), (8, u32(200)), (9, u32(5000)), (10, u8(2)),
             (11, u32(40)), (12, u32(600)), (16, u32(7)), (39, u32(1300)), (40, u32(1380)),
             (57, sz('fzsig'))],
            # by id; then what fz0, which keeps a pool, may not change in
            # place (refused: the mutations of a refusal are fuzzed too)
            [(2, u32(SCRATCH_ID)), (13, u32(50)), (14, u32(20)), (15, u32(6))],
            [(1, sz(SCRATCH_INST)), (3, in6('2001:db8:ff::2')), (4, u32(512)),
             (5, u32(1024)), (6, u32(65535))]],
        5: [[(1, sz(SCRATCH_INST)), (17, in4('203.0.113.8')), (18, u8(30)), (58, u32(77))]],
        6: [[(1, sz(SCRATCH_INST)), (17, in4(SCRATCH_POOL[0])), (18, u8(SCRATCH_POOL[1]))],
            [(1, sz(SCRATCH_INST)), (17, in4(SCRATCH_POOL[0])), (18, u8(SCRATCH_POOL[1])),
             (58, u32(77))]],
        7: [[(1, sz(BASE_INST))]],
        8: [sess_filters + [(a['DUMP_LIMIT'], u32(2))],
            sess_filters + [(a['DUMP_COUNT'], b'')],
            [(1, sz(BASE_INST)), (a['DUMP_COUNT'], b'')]],
        9: [[(1, sz(SCRATCH_INST)), (21, in6('2001:db8:dead::1')), (22, u8(17))]],
        10: [[(1, sz(BASE_INST)), (21, in6(BASE_B4[0])), (22, u8(17))]],
        11: [[(1, sz(BASE_INST))], [(2, u32(BASE_ID))]],
        12: [[(1, sz(BASE_INST))]], 13: [[(1, sz(BASE_INST))]], 14: [[(1, sz(BASE_INST))]],
        15: [[(41, u8(1))]],
        16: [[]],
        17: [[(42, u32(78)), (43, sz('lo')), (44, in4('192.0.2.78')), (45, u16(9078)),
              (46, b'k' * 32), (47, u8(1)), (48, u8(78)), (49, sz('lo')),
              (50, in6('2001:db8:ff::78'))]],
        18: [[(42, u32(79))]],
        # service-location set: the role; the sync channel moved in place
        # (interface, peer, port); a key rotation of the keyed scratch SL 79
        19: [[(42, u32(77)), (51, u8(2))],
             [(42, u32(77)), (43, sz('lo')), (44, in4('192.0.2.177')), (45, u16(9177))],
             [(42, u32(79)), (46, b'r' * 24), (47, u8(1))]],
        20: [[(42, u32(BASE_SL))], [(42, u32(79)), (a['SL_WITH_KEY'], b'')]],
        21: [[(54, sz('fzg')), member(77, 5), member(79, 1)]],
        22: [[(54, sz('fzdel'))]],
        23: [[]],
        0: [[(1, sz(BASE_INST))]], CMD_END: [[(1, sz(BASE_INST))]], 200: [[]],
        **{c: [[(42, u32(BASE_SL))]] for c in EVENT_CMDS if c not in (12, 13, 14)},
    }


def spec_coverage(tm):
    """Every request attribute the spec gives a command is in one of its
    templates (else the fuzzer would never send it valid, nor mutate it)."""
    fails = []
    for cmd, want in sorted(SPEC_REQUESTS.items()):
        have = {t & 0x3fff for tmpl in tm.get(cmd, []) for t, _ in tmpl}
        gone = [CMDS_A[t] for t in want if t not in have]
        if gone:
            fails.append('the spec gives %s attributes no template sends: %s' %
                         (CMDS.get(cmd, cmd), ', '.join(gone)))
    for cmd in sorted(set(C.values()) - set(tm)):
        fails.append('no template for command %s' % CMDS[cmd])
    return fails


CMDS_A = {v: k for k, v in A.items()}


def last(attrs, t):
    v = None
    for a in attrs:
        if not isinstance(a, bytes) and a[0] & 0x3fff == t:
            v = a[1]
    return v


def targets_base(attrs):
    """Would this name or id the baseline instance (name wins)?"""
    name = last(attrs, 1)
    if name is not None:
        return name.split(b'\0')[0] == BASE_INST
    i = last(attrs, 2)
    return i is not None and len(i) == 4 and struct.unpack('=I', i)[0] == BASE_ID


def guard(cmd, attrs, raw):
    """Requests that would legitimately change the baseline: not sent."""
    if raw is not None:
        return False
    if cmd in (2, 4, 5, 6) and targets_base(attrs):
        return True
    if cmd == 9:
        name, b4 = last(attrs, 1), last(attrs, 21)
        safe_name = name is not None and name.split(b'\0')[0] not in (BASE_INST,)
        safe_b4 = b4 is not None and len(b4) == 16 and b4 not in [in6(a) for a in BASE_B4]
        return not (safe_name or safe_b4)
    if cmd == 19:
        sl = last(attrs, 42)
        return sl is None or (len(sl) == 4 and struct.unpack('=I', sl)[0] == BASE_SL)
    return False


def bad_values(t):
    k = ATTRS.get(t, ('bin', 0, 0))
    if k[0] in ('u8', 'u16', 'u32'):
        width = {'u8': 0xff, 'u16': 0xffff, 'u32': 0xffffffff}[k[0]]
        enc = {'u8': u8, 'u16': u16, 'u32': u32}[k[0]]
        vals = {0, width, k[2] + 1, max(k[1] - 1, 0)}
        return [enc(v) for v in sorted(vals) if v > k[2] or v < k[1]]
    if k[0] == 'str':
        # past the policy's length, and past the object's (a name of 16:
        # the policy lets up to 64 through for a better message)
        return [b'\0', b'abc', b'a b\0', b'\xff\xfe\0', b'x\ny\0', b'.\0', b'\x01\0',
                b'a' * (k[1] + 1) + b'\0', b'\0abc\0'] + \
            [b'a' * n + b'\0' for n in (16, 32) if n < k[1]]
    if k[0] == 'flag':
        return [b'\0', b'\1\0\0\0']
    if k[0] == 'in6':
        return [in6(a) for a in ('::', '::1', 'ff02::1', 'fe80::1', '::ffff:192.0.2.1')]
    if k[0] == 'be32':
        return [in4(a) for a in ('0.0.0.0', '255.0.0.0', '127.0.0.0', '224.0.0.0',
                                 '240.0.0.0', '203.0.113.9', '198.51.100.0')]
    if k[0] == 'bin':
        return [b'\0' * max(k[1] - 1, 0), b'\x5a' * (k[2] + 1), b'\1\2\3\4\5']
    return []


def good_value(t, rnd):
    k = ATTRS[t]
    if k[0] in ('u8', 'u16', 'u32'):
        return {'u8': u8, 'u16': u16, 'u32': u32}[k[0]](rnd.randint(k[1], k[2]))
    if k[0] == 'str':
        return sz('fz%d' % rnd.randint(0, 99))
    if k[0] == 'in6':
        return in6('2001:db8:fe::%x' % rnd.randint(1, 0xffff))
    if k[0] == 'be32':
        return in4('203.0.113.%d' % (rnd.randint(4, 60) & ~3))
    if k[0] == 'bin':
        return bytes(rnd.randint(0, 255) for _ in range(rnd.randint(k[1], k[2])))
    if k[0] == 'flag':
        return b''
    return nest([(42, u32(77))])


def nest_cases():
    return [
        (55 | NLA_F_NESTED, b'\x01\x02\x03'),				# garbage
        (55 | NLA_F_NESTED, nest([(56, u32(5))])),			# no SL id
        (55 | NLA_F_NESTED, nest([(42, u32(0))])),			# SL id 0
        (55 | NLA_F_NESTED, nest([(42, u32(5000))])),			# SL id too big
        (55 | NLA_F_NESTED, nest([(42, u32(77)), (56, u32(101))])),	# weight
        (55 | NLA_F_NESTED, nest([(42, u16(77))])),			# short id
        (55, nest([(42, u32(77))])),					# no NLA_F_NESTED
        (55 | NLA_F_NESTED, nest([(55 | NLA_F_NESTED, nest([(42, u32(77))]))])),
        (55 | NLA_F_NESTED, nest([(42, u32(77)), (1, sz('x'))])),	# foreign inner
        (55 | NLA_F_NESTED, nest([(42, u32(12345 & 0x3ff))])),		# no such SL
        (55 | NLA_F_NESTED, b''),					# empty
    ]


def mutations(cmd, tmpl, rnd):
    """(label, attrs) for one command: the systematic cases."""
    out = [('valid', list(tmpl))]
    for i, (t, v) in enumerate(tmpl):
        bt = t & 0x3fff
        rest = tmpl[:i] + tmpl[i + 1:]
        out.append(('missing %d' % bt, rest))
        out.append(('duplicated %d' % bt, tmpl + [(t, v)]))
        if bt in ATTRS and ATTRS[bt][0] != 'nest':
            out.append(('duplicated %d, other value' % bt, tmpl + [(t, good_value(bt, rnd))]))
        out.append(('oversized %d +1' % bt, rest + [(t, v + b'\0')]))
        out.append(('oversized %d +5' % bt, rest + [(t, v + b'\x01' * 5)]))
        out.append(('oversized %d 4000 bytes' % bt, rest + [(t, b'A' * 4000 + b'\0')]))
        out.append(('short %d' % bt, rest + [(t, v[:-1])]))
        out.append(('empty %d' % bt, rest + [(t, b'')]))
        for j, bv in enumerate(bad_values(bt)):
            out.append(('out of range %d #%d' % (bt, j), rest + [(t, bv)]))
        kinds = [x for x in ATTRS if ATTRS[x][0] != ATTRS.get(bt, ('?',))[0]]
        for wt in (rnd.choice(kinds), rnd.choice(REPLY_ONLY), 0, A_MAX + 1, 0x3fff):
            out.append(('%d sent as type %d' % (bt, wt), rest + [(wt, v)]))
        if bt == 55:
            for j, nc in enumerate(nest_cases()):
                out.append(('member case %d' % j, rest + [nc]))
        else:
            out.append(('%d flagged nested' % bt, rest + [(bt | NLA_F_NESTED, v)]))
            out.append(('%d nested inside' % bt, rest + [(bt | NLA_F_NESTED, nla(bt, v))]))
    if cmd == 21:
        m = [(55 | NLA_F_NESTED, nest([(42, u32(77))]))]
        out.append(('9 members', [(54, sz('fzg'))] + m * 9))
        out.append(('no member', [(54, sz('fzg'))]))
    out.append(('no attributes', []))
    for t in rnd.sample(sorted(ATTRS), 6):
        out.append(('plus foreign %d' % t, tmpl + [(t, good_value(t, rnd))]))
    for t in (0, rnd.choice(REPLY_ONLY), A_MAX + 1, 1000):
        out.append(('plus type %d' % t, tmpl + [(t, u32(1))]))
    return out


def random_attrs(rnd):
    out = []
    for _ in range(rnd.randint(0, 6)):
        t = rnd.choice(list(ATTRS) + REPLY_ONLY + [0, A_MAX + 1, rnd.randint(0, 0x3fff)])
        if rnd.random() < 0.1:
            t |= NLA_F_NESTED
        if rnd.random() < 0.6 and t & 0x3fff in ATTRS and ATTRS[t & 0x3fff][0] != 'nest':
            v = rnd.choice([good_value(t & 0x3fff, rnd)] + bad_values(t & 0x3fff))
        else:
            v = bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 40)))
        out.append((t, v))
    return out


def stack(tmpl, rnd):
    a = list(tmpl)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randint(0, 5)
        if op == 0 and a:
            a.pop(rnd.randrange(len(a)))
        elif op == 1 and a:
            a.append(rnd.choice(a))
        elif op == 2 and a:
            i = rnd.randrange(len(a))
            t, v = a[i]
            a[i] = (t, rnd.choice(bad_values(t & 0x3fff) or [b'']))
        elif op == 3:
            a += random_attrs(rnd)
        elif op == 4 and a:
            i = rnd.randrange(len(a))
            t, v = a[i]
            a[i] = (t, bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 24))))
        else:
            rnd.shuffle(a)
    return a


def header_cases(rnd):
    """(label, cmd, raw payload or None, total_len or None, version)."""
    return [
        ('no genl header', 3, b'', None, 1),
        ('genl header cut', 3, b'\x03\x01', None, 1),
        ('version 0', 3, None, None, 0),
        ('version 255', 1, None, None, 255),
        ('attribute length 2', 3, struct.pack('=BBH', 3, 1, 0) + b'\x02\x00\x01\x00', None, 1),
        ('attribute longer than the message', 1, struct.pack('=BBH', 1, 1, 0) +
         struct.pack('=HH', 200, 1) + b'abc\0', None, 1),
        ('random payload', 1, struct.pack('=BBH', 1, 1, 0) +
         bytes(rnd.randint(0, 255) for _ in range(64)), None, 1),
        ('trailing junk', 4, struct.pack('=BBH', 4, 1, 0) + nla(1, sz('fz0')) + b'\x07\x00',
         None, 1),
    ]


def cases(seed, n_random):
    rnd = random.Random(seed)
    tm = templates()
    out = []
    for cmd in sorted(tm):
        for dump in (False, True):
            if cmd in NO_OPS or (dump and cmd not in READ_CMDS):
                # no such operation (the genetlink core refuses it): a few
                out += [(cmd, dump, 'valid', tm[cmd][0], None, None, 1),
                        (cmd, dump, 'random', random_attrs(rnd), None, None, 1)]
                continue
            for k, tmpl in enumerate(tm[cmd]):
                tag = ' (template %d)' % k if k else ''
                for label, attrs in mutations(cmd, tmpl, rnd):
                    out.append((cmd, dump, label + tag, attrs, None, None, 1))
            for i in range(4):
                out.append((cmd, dump, 'random attributes #%d' % i, random_attrs(rnd),
                            None, None, 1))
    for label, cmd, raw, tl, ver in header_cases(rnd):
        out.append((cmd, False, label, [], raw, tl, ver))
    cmds = sorted(tm)
    for i in range(n_random):
        cmd = rnd.choice(cmds)
        dump = rnd.random() < (0.5 if cmd in READ_CMDS else 0.1)
        out.append((cmd, dump, 'random stack #%d' % i, stack(rnd.choice(tm[cmd]), rnd),
                    None, None, 1))
    return out


def show(case):
    cmd, dump, label, attrs, raw, tl, ver = case
    b = raw if raw is not None else struct.pack('=BBH', cmd, ver, 0) + attrs_bytes(attrs)
    return '%s %s [%s]: %s' % (CMDS.get(cmd, cmd), 'dump' if dump else 'doit', label, b.hex())


# refusals of the genetlink core, before the family's code: they carry no
# message and cannot (no such command, no permission, no genl header)
def core_refusal(case, err):
    cmd, dump, label, attrs, raw, tl, ver = case
    if err in (-errno.EOPNOTSUPP, -errno.EPERM):
        return True
    return err == -errno.EINVAL and raw is not None and len(raw) < 4


def run_root(args):
    g = Genl()
    snap0 = snapshot(g)
    base_ha = attr_of(snap0['ha'][0], 41)[0] if snap0['ha'] else 0
    fails = spec_coverage(templates())
    print('# spec: %d request attributes over %d commands, each in a template%s' %
          (sum(len(v) for v in SPEC_REQUESTS.values()), len(SPEC_REQUESTS),
           '' if not fails else ' (NOT: see FAIL)'))
    probs = ensure_scratch(g, base_ha)
    if probs:
        raise SystemExit('cannot create the scratch objects: %s' % probs)
    base = baseline_view(snap0)
    cur = snapshot(g)
    stats = {}
    nomsg = {}
    skipped = 0
    all_cases = cases(args.seed, args.random)
    for n, case in enumerate(all_cases):
        cmd, dump, label, attrs, raw, tl, ver = case
        if guard(cmd, attrs, raw):
            skipped += 1
            continue
        r = g.req(cmd, attrs, dump=dump, version=ver, raw=raw, total_len=tl)
        st = stats.setdefault(CMDS.get(cmd, cmd), [0, 0])
        if r.error == 0:
            st[0] += 1
            if cmd in READ_CMDS and n % 16:
                continue
            probs = ensure_scratch(g, base_ha)
            after = snapshot(g)
            if probs:
                fails.append('could not restore the scratch objects after %s: %s' %
                             (show(case), probs))
            bd = diff(base, baseline_view(after))
            if bd:
                fails.append('accepted request changed the baseline: %s: %s' % (show(case), bd))
                break
            cur = after
            continue
        st[1] += 1
        after = snapshot(g)
        if after != cur:
            fails.append('REFUSED request (%d %s) changed state: %s: %s' %
                         (r.error, r.msg, show(case), diff(cur, after)))
            ensure_scratch(g, base_ha)
            cur = snapshot(g)
        if not r.msg and not core_refusal(case, r.error):
            key = (CMDS.get(cmd, cmd), 'dump' if dump else 'doit', os.strerror(-r.error))
            nomsg.setdefault(key, (case, r.miss))
    remove_scratch(g)
    if g.req(15, [(41, u8(base_ha))]).error:
        fails.append('cannot restore hot backup')
    end = snapshot(g)
    if end != snap0:
        fails.append('the state after the run differs from before: %s' % diff(snap0, end))
    print('# root: %d requests (%d not sent: they would change the baseline legitimately)' %
          (len(all_cases) - skipped, skipped))
    for k in sorted(stats, key=str):
        print('#   %-18s accepted %4d refused %4d' % (k, stats[k][0], stats[k][1]))
    for (c, how, e), (case, miss) in sorted(nomsg.items(), key=str):
        fails.append('refused without an extack message: %s %s %s%s, e.g. %s' %
                     (c, how, e, ' (missing attribute %d named)' % miss if miss else '',
                      show(case)))
    return fails


def run_unpriv(args):
    g = Genl()
    fails = []
    stats = {}
    nomsg = {}
    all_cases = cases(args.seed, args.random)
    for case in all_cases:
        cmd, dump, label, attrs, raw, tl, ver = case
        r = g.req(cmd, attrs, dump=dump, version=ver, raw=raw, total_len=tl)
        st = stats.setdefault(CMDS.get(cmd, cmd), [0, 0, 0])
        if r.error == 0:
            st[0] += 1
            if cmd not in UNPRIV_OK:
                fails.append('an unprivileged user was not refused: %s' % show(case))
        elif r.error == -errno.EPERM:
            st[1] += 1
        else:
            st[2] += 1
            if cmd not in UNPRIV_OK and r.error != -errno.EOPNOTSUPP and raw is None:
                fails.append('an unprivileged user got %d, not EPERM: %s' % (r.error, show(case)))
            if not r.msg and not core_refusal(case, r.error):
                nomsg.setdefault((CMDS.get(cmd, cmd), 'dump' if dump else 'doit',
                                  os.strerror(-r.error)), case)
    print('# unprivileged: %d requests' % len(all_cases))
    for k in sorted(stats, key=str):
        print('#   %-18s accepted %4d EPERM %4d other %4d' % (k, *stats[k]))
    for (c, how, e), case in sorted(nomsg.items(), key=str):
        fails.append('refused without an extack message: %s %s %s, e.g. %s' %
                     (c, how, e, show(case)))
    return fails


def run_traffic(args):
    """UDP in IPv4 in IPv6 from each local B4 address to the AFTR."""
    for b4 in args.b4:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
        s.bind((b4, 0))
        for p in range(args.sport, args.sport + args.flows):
            udp = struct.pack('!HHHH', p, 9, 12, 0) + b'fuzz'
            iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                              in4('192.0.0.2'), in4(args.dst))
            iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
            s.sendto(iph + udp, (args.aftr, 0))
        s.close()
    return []


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=('root', 'unpriv', 'traffic'))
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--random', type=int, default=1000)
    p.add_argument('--aftr')
    p.add_argument('--dst')
    p.add_argument('--b4', action='append', default=[])
    p.add_argument('--sport', type=int, default=20000)
    p.add_argument('--flows', type=int, default=4)
    a = p.parse_args()
    fails = {'root': run_root, 'unpriv': run_unpriv, 'traffic': run_traffic}[a.mode](a)
    for f in fails:
        print('FAIL: %s' % f)
    print('# %s: %d finding(s)' % (a.mode, len(fails)))
    sys.exit(1 if fails else 0)


if __name__ == '__main__':
    main()
