#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The module against its netlink spec (used by nl_spec.sh).

Drives the "dslite" family with the kernel's YNL library (tools/net/ynl
of linux-source-6.12, extracted by scripts/deps.sh) through
Documentation/netlink/specs/dslite.yaml, in a namespace nl_spec.sh set up
(an instance device that can take traffic):

  - creates, gets, dumps, changes and deletes a service-location, a
    group, an instance and a pool, dumps stats, sessions and users (after
    traffic nl_spec.sh sends), and listens to the events group. Every
    reply and event is parsed with the spec (an attribute the spec does
    not know fails), must carry only the attributes the spec lists for
    that operation and mode, and every attribute a reply list names must
    have been seen at least once;
  - reads the module's policies (CTRL_CMD_GETPOLICY through the kernel's
    nlctrl spec) and compares each operation's with the spec: do and dump
    share one policy, the attributes are the request's, and each has the
    spec's type and bounds, nests included;
  - sends each operation an attribute it does not list: refused (EINVAL
    with a message).

Prints "PASS: what" / "FAIL: what: why" lines (nl_spec.sh turns them into
TAP) and exits 1 if anything failed.
"""
import argparse
import errno
import ipaddress
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# commands that are also notifications under their own number (a spec
# operation is either a call or an event for YNL): what their event
# carries, as the spec's doc says
CALL_EVENTS = {'instance-new': 'instance-get', 'instance-del': 'instance-get'}
# reply attributes only a sync peer can make appear (this test has none):
# sl-mismatch is the setting that differs from the peer's, checked in
# -j show and in the event by ha_diag.sh
NEEDS_PEER = {'sl-mismatch'}
REPO = os.path.join(HERE, '..', '..')
SPEC = os.path.join(REPO, 'Documentation', 'netlink', 'specs', 'dslite.yaml')

U_MAX = {'u8': 0xff, 'u16': 0xffff, 'u32': 0xffffffff, 'u64': (1 << 64) - 1}

results = []


def report(ok, what, why=''):
    results.append(ok)
    print('PASS: %s' % what if ok else 'FAIL: %s: %s' % (what, why), flush=True)


class Contract:
    """What the spec says each operation sends, and what was seen."""

    def __init__(self, ynl):
        self.y = ynl
        self.seen = {}		# (op, mode) -> set of attribute names
        self.bad = []

    def reply_list(self, op, mode):
        if mode == 'event' and op in CALL_EVENTS:
            op, mode = CALL_EVENTS[op], 'do'
        y = self.y.msgs[op].yaml
        return y['event']['attributes'] if mode == 'event' else y[mode]['reply']['attributes']

    def replies(self, op, mode, msgs):
        allowed = set(self.reply_list(op, mode))
        seen = self.seen.setdefault((op, mode), set())
        for m in msgs or []:
            extra = set(m) - allowed
            if extra:
                self.bad.append('%s %s sent %s, not in the spec\'s list' % (op, mode, sorted(extra)))
            seen |= set(m)
        return msgs

    def unseen(self):
        out = []
        for (op, mode), seen in sorted(self.seen.items()):
            want = self.reply_list(op, mode)
            missing = [a for a in want if a not in seen and a not in NEEDS_PEER]
            if missing:
                out.append('%s %s never sent %s' % (op, mode, missing))
        return out


def errno_of(e):
    return -e.nl_msg.error


def extack_msg(e):
    return (e.nl_msg.extack or {}).get('msg', '')


def scenario(ynl, ev, NlError, args):
    c = Contract(ynl)
    aftr = ipaddress.IPv6Address(args.aftr).packed

    def do(op, vals, mode='do'):
        try:
            r = ynl.do(op, vals) if mode == 'do' else ynl.dump(op, vals)
        except NlError as e:
            report(False, '%s %s %s' % (op, mode, sorted(vals)),
                   '%s (%s)' % (os.strerror(errno_of(e)), extack_msg(e)))
            return None
        except Exception as e:	# YNL: an attribute or value the spec does not know
            report(False, '%s %s reply parsed with the spec' % (op, mode), repr(e))
            return None
        spec_op = ynl.msgs[op]
        if 'reply' in spec_op.yaml.get(mode, {}):
            c.replies(op, mode, r if mode == 'dump' else [r] if r else [])
        return r

    ok = True
    # service-location with everything a reply can show; the group
    do('sl-new', {'sl-id': 5, 'sl-ifname': 'lo', 'sl-peer': ipaddress.IPv4Address('192.0.2.2').packed,
                  'sl-port': 9286, 'sl-key': b'k' * 32, 'sl-hash': 'hmac-sha256',
                  'sl-vrid': 7, 'sl-vrrp-if': 'lo', 'sl-aftr': aftr})
    do('sl-new', {'sl-id': 6, 'sl-ifname': 'lo', 'sl-peer': ipaddress.IPv6Address('2001:db8:9::2').packed,
                  'sl-hash': 'none'})
    r = do('sl-get', {'sl-id': 5})
    ok &= bool(r) and r.get('sl-id') == 5 and r.get('sl-has-key') is True and \
        r.get('sl-hash') is None and 'sl-key' not in r and r.get('sl-aftr') == args.aftr and \
        r.get('sl-role') == 'init' and isinstance(r.get('sl-sync'), dict)
    report(ok, 'sl-get returns the SL as added, the key only as sl-has-key', r)
    r = do('sl-get', {}, 'dump')
    report(bool(r) and sorted(x['sl-id'] for x in r) == [5, 6], 'sl-get dump lists both SLs', r)
    do('sl-set', {'sl-id': 6, 'sl-role': 'backup'})
    r = do('sl-get', {'sl-id': 6})
    report(bool(r) and r.get('sl-role') == 'backup', 'sl-set changed the role', r)
    do('sig-new', {'sig-name': 'g1', 'sig-member': [{'sl-id': 5, 'sig-weight': 3},
                                                     {'sl-id': 6}]})
    r = do('sig-get', {}, 'dump')
    report(r == [{'sig-name': 'g1', 'sig-member': [{'sl-id': 5, 'sig-weight': 3},
                                                   {'sl-id': 6, 'sig-weight': 1}]}],
           'sig-get dump returns the group with its members and weights', r)

    # hot backup
    do('ha-set', {'ha-enabled': 1})
    r = do('ha-get', {})
    report(r == {'ha-enabled': 1}, 'ha-get after ha-set', r)
    do('ha-set', {'ha-enabled': 0})

    # an instance (nl_spec.sh made the device's namespace ready for traffic)
    do('instance-new', {'inst-name': args.inst, 'inst-id': 77, 'inst-aftr': aftr,
                        'inst-block-size': 256, 'inst-max-blocks': 2, 'inst-to-udp': 600,
                        'inst-filtering': 'apdf', 'inst-mss': 1400, 'inst-sig': 'g1'})
    r = do('instance-get', {'inst-name': args.inst})
    ok = bool(r) and r.get('inst-id') == 77 and r.get('inst-aftr') == args.aftr and \
        r.get('inst-block-size') == 256 and r.get('inst-filtering') == 'apdf' and \
        r.get('inst-sig') == 'g1' and r.get('inst-mtu') == 1500
    report(ok, 'instance-get returns what instance-new set', r)
    r = do('instance-get', {'inst-id': 77})
    report(bool(r) and r.get('inst-name') == args.inst, 'instance-get by id', r)
    do('instance-set', {'inst-name': args.inst, 'inst-to-udp': 3600, 'inst-sig': ''})
    r = do('instance-get', {}, 'dump')
    mine = [x for x in r or [] if x.get('inst-name') == args.inst]
    report(len(mine) == 1 and mine[0].get('inst-to-udp') == 3600 and 'inst-sig' not in mine[0],
           'instance-get dump shows instance-set\'s change', mine)
    do('instance-set', {'inst-name': args.inst, 'inst-sig': 'g1'})
    r = do('instance-get', {}, 'dump')
    mine = [x for x in r or [] if x.get('inst-name') == args.inst]
    report(len(mine) == 1 and mine[0].get('inst-sig') == 'g1', 'instance-get dump shows the '
           'group bound again', mine)

    # a pool, owned by SL 5
    pool = int(ipaddress.IPv4Address(args.pool.split('/')[0]))
    plen = int(args.pool.split('/')[1])
    do('pool-new', {'inst-name': args.inst, 'pool-addr': pool, 'pool-plen': plen, 'pool-sl': 5})
    r = do('pool-get', {'inst-name': args.inst}, 'dump')
    ok = bool(r) and len(r) == 1 and r[0].get('pool-addr') == args.pool.split('/')[0] and \
        r[0].get('pool-plen') == plen and r[0].get('pool-sl') == 5 and r[0].get('pool-blocks', 0) > 0
    report(ok, 'pool-get dump returns the pool', r)
    r = do('stats-get', {'inst-name': args.inst})
    want = [a['name'] for a in ynl.yaml_attr_set('stats') if a['type'] == 'u64']
    report(bool(r) and sorted(r.get('stats', {})) == sorted(want),
           'stats-get carries every counter of the spec\'s stats set (%d)' % len(want),
           sorted(set(want) ^ set((r or {}).get('stats', {}))))
    do('stats-get', {}, 'dump')
    return c, pool, plen


def send_traffic(args):
    """UDP in IPv4 in IPv6 from each B4 address to the AFTR (4 flows each)."""
    import socket
    import struct
    sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
    from pktlib import csum
    for b4 in args.b4:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
        s.bind((b4, 0))
        for port in range(20000, 20004):
            udp = struct.pack('!HHHH', port, 9, 12, 0) + b'spec'
            iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                              socket.inet_aton('192.0.0.2'), socket.inet_aton(args.dst))
            iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
            s.sendto(iph + udp, (args.aftr, 0))
        s.close()


def traffic_phase(ynl, args, c):
    """Sessions, users, block events from traffic through the instance."""
    import subprocess
    import time
    subprocess.run(['ip', 'link', 'set', args.inst, 'up'], check=True)
    subprocess.run(['ip', 'route', 'add', args.pool, 'dev', args.inst], check=True)
    send_traffic(args)

    def dump(op, vals):
        try:
            r = ynl.dump(op, vals)
        except Exception as e:
            report(False, '%s dump' % op, repr(e))
            return []
        c.replies(op, 'dump', r)
        return r
    want = 4 * len(args.b4)
    for _ in range(50):
        s = dump('session-get', {'inst-name': args.inst})
        if len(s) >= want:
            break
        time.sleep(0.2)
    report(len(s) == want and all(x.get('sess-proto') == 17 for x in s),
           'session-get dump returns the %d UDP sessions' % want, s[:2])
    n = dump('session-get', {'inst-name': args.inst, 'dump-count': True})
    report(len(n) == 1 and n[0].get('sess-count') == want,
           'session-get dump-count: one sess-count of %d for the instance' % want, n)
    u = dump('user-get', {'inst-name': args.inst})
    report(len(u) == len(args.b4) and all(x.get('user-block') for x in u),
           'user-get dump returns the %d users with their blocks' % len(args.b4), u[:2])
    try:
        ynl.do('session-flush', {'inst-name': args.inst, 'sess-proto': 17})
        report(dump('session-get', {'inst-name': args.inst}) == [], 'session-flush deleted them')
    except Exception as e:
        report(False, 'session-flush', repr(e))


def teardown(ynl, NlError, args, pool, plen):
    steps = [('pool-del', {'inst-name': args.inst, 'pool-addr': pool, 'pool-plen': plen}),
             ('instance-del', {'inst-name': args.inst}),
             ('sig-del', {'sig-name': 'g1'}), ('sl-del', {'sl-id': 5}), ('sl-del', {'sl-id': 6})]
    for op, vals in steps:
        try:
            ynl.do(op, vals)
            report(True, '%s %s' % (op, ' '.join('%s %s' % kv for kv in vals.items())))
        except Exception as e:
            report(False, op, repr(e))
    empty = all(not ynl.dump(op, {}) for op in ('sl-get', 'sig-get', 'pool-get'))
    empty &= not [x for x in ynl.dump('instance-get', {}) if x.get('inst-name') == args.inst]
    report(empty, 'everything the test made is gone')


def check_events(ev, c, args):
    ev.check_ntf()
    got = {}
    for m in ev.async_msg_queue:
        got.setdefault(m['name'], []).append(m['msg'])
        c.replies(m['name'], 'event', [m['msg']])
    for op in ('instance-new', 'instance-del', 'event-block-alloc'):
        mine = [m for m in got.get(op, []) if m.get('inst-name') == args.inst]
        report(bool(mine), 'event %s received and parsed with the spec' % op, sorted(got))


# ---- policies ------------------------------------------------------------------

def spec_limit(ynl, v):
    if isinstance(v, int):
        return v
    if v in ynl.consts:
        return int(ynl.consts[v]['value'])
    return int(v)


def expect(ynl, attr):
    """The policy dump entry the spec implies for one request attribute."""
    t = attr['type']
    ck = attr.yaml.get('checks', {})
    if t in U_MAX:
        lo, hi = 0, U_MAX[t]
        if 'enum' in attr.yaml:
            vals = [e.value for e in ynl.consts[attr.yaml['enum']].entries.values()]
            lo, hi = min(vals), max(vals)
        lo = spec_limit(ynl, ck['min']) if 'min' in ck else lo
        hi = spec_limit(ynl, ck['max']) if 'max' in ck else hi
        return {'type': t, 'min-value-u': lo, 'max-value-u': hi}
    if t == 'string':
        e = {'type': 'nul-string'}
        if 'max-len' in ck:
            e['max-length'] = spec_limit(ynl, ck['max-len'])
        return e
    if t == 'binary':
        e = {'type': 'binary'}
        lo = ck.get('exact-len', ck.get('min-len'))
        hi = ck.get('exact-len', ck.get('max-len'))
        if lo is not None and spec_limit(ynl, lo):
            e['min-length'] = spec_limit(ynl, lo)
        if hi is not None:
            e['max-length'] = spec_limit(ynl, hi)
        return e
    if t == 'flag':
        return {'type': 'flag'}
    if t == 'nest':
        sub = ynl.attr_sets[attr.yaml['nested-attributes']]
        return {'type': 'nested', 'policy-maxtype': max(a.value for a in sub.attrs.values())}
    raise ValueError(t)


def check_policies(ynl, ctrl, args):
    try:
        msgs = ctrl.dump('getpolicy', {'family-name': 'dslite'})
    except Exception as e:
        report(False, 'CTRL_CMD_GETPOLICY of dslite', repr(e))
        return
    op_pol = {}
    pols = {}
    for m in msgs:
        if 'op-policy' in m:
            p = m['op-policy']
            op_pol[p['op-id']] = p
        if 'policy' in m:
            p = dict(m['policy'])
            pols.setdefault(p.pop('policy-id'), {})[p.pop('attr-id')] = p

    def compare(where, idx, names, attr_set):
        have = pols.get(idx, {})
        want_vals = {attr_set[n].value: n for n in names}
        bad = []
        if sorted(have) != sorted(want_vals):
            bad.append('%s: module takes %s, spec %s' % (
                where, sorted(have), sorted(want_vals)))
        for v, n in sorted(want_vals.items()):
            if v not in have:
                continue
            a = attr_set[n]
            e = expect(ynl, a)
            h = dict(have[v])
            nidx = h.pop('policy-idx', None)
            if h != e:
                bad.append('%s %s: module %s, spec %s' % (where, n, h, e))
            if a['type'] == 'nest':
                sub = ynl.attr_sets[a.yaml['nested-attributes']]
                bad += compare('%s.%s' % (where, n), nidx, list(sub.attrs), sub)
        return bad

    bad = []
    ops_with_policy = 0
    for name, op in ynl.ops.items():
        modes = [m for m in ('do', 'dump') if m in op.yaml]
        p = op_pol.get(op.req_value)
        if p is None:
            bad.append('%s: the module has no policy for it' % name)
            continue
        idx = {m: p.get(m) for m in modes}
        if set(p) - {'op-id'} != set(modes):
            bad.append('%s: module has %s, spec %s' % (name, sorted(set(p) - {'op-id'}), modes))
        if len(set(idx.values())) != 1:
            bad.append('%s: do and dump have different policies %s (spec: per-op)' % (name, idx))
        req = op.yaml[modes[0]].get('request', {}).get('attributes', [])
        bad += compare(name, idx[modes[0]], req, op.attr_set)
        ops_with_policy += 1
    extra = sorted(set(op_pol) - {op.req_value for op in ynl.ops.values()})
    if extra:
        bad.append('the module has operations the spec does not: %s' % extra)
    report(not bad, 'the module\'s policies are the spec\'s (%d operations, %d policies)' %
           (ops_with_policy, len(pols)), '; '.join(bad))


def check_foreign(ynl, NlError):
    """Each operation refuses an attribute its request does not list."""
    sample = {'u8': 1, 'u16': 1, 'u32': 1, 'u64': 1, 'string': 'x', 'binary': b'\0' * 16,
              'flag': True}
    bad = []
    n = 0
    dset = ynl.attr_sets['dslite']
    for name, op in ynl.ops.items():
        modes = [m for m in ('do', 'dump') if m in op.yaml]
        req = op.yaml[modes[0]].get('request', {}).get('attributes', [])
        foreign = [a for a in dset.attrs.values() if a.name not in req and a['type'] in sample]
        # one of low number (inside the policy's size) and the last one
        for a in (foreign[0], foreign[-1]):
            n += 1
            try:
                if modes[0] == 'do':
                    ynl.do(name, {a.name: sample[a['type']]})
                else:
                    ynl.dump(name, {a.name: sample[a['type']]})
                bad.append('%s accepted %s' % (name, a.name))
            except NlError as e:
                if errno_of(e) != errno.EINVAL or not extack_msg(e):
                    bad.append('%s %s: %s "%s"' % (name, a.name, os.strerror(errno_of(e)),
                                                   extack_msg(e)))
    report(not bad, 'every operation refuses an attribute it does not list, with a message '
           '(%d requests)' % n, '; '.join(bad))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('phase', choices=('objects', 'policy'))
    p.add_argument('--ynl', default='/var/cache/dslite/ynl')
    p.add_argument('--inst', default='spec0')
    p.add_argument('--aftr', default='2001:db8:5::1')
    p.add_argument('--pool', default='198.51.100.0/28')
    p.add_argument('--dst', default='192.0.2.1')
    p.add_argument('--b4', action='append', default=[])
    a = p.parse_args()
    sys.path.insert(0, os.path.join(a.ynl, 'tools', 'net', 'ynl'))
    from lib import YnlFamily, NlError  # noqa: E402
    schema = os.path.join(a.ynl, 'Documentation', 'netlink', 'genetlink-legacy.yaml')

    class Ynl(YnlFamily):
        def yaml_attr_set(self, name):
            return self.attr_sets[name].yaml['attributes']
    ynl = Ynl(SPEC, schema)
    report(True, 'the spec loads into YNL (schema-checked) and the family resolves')
    if a.phase == 'policy':
        ctrl = YnlFamily(os.path.join(a.ynl, 'Documentation', 'netlink', 'specs', 'nlctrl.yaml'),
                         schema)
        check_policies(ynl, ctrl, a)
        check_foreign(ynl, NlError)
    else:
        ev = Ynl(SPEC, schema)
        ev.ntf_subscribe('events')
        for op in CALL_EVENTS:
            if ynl.msgs[op].yaml.get('mcgrp') != 'events':
                report(False, '%s is multicast on "events"' % op, ynl.msgs[op].yaml)
            ev.async_msg_ids.add(ynl.msgs[op].rsp_value)
        c, pool, plen = scenario(ynl, ev, NlError, a)
        traffic_phase(ynl, a, c)
        teardown(ynl, NlError, a, pool, plen)
        check_events(ev, c, a)
        report(not c.bad, 'every reply and event carries only the attributes its operation '
               'lists', '; '.join(c.bad))
        un = c.unseen()
        report(not un, 'every attribute a reply or event list names was sent at least once',
               '; '.join(un))
    sys.exit(0 if all(results) else 1)


if __name__ == '__main__':
    main()
